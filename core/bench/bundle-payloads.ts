/**
 * The model and golden payloads of a model bundle, read into memory for a local run or diagnostics.
 *
 * Each payload is re-hashed as it is read against the (verified) manifest, so a file changed
 * after verification is refused rather than used as the reference; gzip payloads are unpacked
 * and checked against their uncompressed hash.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { Manifest } from '../bundle/manifest.js';
import { openPayloadStream } from '../bundle/payload-stream.js';

/** A model bundle is small (a model, a few golden tensors); this keeps a hostile one from filling memory. */
const MAX_PAYLOAD_BYTES = 1024 * 1024 * 1024;

export async function readModelPayloads(file: string, manifest: Manifest): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const p of manifest.payloads) {
    if (p.target !== 'model' && p.target !== 'golden') continue;
    if ((p.uncompressed?.size ?? p.size) > MAX_PAYLOAD_BYTES)
      throw new Error(`payload "${p.path}" is larger than 1 GiB; Fieldline will not load it into memory`);
    const chunks: Buffer[] = [];
    for await (const chunk of openPayloadStream(file, p.path, { size: p.size, sha256: p.sha256 })) chunks.push(chunk as Buffer);
    let bytes: Buffer = Buffer.concat(chunks);
    if (p.compression === 'gzip') {
      bytes = gunzipSync(bytes);
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (sha !== p.uncompressed?.sha256) throw new Error(`payload "${p.path}" does not unpack to the bytes the manifest names`);
    }
    out.set(p.path, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return out;
}
