/**
 * CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, init 0xFFFFFFFF, final xor 0xFFFFFFFF.
 *
 * Chosen over CRC-32 (IEEE) for its better error detection on short frames; check value for
 * ASCII "123456789" is 0xE3069283.
 *
 * Every frame ends in one, so on a fast link this is on the hot path: `@node-rs/crc32` (N-API,
 * SSE4.2 / ARMv8 CRC instructions, prebuilt per platform) does it when it loads; the table
 * version below is the fallback (a platform without a prebuilt binary, an Electron ABI problem)
 * and the reference the native one is tested against.
 */
import { createRequire } from 'node:module';

type NativeCrc = (input: Uint8Array, initialState?: number) => number;

/** Below this many bytes the N-API call costs more than the table loop. */
const NATIVE_MIN_BYTES = 256;

const TABLE = (() => {
  const table = new Uint32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  // Slicing-by-8 tables: eight bytes per step instead of one.
  for (let n = 0; n < 256; n++) {
    let c = table[n]!;
    for (let t = 1; t < 8; t++) {
      c = table[c & 0xff]! ^ (c >>> 8);
      table[t * 256 + n] = c >>> 0;
    }
  }
  return table;
})();

/** The native function, or null (with the reason kept for diagnostics) when it cannot load. */
function loadNative(): { readonly fn: NativeCrc | null; readonly problem: string | null } {
  if (process.env.FIELDLINE_CRC32C === 'js') return { fn: null, problem: 'disabled by FIELDLINE_CRC32C=js' };
  try {
    const mod: unknown = createRequire(import.meta.url)('@node-rs/crc32');
    const fn = (mod as { crc32c?: unknown } | null)?.crc32c;
    if (typeof fn !== 'function') return { fn: null, problem: '@node-rs/crc32 has no crc32c export' };
    const native = fn as NativeCrc;
    // Same convention (init and final xor) as ours, or it is not used at all.
    if (native(new TextEncoder().encode('123456789')) !== 0xe3069283)
      return { fn: null, problem: '@node-rs/crc32 gives the wrong check value' };
    return { fn: native, problem: null };
  } catch (err) {
    return { fn: null, problem: (err as Error).message.split('\n')[0] ?? 'load failed' };
  }
}

const native = loadNative();

/** Which implementation `crc32c` uses, and why not the native one when it does not. */
export const crc32cImplementation: { readonly kind: 'native' | 'js'; readonly problem: string | null } = {
  kind: native.fn ? 'native' : 'js',
  problem: native.problem,
};

/** The table version: the fallback, and the reference the native one is tested against. */
export function crc32cJs(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0xffffffff;
  let i = start;
  const t = TABLE;
  for (; i + 8 <= end; i += 8) {
    const a = (crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    crc =
      t[7 * 256 + (a & 0xff)]! ^
      t[6 * 256 + ((a >>> 8) & 0xff)]! ^
      t[5 * 256 + ((a >>> 16) & 0xff)]! ^
      t[4 * 256 + (a >>> 24)]! ^
      t[3 * 256 + data[i + 4]!]! ^
      t[2 * 256 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
  }
  for (; i < end; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const nativeFn = native.fn;

export const crc32c: (data: Uint8Array, start?: number, end?: number) => number = nativeFn
  ? (data, start = 0, end = data.length) =>
      end - start < NATIVE_MIN_BYTES ? crc32cJs(data, start, end) : nativeFn(data.subarray(start, end)) >>> 0
  : crc32cJs;
