/**
 * Writes one payload of a verified bundle to a file on the gateway, decompressed, re-hashing
 * every byte on the way ("hash what you use": the bundle was verified at commit, but the file is
 * read again here). The file is fsync'd before the step counts as done.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { openPayloadStream } from '../../core/bundle/payload-stream.js';
import type { Manifest } from '../../core/bundle/manifest.js';

export type Payload = Manifest['payloads'][number];

export interface WrittenFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** `dir/rel`, refusing anything that would land outside `dir` (the verifier already refuses it). */
export function inside(dir: string, rel: string): string {
  const full = path.resolve(dir, rel);
  if (!full.startsWith(path.resolve(dir) + path.sep)) throw new Error(`payload path "${rel}" leaves ${dir}`);
  return full;
}

/**
 * Streams `payload` out of `bundle` into `dest`. With `stopAfter`, writes only that many bytes
 * and returns null: what a power cut halfway through leaves behind.
 */
export async function writePayload(bundle: string, payload: Payload, dest: string, stopAfter?: number): Promise<WrittenFile | null> {
  let source: Readable = openPayloadStream(bundle, payload.path, { size: payload.size, sha256: payload.sha256 });
  const expected = payload.uncompressed ?? { size: payload.size, sha256: payload.sha256 };
  if (payload.compression === 'gzip') source = source.pipe(createGunzip());
  const hash = createHash('sha256');
  const out = await open(dest, 'w', 0o644);
  let size = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (stopAfter !== undefined && size + chunk.length >= stopAfter) {
        await out.write(chunk.subarray(0, stopAfter - size));
        source.destroy();
        return null;
      }
      size += chunk.length;
      if (size > expected.size) throw new Error(`"${payload.path}" is larger than the ${expected.size} bytes its manifest states`);
      hash.update(chunk);
      await out.write(chunk);
    }
    await out.sync();
  } finally {
    await out.close();
  }
  const sha256 = hash.digest('hex');
  if (size !== expected.size || sha256 !== expected.sha256)
    throw new Error(`"${payload.path}" does not match its manifest after unpacking (${size} bytes, SHA-256 ${sha256.slice(0, 12)}…)`);
  return { path: payload.path, size, sha256 };
}

/** Expected unpacked size of a payload, for half-written (torn) files. */
export function unpackedSize(payload: Payload): number {
  return payload.uncompressed?.size ?? payload.size;
}
