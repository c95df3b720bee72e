/**
 * Consistent Overhead Byte Stuffing: removes every 0x00 from a payload so that 0x00 can
 * delimit frames. Overhead is at most one byte per 254 bytes plus one.
 */
export function cobsMaxEncodedLength(length: number): number {
  return length + Math.ceil(length / 254) + 1;
}

/** Encodes `input` into `out` at `offset`; returns the offset after the last written byte. */
export function cobsEncodeInto(input: Uint8Array, out: Uint8Array, offset: number): number {
  let codeIndex = offset;
  let write = offset + 1;
  let code = 1;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    if (byte !== 0) {
      out[write++] = byte;
      code++;
    }
    if (byte === 0 || code === 0xff) {
      out[codeIndex] = code;
      codeIndex = write++;
      code = 1;
    }
  }
  out[codeIndex] = code;
  return write;
}

export function cobsEncode(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(input.length));
  return out.subarray(0, cobsEncodeInto(input, out, 0));
}

export type CobsResult = { ok: true; value: Uint8Array } | { ok: false; reason: string };

/** Decodes one COBS block (without its delimiter). */
export function cobsDecode(input: Uint8Array): CobsResult {
  const out = new Uint8Array(input.length);
  let read = 0;
  let write = 0;
  while (read < input.length) {
    const code = input[read]!;
    if (code === 0) return { ok: false, reason: `COBS block contains a zero byte at offset ${read}` };
    read++;
    const end = read + code - 1;
    if (end > input.length) return { ok: false, reason: `COBS code ${code} at offset ${read - 1} runs past the end of the frame` };
    for (; read < end; read++) {
      const byte = input[read]!;
      if (byte === 0) return { ok: false, reason: `COBS block contains a zero byte at offset ${read}` };
      out[write++] = byte;
    }
    if (code !== 0xff && read < input.length) out[write++] = 0;
  }
  return { ok: true, value: out.subarray(0, write) };
}
