/**
 * Build a bundle: hash (and optionally gzip) each file, write the manifest with the results, sign
 * it, then write the archive with the manifest first.
 *
 * Sources are read twice (hash, then copy) because the manifest, which holds the hashes, must
 * precede the payloads; the archive is written to a temporary name and renamed, so a failed build
 * never leaves a half-written .flb behind.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Ed25519Identity } from '../protocol/identity.js';
import { createEnvelope, encodeEnvelope, signEnvelope } from './dsse.js';
import {
  encodeManifest,
  MANIFEST_ENTRY,
  MAX_MANIFEST_BYTES,
  manifestSchema,
  parseManifest,
  type Manifest,
  type ManifestPayload,
  type ManifestTemplate,
  type PayloadTarget,
} from './manifest.js';
import { BundleError } from './reasons.js';
import { TarWriter } from './tar-writer.js';

export interface BundleFile {
  /** Path inside the bundle. */
  readonly path: string;
  /** File on disk. */
  readonly source: string;
  readonly compress?: 'gzip';
  readonly target: PayloadTarget;
}

export interface CreateBundleOptions {
  readonly manifest: ManifestTemplate;
  readonly files: readonly BundleFile[];
  readonly out: string;
  readonly signers?: readonly Ed25519Identity[];
}

/** Throws BundleError (manifest_invalid) for a bad template, or an Error naming the unreadable file. */
export async function createBundle(options: CreateBundleOptions): Promise<Manifest> {
  const temps: string[] = [];
  const partial = `${options.out}.partial-${process.pid}`;
  try {
    const payloads: ManifestPayload[] = [];
    const stored: { path: string; file: string; size: number }[] = [];
    for (const [i, f] of options.files.entries()) {
      if (f.compress === 'gzip') {
        const gz = `${options.out}.gz-${process.pid}-${i}`;
        temps.push(gz);
        const raw = hasher();
        const packed = hasher();
        await pipeline(createReadStream(f.source), raw.stream, createGzip({ level: 6 }), packed.stream, createWriteStream(gz));
        payloads.push({
          path: f.path,
          size: packed.size(),
          sha256: packed.digest(),
          compression: 'gzip',
          uncompressed: { size: raw.size(), sha256: raw.digest() },
          target: f.target,
        });
        stored.push({ path: f.path, file: gz, size: packed.size() });
      } else {
        const h = hasher();
        await pipeline(createReadStream(f.source), h.stream, sink());
        const size = (await stat(f.source)).size;
        if (size !== h.size()) throw new Error(`${f.source} changed while it was being hashed`);
        payloads.push({ path: f.path, size, sha256: h.digest(), target: f.target });
        stored.push({ path: f.path, file: f.source, size });
      }
    }
    const candidate = { ...options.manifest, payloads };
    const checked = manifestSchema.safeParse(candidate);
    if (!checked.success) {
      const result = parseManifest(JSON.stringify(candidate));
      throw new BundleError('manifest_invalid', result.ok ? 'the manifest is not valid' : result.message);
    }
    const manifest = checked.data;
    let envelope = createEnvelope(encodeManifest(manifest));
    for (const signer of options.signers ?? []) envelope = signEnvelope(envelope, signer);
    const envelopeBytes = encodeEnvelope(envelope);
    if (envelopeBytes.length > MAX_MANIFEST_BYTES)
      throw new BundleError(
        'manifest_too_large',
        `the signed manifest would be ${envelopeBytes.length} bytes, more than the ${MAX_MANIFEST_BYTES} allowed; shorten the release notes or split the bundle`,
      );
    const mtime = Math.floor(Date.parse(manifest.created) / 1000);
    const writer = await TarWriter.create(partial);
    try {
      await writer.addBytes(MANIFEST_ENTRY, envelopeBytes, mtime);
      for (const s of stored) await writer.addFile(s.path, s.file, s.size, mtime);
      await writer.finish();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    await rename(partial, options.out);
    return manifest;
  } finally {
    await Promise.all([...temps, partial].map((t) => rm(t, { force: true })));
  }
}

function hasher(): { stream: Transform; size: () => number; digest: () => string } {
  const hash = createHash('sha256');
  let size = 0;
  let digest: string | null = null;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream, size: () => size, digest: () => (digest ??= hash.digest('hex')) };
}

function sink(): NodeJS.WritableStream {
  return new Transform({
    transform(_chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      callback();
    },
  }).resume();
}
