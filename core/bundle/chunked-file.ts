/**
 * One pass over a file with large reads, hashing every byte as it arrives.
 *
 * Verification reads a bundle exactly once: the whole-file SHA-256 (the bundle's id) is computed
 * here while the tar reader looks at the same bytes, so memory stays at one buffer however large
 * the bundle is, and the speed is that of SHA-256 rather than of the disk twice.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';

export const DEFAULT_CHUNK = 1024 * 1024;

export class ChunkedFile {
  private start = 0;
  private end = 0;
  private done = false;
  private consumed = 0;
  private readonly fileHash: Hash | null;

  private constructor(
    private readonly handle: FileHandle,
    private readonly buf: Buffer,
    hashWholeFile: boolean,
  ) {
    this.fileHash = hashWholeFile ? createHash('sha256') : null;
  }

  static async open(path: string, options: { chunkSize?: number; hash?: boolean } = {}): Promise<ChunkedFile> {
    const handle = await open(path, 'r');
    return new ChunkedFile(handle, Buffer.allocUnsafe(options.chunkSize ?? DEFAULT_CHUNK), options.hash ?? true);
  }

  /** Bytes handed out so far (the file offset of the next byte). */
  get offset(): number {
    return this.consumed;
  }

  get available(): number {
    return this.end - this.start;
  }

  get atEnd(): boolean {
    return this.done && this.start === this.end;
  }

  /** Make at least `n` (≤ chunk size) contiguous bytes available unless the file ends first. */
  async ensure(n: number): Promise<number> {
    while (this.end - this.start < n && !this.done) {
      if (this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      }
      const { bytesRead } = await this.handle.read(this.buf, this.end, this.buf.length - this.end, null);
      if (bytesRead === 0) {
        this.done = true;
        break;
      }
      this.fileHash?.update(this.buf.subarray(this.end, this.end + bytesRead));
      this.end += bytesRead;
    }
    return this.end - this.start;
  }

  /** The available bytes, valid only until the next ensure(). */
  peek(max = Infinity): Buffer {
    return this.buf.subarray(this.start, this.start + Math.min(max, this.end - this.start));
  }

  consume(n: number): void {
    this.start += n;
    this.consumed += n;
  }

  /** Read to the end without looking, so the whole-file hash covers everything. */
  async drain(): Promise<void> {
    for (;;) {
      this.consume(this.available);
      if ((await this.ensure(1)) === 0) return;
    }
  }

  sha256(): string {
    return this.fileHash ? this.fileHash.digest('hex') : '';
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
