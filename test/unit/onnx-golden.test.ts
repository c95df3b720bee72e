import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildMlp,
  bytesToFloat32,
  compareTensor,
  DEFAULT_TOLERANCE,
  goldenPayloads,
  loadModel,
  makeGoldenCases,
  mlpReference,
  runFloat32,
  tensorToBytes,
} from '../../core/bench/onnx/index.js';

describe('golden cases', () => {
  test('tensorToBytes writes little-endian float32 and bytesToFloat32 reads it back bit-exactly', () => {
    const values = new Float32Array([1, -2.5, Math.fround(Math.PI), 0, -0, Infinity, 1e-40]);
    const bytes = tensorToBytes(values);
    assert.equal(bytes.length, 28);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x00, 0x80, 0x3f], '1.0f little-endian');
    assert.deepEqual([...bytes.subarray(4, 8)], [0x00, 0x00, 0x20, 0xc0], '-2.5f little-endian');
    const back = bytesToFloat32(bytes);
    assert.deepEqual(Buffer.from(back.buffer), Buffer.from(values.buffer));
    // Unaligned views (a payload read at an odd offset) must work too.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    assert.deepEqual([...bytesToFloat32(shifted.subarray(1))], [...values]);
    assert.throws(() => bytesToFloat32(new Uint8Array(6)), /6 bytes is not a whole number of float32 values/);
  });

  test('expected outputs are what onnxruntime computes, agree with the reference, and are reproducible', async () => {
    const model = buildMlp({ inputSize: 64, hidden: 32, outputs: 10, seed: 11 });
    const cases = await makeGoldenCases({ model: model.bytes, inputs: model.inputs, count: 3, seed: 42 });
    assert.deepEqual(
      cases.map((c) => c.name),
      ['case-01', 'case-02', 'case-03'],
    );
    for (const c of cases) {
      const input = c.inputs.input;
      const expected = c.expected.logits;
      assert.ok(input && expected);
      assert.deepEqual(input.shape, [1, 64]);
      assert.deepEqual(expected.shape, [1, 10]);
      assert.deepEqual(c.tolerance, DEFAULT_TOLERANCE);
      const reference = mlpReference(model.parameters, input.data);
      assert.ok(compareTensor(expected.data, reference, { maxAbs: 1e-5, maxRel: 1e-3 }).ok);
    }
    assert.notDeepEqual([...cases[0]!.inputs.input!.data], [...cases[1]!.inputs.input!.data]);
    const again = await makeGoldenCases({ model: model.bytes, inputs: model.inputs, count: 3, seed: 42 });
    assert.deepEqual(
      again.map((c) => [...c.expected.logits!.data]),
      cases.map((c) => [...c.expected.logits!.data]),
    );
  });

  test('golden payloads round-trip: re-running the model on the stored inputs reproduces the stored outputs', async () => {
    const model = buildMlp({ inputSize: 16, hidden: 8, outputs: 3, seed: 2, softmax: true });
    const cases = await makeGoldenCases({ model: model.bytes, inputs: model.inputs, count: 2, seed: 1 });
    const payloads = goldenPayloads(cases);
    assert.deepEqual(
      payloads.files.map((f) => f.path),
      [
        'golden/case-01/input.input.bin',
        'golden/case-01/expected.probabilities.bin',
        'golden/case-02/input.input.bin',
        'golden/case-02/expected.probabilities.bin',
      ],
    );
    const byPath = new Map(payloads.files.map((f) => [f.path, f.bytes]));
    const { session } = await loadModel(model.bytes);
    try {
      for (const entry of payloads.cases) {
        const ref = entry.inputs.input;
        const out = entry.expected.probabilities;
        assert.ok(ref && out);
        assert.deepEqual(out.shape, [1, 3]);
        const input = bytesToFloat32(byPath.get(ref.path)!);
        const result = await runFloat32(session, { input: { data: input, shape: ref.shape } });
        const comparison = compareTensor(result.probabilities!.data, bytesToFloat32(byPath.get(out.path)!), entry.tolerance);
        assert.ok(comparison.ok, comparison.message);
        assert.equal(comparison.maxAbs, 0, 'same runtime, same input: bit-identical');
      }
    } finally {
      await session.release();
    }
  });

  test('compareTensor names the limit that was crossed', () => {
    const expected = new Float32Array([1, 2, 3]);
    const ok = compareTensor(new Float32Array([1, 2, 3.00001]), expected, DEFAULT_TOLERANCE);
    assert.equal(ok.ok, true);
    const far = compareTensor(new Float32Array([1, 2, 3.5]), expected, DEFAULT_TOLERANCE);
    assert.equal(far.ok, false);
    assert.match(far.message, /max abs error 0\.5 > 0\.0001/);
    const nan = compareTensor(new Float32Array([1, NaN, 3]), expected, DEFAULT_TOLERANCE);
    assert.equal(nan.ok, false);
    assert.match(nan.message, /1 value\(s\) are NaN/);
    const short = compareTensor(new Float32Array([1, 2]), expected, DEFAULT_TOLERANCE);
    assert.equal(short.ok, false);
    assert.equal(short.message, 'the output has 2 values, the golden tensor 3');
  });

  test('golden cases refuse non-float32 inputs and a bad count', async () => {
    const model = buildMlp({ inputSize: 4, hidden: 4, outputs: 2, seed: 1 });
    await assert.rejects(
      makeGoldenCases({ model: model.bytes, inputs: [{ name: 'input', type: 'int8', shape: [1, 4] }], count: 1, seed: 1 }),
      /golden cases support float32 inputs only; "input" is int8/,
    );
    await assert.rejects(makeGoldenCases({ model: model.bytes, inputs: model.inputs, count: 0, seed: 1 }), /must be 1 to 1000, not 0/);
  });
});
