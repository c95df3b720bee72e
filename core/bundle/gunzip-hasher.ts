/**
 * Inflate a gzip payload while hashing what comes out, stopping the moment it exceeds the size
 * the signed manifest declares (a decompression bomb then costs one output chunk, not the disk).
 */
import { createHash } from 'node:crypto';
import { createGunzip, type Gunzip } from 'node:zlib';

export type GunzipOutcome =
  | { readonly kind: 'ok'; readonly size: number; readonly sha256: string }
  | { readonly kind: 'bomb'; readonly size: number }
  | { readonly kind: 'failed'; readonly detail: string };

export class GunzipHasher {
  private readonly gunzip: Gunzip;
  private readonly hash = createHash('sha256');
  private size = 0;
  private outcome: GunzipOutcome | null = null;
  private readonly closed: Promise<void>;
  private readonly ended: Promise<void>;

  constructor(private readonly limit: number) {
    this.gunzip = createGunzip();
    this.closed = new Promise((resolve) => this.gunzip.once('close', resolve));
    this.ended = new Promise((resolve) => this.gunzip.once('end', resolve));
    this.gunzip.on('data', (chunk: Buffer) => {
      if (this.outcome) return;
      this.size += chunk.length;
      if (this.size > this.limit) {
        this.outcome = { kind: 'bomb', size: this.size };
        this.gunzip.destroy();
        return;
      }
      this.hash.update(chunk);
    });
    this.gunzip.on('error', (error: Error) => {
      if (!this.outcome) this.outcome = { kind: 'failed', detail: error.message };
    });
  }

  /** Feed stored bytes; the chunk may be reused by the caller once this resolves. */
  async feed(chunk: Buffer): Promise<void> {
    if (this.outcome) return;
    // The reader reuses its buffer; zlib must own what it is given.
    const copy = Buffer.from(chunk);
    await Promise.race([new Promise<void>((resolve) => this.gunzip.write(copy, () => resolve())), this.closed]);
  }

  async end(): Promise<GunzipOutcome> {
    if (!this.outcome) {
      this.gunzip.end();
      await Promise.race([this.ended, this.closed]);
    }
    if (!this.gunzip.destroyed) this.gunzip.destroy();
    return this.outcome ?? { kind: 'ok', size: this.size, sha256: this.hash.digest('hex') };
  }

  /** Give up early (the stored bytes already failed); releases zlib's memory. */
  abort(): void {
    if (!this.outcome) this.outcome = { kind: 'failed', detail: 'aborted' };
    this.gunzip.destroy();
  }
}
