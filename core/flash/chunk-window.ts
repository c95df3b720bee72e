/**
 * Go-back-N bookkeeping for one transfer attempt: which chunks are in flight, which the device
 * holds, and where to resume after `out_of_order`.
 *
 * Chunks are kept (raw and as encoded for the wire) from the device's `held` to the last one
 * read, so a rewind re-sends the very bytes that were hashed, not a second read of a file that
 * may have changed. At most `window` requests are outstanding, counting stale ones from before
 * a rewind: after any loss no more than `window` chunks can need sending again.
 *
 * A rewind releases the requests of older generations from the window: they are either lost
 * (and would only time out) or will be refused or acknowledged as duplicates. Their answers
 * still move `held` forward, but their failures no longer end the attempt.
 */
export type ChunkEncoding = 'raw' | 'deflate';

export interface Chunk {
  readonly offset: number;
  /** The file bytes (what the device appends). */
  readonly raw: Uint8Array;
  /** What goes on the wire: `raw` itself or its raw DEFLATE. */
  readonly data: Uint8Array;
  readonly encoding: ChunkEncoding;
  sends: number;
}

export interface Send {
  readonly chunk: Chunk;
  /** Rewinds before this send; an `out_of_order` for an older generation is stale. */
  readonly generation: number;
  readonly resend: boolean;
}

export class ChunkWindow {
  private retained: Chunk[] = [];
  /** Index in `retained` of the next chunk to send. */
  private cursor = 0;
  private inFlightCount = 0;
  private gen = 0;
  private rewindCount = 0;

  constructor(
    private heldBytes: number,
    readonly size: number,
    readonly window: number,
  ) {
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
  }

  get held(): number {
    return this.heldBytes;
  }
  get inFlight(): number {
    return this.inFlightCount;
  }
  get rewinds(): number {
    return this.rewindCount;
  }
  get done(): boolean {
    return this.heldBytes >= this.size;
  }
  /** Where the next chunk read from the file starts. */
  get readOffset(): number {
    const last = this.retained[this.retained.length - 1];
    return last === undefined ? this.heldBytes : last.offset + last.raw.length;
  }
  get canSend(): boolean {
    return this.inFlightCount < this.window;
  }
  /** True when the next send needs a chunk that has not been read yet. */
  get wantsChunk(): boolean {
    return this.cursor >= this.retained.length && this.readOffset < this.size;
  }

  add(chunk: Chunk): void {
    if (chunk.offset !== this.readOffset) throw new RangeError(`chunk at ${chunk.offset} does not follow ${this.readOffset}`);
    this.retained.push(chunk);
  }

  /** The next chunk to put on the wire, or null when the window is full or nothing is left. */
  next(): Send | null {
    if (!this.canSend) return null;
    const chunk = this.retained[this.cursor];
    if (chunk === undefined) return null;
    this.cursor++;
    this.inFlightCount++;
    const resend = chunk.sends > 0;
    chunk.sends++;
    return { chunk, generation: this.gen, resend };
  }

  /** The device answered a chunk with its `held`. */
  acked(held: number, generation: number): void {
    this.release(generation);
    this.advance(held);
  }

  /**
   * The device refused a chunk as `out_of_order` (an earlier one was lost). Only the first
   * refusal of a generation rewinds: the requests already in flight behind it are refused too.
   */
  outOfOrder(held: number, generation: number): boolean {
    this.release(generation);
    this.advance(held);
    if (generation !== this.gen) return false;
    this.rewind();
    return true;
  }

  /**
   * Nothing in flight, nothing left to send, yet the device does not hold everything (it
   * acknowledged a chunk without taking it): send again from `held`. False if that cannot help.
   */
  rewindIfIdle(): boolean {
    if (this.done || this.inFlightCount > 0 || this.cursor < this.retained.length || this.wantsChunk) return false;
    this.rewind();
    return this.retained.length > 0;
  }

  /**
   * A request failed without saying what the device holds. True when it belongs to the current
   * generation (the caller ends the attempt); a stale one was already written off by a rewind.
   */
  failed(generation: number): boolean {
    this.release(generation);
    return generation === this.gen;
  }

  private release(generation: number): void {
    if (generation === this.gen) this.inFlightCount--;
  }

  private rewind(): void {
    this.gen++;
    this.rewindCount++;
    this.cursor = 0;
    this.inFlightCount = 0;
  }

  private advance(held: number): void {
    if (held <= this.heldBytes) return;
    if (held > this.readOffset) throw new HeldMovedError(held, this.readOffset);
    this.heldBytes = held;
    let drop = 0;
    while (drop < this.retained.length) {
      const c = this.retained[drop]!;
      if (c.offset + c.raw.length > held) break;
      drop++;
    }
    this.retained.splice(0, drop);
    this.cursor = Math.max(0, this.cursor - drop);
    const first = this.retained[0];
    if (first !== undefined && first.offset < held) {
      // The device holds part of a chunk (another sender cut it differently): send the rest raw.
      const raw = first.raw.subarray(held - first.offset);
      this.retained[0] = { offset: held, raw, data: raw, encoding: 'raw', sends: first.sends };
    }
  }
}

/** The device holds bytes this attempt never read: someone else is writing the same artifact. */
export class HeldMovedError extends Error {
  constructor(
    readonly held: number,
    readonly readOffset: number,
  ) {
    super(`the gateway reports ${held} bytes held, past the ${readOffset} bytes this transfer has read`);
  }
}
