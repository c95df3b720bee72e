/**
 * Read a bundle's manifest without trusting it: for `fieldline bundle inspect` and the library's
 * details panel, where a technician wants to see what a bundle claims before (or after) verifying.
 */
import { ChunkedFile } from './chunked-file.js';
import { parseEnvelope, type DsseEnvelope } from './dsse.js';
import { readManifestEntry } from './manifest-entry.js';
import { parseManifest, type Manifest } from './manifest.js';
import { fail, type Check } from './reasons.js';
import { TarReader } from './tar-reader.js';
import { describeIoError } from './verify.js';

export interface BundleInspection {
  readonly envelope: DsseEnvelope | null;
  readonly manifest: Manifest | null;
  /** What stopped the manifest from being read; empty when it was. Nothing here is verified. */
  readonly problems: readonly Check[];
}

export async function readBundleManifest(file: string): Promise<BundleInspection> {
  let source: ChunkedFile;
  try {
    source = await ChunkedFile.open(file, { hash: false, chunkSize: 64 * 1024 });
  } catch (error) {
    return {
      envelope: null,
      manifest: null,
      problems: [fail('file', 'manifest_missing', `Fieldline could not read ${file}: ${describeIoError(error)}`)],
    };
  }
  try {
    const entry = await readManifestEntry(new TarReader(source));
    if (!entry.ok) return { envelope: null, manifest: null, problems: [entry.check] };
    const parsed = parseEnvelope(entry.bytes);
    if (!parsed.ok) return { envelope: null, manifest: null, problems: [parsed.check] };
    const manifest = parseManifest(parsed.payload);
    if (!manifest.ok)
      return { envelope: parsed.envelope, manifest: null, problems: [fail('manifest', 'manifest_invalid', manifest.message)] };
    return { envelope: parsed.envelope, manifest: manifest.manifest, problems: [] };
  } catch (error) {
    return { envelope: null, manifest: null, problems: [fail('file', 'truncated', `reading ${file} failed (${describeIoError(error)})`)] };
  } finally {
    await source.close().catch(() => undefined);
  }
}
