/**
 * FGP framing: COBS(payload ‖ CRC-32C(payload) as 4 bytes little-endian) followed by 0x00.
 *
 * The decoder is a push parser for byte streams that may be cut anywhere: a bad frame is dropped
 * and counted, and decoding resumes at the next delimiter.
 */
import { cobsDecode, cobsEncodePartsInto, cobsMaxEncodedLength } from './cobs.js';
import { crc32c } from './crc32c.js';

export const FRAME_DELIMITER = 0x00;
export const CRC_BYTES = 4;
/** Frame payload limit before `hello` negotiates another; small enough for a slow UART. */
export const DEFAULT_MAX_FRAME = 16 * 1024;
/** Hard ceiling for any negotiated payload size. */
export const MAX_FRAME_LIMIT = 1024 * 1024;

export function encodeFrame(payload: Uint8Array): Uint8Array {
  const crc = new Uint8Array(CRC_BYTES);
  new DataView(crc.buffer).setUint32(0, crc32c(payload), true);
  const out = new Uint8Array(cobsMaxEncodedLength(payload.length + CRC_BYTES) + 1);
  const end = cobsEncodePartsInto([payload, crc], out, 0);
  out[end] = FRAME_DELIMITER;
  return out.subarray(0, end + 1);
}

export type DropReason = 'bad_cobs' | 'too_short' | 'bad_crc' | 'too_large';

export interface FrameDrop {
  readonly reason: DropReason;
  readonly detail: string;
}

export interface FrameDecoderStats {
  frames: number;
  dropped: number;
  lastDrop: FrameDrop | null;
}

export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private pending = 0;
  /** Set while skipping the rest of an oversized frame up to its delimiter. */
  private discarding = false;
  private maxEncoded: number;
  readonly stats: FrameDecoderStats = { frames: 0, dropped: 0, lastDrop: null };

  constructor(
    private readonly onFrame: (payload: Uint8Array) => void,
    maxFrame = DEFAULT_MAX_FRAME,
    private readonly onDrop: (drop: FrameDrop) => void = () => {},
  ) {
    this.maxEncoded = cobsMaxEncodedLength(maxFrame + CRC_BYTES);
  }

  setMaxFrame(maxFrame: number): void {
    this.maxEncoded = cobsMaxEncodedLength(maxFrame + CRC_BYTES);
  }

  push(data: Uint8Array): void {
    let start = 0;
    while (start < data.length) {
      const zero = data.indexOf(FRAME_DELIMITER, start);
      const end = zero === -1 ? data.length : zero;
      if (!this.discarding && end > start) {
        this.pending += end - start;
        if (this.pending > this.maxEncoded) {
          this.drop('too_large', `frame exceeds ${this.maxEncoded} encoded bytes`);
          this.chunks = [];
          this.pending = 0;
          this.discarding = true;
        } else {
          this.chunks.push(data.subarray(start, end));
        }
      }
      if (zero === -1) return;
      if (this.discarding) this.discarding = false;
      else this.finishFrame();
      start = zero + 1;
    }
  }

  private finishFrame(): void {
    if (this.pending === 0) return; // empty frames are padding / resync markers
    const encoded = this.chunks.length === 1 ? this.chunks[0]! : concat(this.chunks, this.pending);
    this.chunks = [];
    this.pending = 0;
    const decoded = cobsDecode(encoded);
    if (!decoded.ok) return this.drop('bad_cobs', decoded.reason);
    const body = decoded.value;
    if (body.length < CRC_BYTES) return this.drop('too_short', `frame of ${body.length} bytes has no room for its CRC`);
    const payloadEnd = body.length - CRC_BYTES;
    const expected = new DataView(body.buffer, body.byteOffset, body.length).getUint32(payloadEnd, true);
    const actual = crc32c(body, 0, payloadEnd);
    if (expected !== actual) {
      return this.drop('bad_crc', `CRC-32C ${hex32(actual)} does not match the frame's ${hex32(expected)}`);
    }
    this.stats.frames++;
    this.onFrame(body.subarray(0, payloadEnd));
  }

  private drop(reason: DropReason, detail: string): void {
    const drop = { reason, detail };
    this.stats.dropped++;
    this.stats.lastDrop = drop;
    this.onDrop(drop);
  }
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
