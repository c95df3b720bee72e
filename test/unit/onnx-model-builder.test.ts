import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildMlp,
  encodeModel,
  loadModel,
  mlpReference,
  OnnxModelError,
  readModelSignature,
  runFloat32,
  seededRandom,
} from '../../core/bench/onnx/index.js';

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

describe('ONNX model builder', () => {
  test('onnxruntime loads the generated 64→32→10 MLP and it matches a plain TypeScript computation within 1e-5', async () => {
    const model = buildMlp({ inputSize: 64, hidden: 32, outputs: 10, seed: 7 });
    assert.deepEqual(model.inputs, [{ name: 'input', type: 'float32', shape: [1, 64] }]);
    assert.deepEqual(model.outputs, [{ name: 'logits', type: 'float32', shape: [1, 10] }]);
    const { session, signature } = await loadModel(model.bytes);
    try {
      assert.deepEqual(session.inputNames, ['input']);
      assert.deepEqual(session.outputNames, ['logits']);
      assert.deepEqual(signature.inputs, model.inputs);
      assert.deepEqual(signature.outputs, model.outputs);
      const random = seededRandom(99);
      for (let run = 0; run < 5; run++) {
        const input = random.float32Array(64, -1, 1);
        const out = await runFloat32(session, { input: { data: input, shape: [1, 64] } });
        const logits = out.logits;
        assert.ok(logits, 'the run returns "logits"');
        assert.deepEqual(logits.shape, [1, 10]);
        const expected = mlpReference(model.parameters, input);
        assert.ok(maxAbsDiff(logits.data, expected) < 1e-5, `run ${run}: max diff ${maxAbsDiff(logits.data, expected)}`);
      }
    } finally {
      await session.release();
    }
  });

  test('with softmax and a symbolic batch, the outputs are probabilities matching the reference per row', async () => {
    const model = buildMlp({ inputSize: 16, hidden: 8, outputs: 4, seed: 3, softmax: true, batch: 'batch' });
    assert.deepEqual(model.outputs, [{ name: 'probabilities', type: 'float32', shape: ['batch', 4] }]);
    const { session, signature } = await loadModel(model.bytes);
    try {
      assert.deepEqual(signature.inputs[0]?.shape, ['batch', 16]);
      const input = seededRandom(5).float32Array(3 * 16, -2, 2);
      const out = await runFloat32(session, { input: { data: input, shape: [3, 16] } });
      const probs = out.probabilities;
      assert.ok(probs);
      assert.deepEqual(probs.shape, [3, 4]);
      assert.ok(maxAbsDiff(probs.data, mlpReference(model.parameters, input)) < 1e-5);
      for (let row = 0; row < 3; row++) {
        const sum = probs.data.slice(row * 4, row * 4 + 4).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-5, `row ${row} sums to ${sum}`);
      }
    } finally {
      await session.release();
    }
  });

  test('the same options give byte-identical models; another seed gives another model', () => {
    const a = buildMlp({ inputSize: 64, hidden: 32, outputs: 10, seed: 1 });
    const b = buildMlp({ inputSize: 64, hidden: 32, outputs: 10, seed: 1 });
    const c = buildMlp({ inputSize: 64, hidden: 32, outputs: 10, seed: 2 });
    assert.deepEqual(Buffer.from(a.bytes), Buffer.from(b.bytes));
    assert.notDeepEqual(Buffer.from(a.bytes), Buffer.from(c.bytes));
    // Weights dominate the file: 64*32 + 32 + 32*10 + 10 floats.
    assert.ok(a.bytes.length > (64 * 32 + 32 + 32 * 10 + 10) * 4);
  });

  test('bad builder options are refused with the option named', () => {
    assert.throws(() => buildMlp({ inputSize: 0, hidden: 4, outputs: 2, seed: 1 }), /inputSize must be a whole number from 1/);
    assert.throws(() => buildMlp({ inputSize: 4, hidden: 4, outputs: 2, seed: 1.5 }), /a seed must be an integer/);
    assert.throws(() => buildMlp({ inputSize: 4, hidden: 4, outputs: 2, seed: 1, batch: '../x' }), /symbolic batch dimension/);
  });
});

describe('malformed models', () => {
  async function loadError(bytes: Uint8Array): Promise<OnnxModelError> {
    const err = await loadModel(bytes).then(
      () => assert.fail('the model loaded'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof OnnxModelError, `expected OnnxModelError, got ${String(err)}`);
    return err;
  }

  test('random bytes are refused as not an ONNX model', async () => {
    const err = await loadError(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]));
    assert.equal(err.code, 'model_unreadable');
    assert.match(err.message, /^not an ONNX model: /);
  });

  test('an empty file is refused as empty', async () => {
    const err = await loadError(new Uint8Array(0));
    assert.equal(err.code, 'model_unreadable');
    assert.equal(err.message, 'not an ONNX model: the file is empty');
  });

  test('a truncated model is refused', async () => {
    const { bytes } = buildMlp({ inputSize: 8, hidden: 4, outputs: 2, seed: 1 });
    const err = await loadError(bytes.subarray(0, bytes.length - 37));
    assert.equal(err.code, 'model_unreadable');
    assert.match(err.message, /^not an ONNX model: the protobuf could not be decoded/);
  });

  test('a well-formed protobuf whose graph uses an undefined tensor is refused by onnxruntime, and says so', async () => {
    const bytes = encodeModel({
      graphName: 'dangling',
      nodes: [{ name: 'relu', opType: 'Relu', inputs: ['nowhere'], outputs: ['y'] }],
      initializers: [],
      inputs: [{ name: 'x', type: 'float32', shape: [1, 4] }],
      outputs: [{ name: 'y', type: 'float32', shape: [1, 4] }],
    });
    assert.equal(readModelSignature(bytes).inputs[0]?.name, 'x');
    const err = await loadError(bytes);
    assert.equal(err.code, 'model_invalid');
    assert.match(err.message, /^onnxruntime refused the model: .*nowhere/);
  });

  test('an unknown operator is refused by onnxruntime', async () => {
    const bytes = encodeModel({
      graphName: 'unknown-op',
      nodes: [{ name: 'magic', opType: 'NoSuchOperator', inputs: ['x'], outputs: ['y'] }],
      initializers: [],
      inputs: [{ name: 'x', type: 'float32', shape: [1, 4] }],
      outputs: [{ name: 'y', type: 'float32', shape: [1, 4] }],
    });
    const err = await loadError(bytes);
    assert.equal(err.code, 'model_invalid');
    assert.match(err.message, /NoSuchOperator/);
  });

  test('a run with the wrong input shape fails with run_failed', async () => {
    const { session } = await loadModel(buildMlp({ inputSize: 8, hidden: 4, outputs: 2, seed: 1 }).bytes);
    try {
      const err = await runFloat32(session, { input: { data: new Float32Array(7), shape: [1, 7] } }).then(
        () => assert.fail('the run succeeded'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof OnnxModelError);
      assert.equal(err.code, 'run_failed');
      assert.match(err.message, /^the model run failed: /);
    } finally {
      await session.release();
    }
  });
});
