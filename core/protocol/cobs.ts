/**
 * Consistent Overhead Byte Stuffing: removes every 0x00 from a payload so that 0x00 can
 * delimit frames. Overhead is at most one byte per 254 bytes plus one.
 */
export function cobsMaxEncodedLength(length: number): number {
  return length + Math.ceil(length / 254) + 1;
}

/**
 * Encodes the concatenation of `parts` into `out` at `offset`; returns the offset after the last
 * written byte. Taking parts lets a frame append its CRC without copying the payload first.
 *
 * Works in runs (indexOf + set) rather than byte by byte: framing is on the hot path of every
 * transfer, and the per-byte loop cost a third of a core at gigabit rates.
 */
export function cobsEncodePartsInto(parts: readonly Uint8Array[], out: Uint8Array, offset: number): number {
  let codeIndex = offset;
  let write = offset + 1;
  let run = 0; // non-zero bytes in the open block
  for (const part of parts) {
    const n = part.length;
    let start = 0;
    while (start < n) {
      let zero = part.indexOf(0, start);
      if (zero === -1) zero = n;
      while (start < zero) {
        const take = Math.min(zero - start, 254 - run);
        out.set(part.subarray(start, start + take), write);
        write += take;
        run += take;
        start += take;
        if (run === 254) {
          out[codeIndex] = 0xff; // a full block implies no zero
          codeIndex = write++;
          run = 0;
        }
      }
      if (zero < n) {
        out[codeIndex] = run + 1;
        codeIndex = write++;
        run = 0;
        start = zero + 1;
      }
    }
  }
  out[codeIndex] = run + 1;
  return write;
}

export function cobsEncodeInto(input: Uint8Array, out: Uint8Array, offset: number): number {
  return cobsEncodePartsInto([input], out, offset);
}

export function cobsEncode(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(input.length));
  return out.subarray(0, cobsEncodeInto(input, out, 0));
}

export type CobsResult = { ok: true; value: Uint8Array } | { ok: false; reason: string };

/** Decodes one COBS block (without its delimiter). */
export function cobsDecode(input: Uint8Array): CobsResult {
  const n = input.length;
  const out = new Uint8Array(n);
  let read = 0;
  let write = 0;
  while (read < n) {
    const code = input[read]!;
    if (code === 0) return { ok: false, reason: `COBS block contains a zero byte at offset ${read}` };
    read++;
    const end = read + code - 1;
    if (end > n) return { ok: false, reason: `COBS code ${code} at offset ${read - 1} runs past the end of the frame` };
    const run = input.subarray(read, end);
    const zero = run.indexOf(0);
    if (zero !== -1) return { ok: false, reason: `COBS block contains a zero byte at offset ${read + zero}` };
    out.set(run, write);
    write += run.length;
    read = end;
    if (code !== 0xff && read < n) out[write++] = 0;
  }
  return { ok: true, value: out.subarray(0, write) };
}
