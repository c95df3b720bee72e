/**
 * Reads the artifact file in order from the device's resume point, hashing every byte handed out
 * plus the prefix the device already holds (read back from the local file).
 *
 * The digest is checked when the last byte is read, before the last chunk can be sent: if the
 * file changed since it was verified, the device never receives a complete, wrong artifact.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { FlashError } from './flash-error.js';

const PREFIX_READ = 4 * 1024 * 1024;

export class HashingReader {
  private position: number;
  private block: Buffer = Buffer.alloc(0);
  private blockOffset = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly hash: Hash,
    private readonly file: string,
    private readonly size: number,
    private readonly sha256: string,
    private readonly readSize: number,
    from: number,
  ) {
    this.position = from;
  }

  /** Opens `file` and hashes its first `from` bytes; `readSize` is the size of each file read. */
  static async open(file: string, size: number, sha256: string, from: number, readSize: number): Promise<HashingReader> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      throw new FlashError('file_unreadable', `the artifact ${file} cannot be read: ${(err as Error).message}`, {
        fix: 'The library copy is gone or unreadable: import the bundle again.',
      });
    }
    try {
      const actual = (await handle.stat()).size;
      if (actual !== size) throw changed(file, `it is now ${actual} bytes, was ${size}`);
      const hash = createHash('sha256');
      const buffer = Buffer.allocUnsafe(Math.min(PREFIX_READ, Math.max(from, 1)));
      for (let at = 0; at < from;) {
        const want = Math.min(buffer.length, from - at);
        const { bytesRead } = await handle.read(buffer, 0, want, at);
        if (bytesRead === 0) throw changed(file, 'it ended early');
        hash.update(buffer.subarray(0, bytesRead));
        at += bytesRead;
      }
      const reader = new HashingReader(handle, hash, file, size, sha256, readSize, from);
      if (from === size) reader.checkDigest();
      return reader;
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }

  get offset(): number {
    return this.position;
  }

  /** The next `length` bytes (fewer at the end of the file). */
  async next(length: number): Promise<Uint8Array> {
    const want = Math.min(length, this.size - this.position);
    if (want <= 0) throw new RangeError('read past the end of the artifact');
    if (this.blockOffset + want > this.block.length) await this.fill(want);
    // Each block is a fresh buffer, so chunks kept for re-sending are never overwritten.
    const out = this.block.subarray(this.blockOffset, this.blockOffset + want);
    this.blockOffset += want;
    this.hash.update(out);
    this.position += want;
    if (this.position === this.size) this.checkDigest();
    return out;
  }

  private async fill(atLeast: number): Promise<void> {
    const rest = this.block.subarray(this.blockOffset);
    const fileAt = this.position + rest.length;
    const wanted = Math.min(Math.max(this.readSize, atLeast), this.size - this.position);
    const next = Buffer.allocUnsafe(wanted);
    rest.copy(next, 0);
    let filled = rest.length;
    while (filled < wanted) {
      const { bytesRead } = await this.handle.read(next, filled, wanted - filled, fileAt + (filled - rest.length));
      if (bytesRead === 0) throw changed(this.file, 'it ended early');
      filled += bytesRead;
    }
    this.block = next;
    this.blockOffset = 0;
  }

  private checkDigest(): void {
    const digest = this.hash.digest('hex');
    if (digest !== this.sha256) throw changed(this.file, `its SHA-256 is now ${digest.slice(0, 12)}…, was ${this.sha256.slice(0, 12)}…`);
  }

  close(): Promise<void> {
    return this.handle.close().catch(() => undefined);
  }
}

function changed(file: string, what: string): FlashError {
  return new FlashError('payload_changed', `${file} changed after it was verified (${what}); the gateway was not asked to commit it`, {
    fix: 'Import the bundle again (the library verifies it), then flash again.',
  });
}
