/**
 * CBOR for FGP messages, with the limits untrusted bytes need.
 *
 * cbor2 enforces a nesting depth and never preallocates from a declared length, so a hostile
 * `0x81`×100000 or `0x9a FFFFFFFF` becomes a caught error, not a stack overflow or an OOM abort.
 * The frame size already bounds every length; the depth limit bounds recursion.
 */
import { decode, encode } from 'cbor2';
import { registerEncoder, writeUint8Array } from 'cbor2/encoder';

// A Node Buffer is a byte string on the wire, not the {type:'Buffer', data} map its toJSON() makes.
registerEncoder(Buffer, (buf, writer) => {
  writeUint8Array(buf, writer);
  return undefined;
});

/**
 * Deepest container nesting an FGP message may use (envelope → params → nested values).
 * cbor2 counts an array level as two steps and a map level as one, hence the factor below.
 */
export const MAX_CBOR_DEPTH = 16;

export type CborResult = { ok: true; value: unknown } | { ok: false; reason: string };

export function encodeCbor(value: unknown): Uint8Array {
  return encode(value);
}

export function decodeCbor(bytes: Uint8Array): CborResult {
  try {
    const value = decode(bytes, {
      maxDepth: 2 * MAX_CBOR_DEPTH,
      rejectDuplicateKeys: true,
      rejectStreaming: true,
      ignoreGlobalTags: true,
      rejectUndefined: true,
    });
    return { ok: true, value };
  } catch (err) {
    return { ok: false, reason: `malformed CBOR: ${err instanceof Error ? err.message : String(err)}` };
  }
}
