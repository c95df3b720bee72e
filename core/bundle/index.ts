/**
 * Signed bundles: format, signatures, trust, verification (docs/bundle-format.md).
 */
export * from './reasons.js';
export * from './manifest.js';
export * from './dsse.js';
export { checkBundlePath, collisionKey, type PathProblem } from './bundle-path.js';
export { TarReader, type TarEntry, type TarProblem, type TarStep } from './tar-reader.js';
export { TarWriter, tarHeader, tarPadding, END_OF_ARCHIVE, type TarHeaderFields } from './tar-writer.js';
export { ChunkedFile } from './chunked-file.js';
export * from './trust.js';
export * from './trust-store.js';
export * from './policy.js';
export { verifyBundle, type VerifyOptions, type VerifyReport } from './verify.js';
export { readBundleManifest, type BundleInspection } from './inspect.js';
export { createBundle, type BundleFile, type CreateBundleOptions } from './create.js';
export { signBundle, keygen, type SignResult, type GeneratedKey } from './sign.js';
export { openPayloadStream, type ExpectedPayload } from './payload-stream.js';
