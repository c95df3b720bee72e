/**
 * WireTensor ↔ onnxruntime Tensor: every wire type survives the round trip bit for bit, with its
 * shape, and a malformed tensor is refused with a reason and the numbers that are wrong.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ortToWire,
  WIRE_ELEMENT_BYTES,
  WIRE_TENSOR_TYPES,
  wireDataBytes,
  WireTensorError,
  wireToOrt,
  type WireTensorType,
} from '../../core/bench/wire-tensor.js';

/** Raw little-endian bytes whose values are valid for every type (no NaN patterns matter: bytes are compared). */
function bytesFor(type: WireTensorType, count: number): Uint8Array {
  const out = new Uint8Array(count * WIRE_ELEMENT_BYTES[type]);
  for (let i = 0; i < out.length; i++) out[i] = type === 'bool' ? i % 2 : (i * 37 + 11) & 0xff;
  return out;
}

describe('wire tensors', () => {
  for (const type of WIRE_TENSOR_TYPES) {
    test(`${type}: bytes, type and shape survive wire → onnxruntime → wire`, () => {
      const shape = [2, 3, 1];
      const data = bytesFor(type, 6);
      const tensor = wireToOrt({ type, shape, data });
      assert.equal(tensor.type, type);
      assert.deepEqual(tensor.dims, shape);
      assert.equal(tensor.size, 6);
      const back = ortToWire(tensor);
      assert.equal(back.type, type);
      assert.deepEqual(back.shape, shape);
      assert.deepEqual(back.data, data);
      assert.equal(Buffer.isBuffer(back.data), false, 'a plain Uint8Array, which cbor2 encodes as a byte string');
    });
  }

  test('little-endian values are read as numbers, not host bytes', () => {
    const t = wireToOrt({ type: 'int32', shape: [2], data: new Uint8Array([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]) });
    assert.deepEqual([...(t.data as Int32Array)], [1, -1]);
    const l = wireToOrt({ type: 'int64', shape: [1], data: new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0]) });
    assert.deepEqual([...(l.data as BigInt64Array)], [2n]);
  });

  test('an unaligned view of the bytes is fine (CBOR byte strings sit anywhere in a frame)', () => {
    const backing = new Uint8Array(9);
    backing.set([0, 0, 0, 128, 63, 0, 0, 0, 64], 0);
    const t = wireToOrt({ type: 'float32', shape: [2], data: backing.subarray(1) });
    assert.deepEqual([...(t.data as Float32Array)], [1, 2]);
  });

  test('scalars and empty tensors', () => {
    assert.equal(wireToOrt({ type: 'float64', shape: [], data: new Uint8Array(8) }).size, 1);
    assert.equal(wireToOrt({ type: 'uint8', shape: [0, 4], data: new Uint8Array(0) }).size, 0);
    assert.equal(wireDataBytes('int64', [3, 5]), 120);
  });

  test('an unknown type is refused with the list of wire types', () => {
    assert.throws(
      () => wireToOrt({ type: 'complex64', shape: [1], data: new Uint8Array(8) }, 'input "x"'),
      (err: unknown) =>
        err instanceof WireTensorError &&
        err.reason === 'type' &&
        /input "x" has type "complex64"; .*float32, float64, int32/.test(err.message),
    );
  });

  test('data whose length does not match the shape is refused with the arithmetic', () => {
    assert.throws(
      () => wireToOrt({ type: 'float32', shape: [2, 3], data: new Uint8Array(20) }),
      (err: unknown) => err instanceof WireTensorError && err.reason === 'size' && /\[2, 3\].*6 × 4 = 24 bytes, not 20/.test(err.message),
    );
  });
});
