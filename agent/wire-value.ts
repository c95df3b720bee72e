/**
 * Makes a handler's result safe to put on the wire.
 *
 * cbor2 encodes a Node Buffer through its toJSON ({type: 'Buffer', data: [...]}) and encodes
 * `undefined`, which every FGP decoder rejects. One stray optional field or `randomBytes()`
 * result would make a whole answer undecodable, so results pass through here first.
 */
export function toWireValue(value: unknown, depth = 0): unknown {
  if (depth > 24) throw new Error('result nests too deeply for an FGP message');
  if (value instanceof Uint8Array)
    return Buffer.isBuffer(value) ? new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength)) : value;
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : toWireValue(v, depth + 1)));
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toWireValue(v, depth + 1);
    return out;
  }
  return value === undefined ? null : value;
}
