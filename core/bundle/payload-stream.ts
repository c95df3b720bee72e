/**
 * Stream one payload out of a verified bundle, re-hashing it as it is sent.
 *
 * Verification and sending are separate reads of the file, so the file can change in between
 * (another process, a flaky USB stick). This stream hashes exactly the bytes it hands out and
 * holds back the final chunk until the hash matches what was verified; if not, it errors with
 * payload_changed and the receiver never sees a complete, wrong payload.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ChunkedFile } from './chunked-file.js';
import { BundleError, formatBytes, shortHash } from './reasons.js';
import { TarReader } from './tar-reader.js';

export interface ExpectedPayload {
  /** Stored size in the archive (the compressed size for gzip payloads). */
  readonly size: number;
  /** SHA-256 of the stored bytes, as verified. */
  readonly sha256: string;
}

export function openPayloadStream(file: string, path: string, expected: ExpectedPayload, options: { chunkSize?: number } = {}): Readable {
  return Readable.from(payloadChunks(file, path, expected, options.chunkSize ?? 256 * 1024), { objectMode: false });
}

async function* payloadChunks(file: string, path: string, expected: ExpectedPayload, chunkSize: number): AsyncGenerator<Buffer> {
  const changed = (what: string): BundleError =>
    new BundleError(
      'payload_changed',
      `"${path}" in ${file} changed after it was verified (${what}); nothing more was sent. Verify the bundle again before sending it`,
      path,
    );
  let source: ChunkedFile;
  try {
    source = await ChunkedFile.open(file, { hash: false, chunkSize });
  } catch (error) {
    throw changed(`the file can no longer be read: ${(error as Error).message}`);
  }
  try {
    const reader = new TarReader(source);
    for (;;) {
      const step = await reader.next();
      if (step.kind === 'fatal') throw changed(step.problem.message);
      if (step.kind === 'end') throw changed('the payload is no longer in the archive');
      if (step.entry.path !== path || step.entry.type !== 'file') continue;
      if (step.problem) throw changed(step.problem.message);
      if (step.entry.size !== expected.size) throw changed(`it is now ${formatBytes(step.entry.size)}, was ${formatBytes(expected.size)}`);
      break;
    }
    const hash = createHash('sha256');
    let sent = 0;
    for (;;) {
      const chunk = await reader.nextChunk();
      if (chunk === null) break;
      if (!Buffer.isBuffer(chunk)) throw changed(chunk.message);
      hash.update(chunk);
      sent += chunk.length;
      if (sent === expected.size) {
        const digest = hash.digest('hex');
        if (digest !== expected.sha256) throw changed(`its SHA-256 is now ${shortHash(digest)}, was ${shortHash(expected.sha256)}`);
      }
      // The reader reuses its buffer; the consumer may hold chunks.
      yield Buffer.from(chunk);
    }
    if (expected.size === 0 && hash.digest('hex') !== expected.sha256) throw changed('its SHA-256 no longer matches');
  } finally {
    await source.close().catch(() => undefined);
  }
}
