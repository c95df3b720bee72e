/**
 * On-the-wire compression of chunks: raw DEFLATE, kept only when it saves at least 10 %.
 *
 * Images mix compressible runs with incompressible ones (already-gzipped payloads, random
 * blocks), so the decision is per chunk. Trying to deflate random data costs CPU for nothing;
 * after a few chunks that did not shrink, only every Nth chunk is tried until one shrinks again.
 * Deflate runs on libuv's thread pool, so several gateways' transfers compress in parallel and
 * the engine's event loop keeps answering the UI.
 */
import { constants, deflateRaw } from 'node:zlib';
import type { ChunkEncoding } from './chunk-window.js';

export type CompressMode = 'auto' | 'never';

/** Smallest saving worth the device's inflate: below this, send raw. */
export const MIN_SAVING = 0.1;
const GIVE_UP_AFTER = 4;
const PROBE_EVERY = 16;

export interface Encoded {
  readonly data: Uint8Array;
  readonly encoding: ChunkEncoding;
}

function deflate(raw: Uint8Array, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflateRaw(raw, { level, strategy: constants.Z_DEFAULT_STRATEGY }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

export class ChunkCompressor {
  private misses = 0;
  private skipped = 0;
  compressed = 0;
  tried = 0;

  /**
   * `level`: a slow link (small chunks: serial) gains from every byte saved, so it compresses
   * harder; a fast link would be slowed down by level 6, so it uses the fastest level.
   */
  constructor(
    private readonly mode: CompressMode,
    private readonly level: number,
  ) {}

  static forChunkSize(mode: CompressMode, chunkSize: number): ChunkCompressor {
    return new ChunkCompressor(mode, chunkSize <= 32 * 1024 ? 6 : 1);
  }

  async encode(raw: Uint8Array): Promise<Encoded> {
    if (this.mode === 'never' || raw.length < 64) return { data: raw, encoding: 'raw' };
    if (this.misses >= GIVE_UP_AFTER && ++this.skipped % PROBE_EVERY !== 0) return { data: raw, encoding: 'raw' };
    this.tried++;
    const out = await deflate(raw, this.level);
    if (out.length <= raw.length * (1 - MIN_SAVING)) {
      this.misses = 0;
      this.skipped = 0;
      this.compressed++;
      return { data: new Uint8Array(out.buffer, out.byteOffset, out.length), encoding: 'deflate' };
    }
    this.misses++;
    return { data: raw, encoding: 'raw' };
  }
}
