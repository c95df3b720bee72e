/**
 * Diagnostics with real onnxruntime sessions standing in for the gateway's `infer`: the right
 * model passes; a perturbed model fails as "not the one in the bundle" with both hashes; a small
 * consistent offset is explained as drift; a model that does not load fails with the loader's
 * reason; a bundle whose golden outputs disagree with its own model is called out.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { diagnose, type InferFn } from '../../core/bench/diagnose.js';
import { buildMlp, encodeModel, goldenPayloads, loadModel, makeGoldenCases, type BuiltModel } from '../../core/bench/onnx/index.js';
import { ortToWire, wireToOrt, type WireTensor } from '../../core/bench/wire-tensor.js';
import type { Manifest } from '../../core/bundle/manifest.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const right = buildMlp({ inputSize: 16, hidden: 8, outputs: 4, seed: 11, softmax: true, name: 'diag' });
const perturbed = buildMlp({ inputSize: 16, hidden: 8, outputs: 4, seed: 12, softmax: true, name: 'diag' });
/** Decodes fine, but onnxruntime refuses it: the Relu reads a tensor nothing produces. */
const unloadable = encodeModel({
  graphName: 'broken',
  nodes: [{ name: 'relu', opType: 'Relu', inputs: ['missing'], outputs: ['probabilities'] }],
  initializers: [],
  inputs: [{ name: 'input', type: 'float32', shape: [1, 16] }],
  outputs: [{ name: 'probabilities', type: 'float32', shape: [1, 4] }],
});

/** A bundle manifest and payloads for `model`, with golden cases computed from `goldenFrom`. */
async function bundleOf(
  model: BuiltModel,
  goldenFrom: BuiltModel = model,
): Promise<{ manifest: Manifest; payloads: Map<string, Uint8Array> }> {
  const golden = goldenPayloads(await makeGoldenCases({ model: goldenFrom.bytes, inputs: goldenFrom.inputs, count: 4, seed: 3 }));
  const payloads = new Map<string, Uint8Array>([
    ['model.onnx', model.bytes],
    ...golden.files.map((f) => [f.path, f.bytes] as [string, Uint8Array]),
  ]);
  const manifest: Manifest = {
    schema: 'fieldline.bundle/v1',
    name: 'Diag Model',
    kind: 'model',
    version: '1.0.0',
    securityCounter: 1,
    hardware: [{ model: 'EdgeBox X1', revisions: [] }],
    payloads: [...payloads].map(([path, bytes]) => ({
      path,
      size: bytes.length,
      sha256: sha(bytes),
      target: path === 'model.onnx' ? 'model' : 'golden',
    })),
    created: '2026-01-01T00:00:00Z',
    expires: '2027-01-01T00:00:00Z',
    model: {
      inputs: model.inputs.map((t) => ({ ...t, shape: [...t.shape] })),
      outputs: model.outputs.map((t) => ({ ...t, shape: [...t.shape] })),
      golden: golden.cases.map((c) => ({
        name: c.name,
        inputs: Object.fromEntries(Object.entries(c.inputs).map(([k, r]) => [k, { ...r, shape: [...r.shape] }])),
        expected: Object.fromEntries(Object.entries(c.expected).map(([k, r]) => [k, { ...r, shape: [...r.shape] }])),
        tolerance: { ...c.tolerance },
      })),
      baselines: [],
    },
  };
  return { manifest, payloads };
}

/** What a gateway's `infer` does, in process: load once (or fail as the agent reports it), run, return wire tensors. */
function localInfer(bytes: Uint8Array, tweak?: (t: WireTensor) => WireTensor): InferFn {
  let loaded: ReturnType<typeof loadModel> | undefined;
  return async (inputs) => {
    loaded ??= loadModel(bytes);
    let session;
    try {
      session = (await loaded).session;
    } catch (err) {
      throw Object.assign(new Error((err as Error).message), { code: 'model_load_failed' });
    }
    const results = await session.run(Object.fromEntries(Object.entries(inputs).map(([n, t]) => [n, wireToOrt(t)])));
    return Object.fromEntries(Object.entries(results).map(([n, t]) => [n, tweak ? tweak(ortToWire(t)) : ortToWire(t)]));
  };
}

/** Adds `delta` to every float32 value: the same ranking, slightly different numbers. */
function offset(delta: number): (t: WireTensor) => WireTensor {
  return (t) => {
    const v = new Float32Array(t.data.slice().buffer);
    return { ...t, data: new Uint8Array(Float32Array.from(v, (x) => x + delta).buffer) };
  };
}

describe('diagnose', () => {
  let rightBundle: Awaited<ReturnType<typeof bundleOf>>;
  before(async () => {
    rightBundle = await bundleOf(right);
  });

  test('the right model on the gateway: pass, every output within tolerance, same top class', async () => {
    const d = await diagnose({ ...rightBundle, infer: localInfer(right.bytes), gatewayModelSha256: sha(right.bytes) });
    assert.equal(d.verdict, 'pass', d.explanation);
    assert.equal(d.ok, true);
    assert.equal(d.cases, 4);
    assert.equal(d.failedCases, 0);
    assert.equal(d.comparisons.length, 4);
    for (const c of d.comparisons) {
      assert.equal(c.output, 'probabilities');
      assert.ok(c.maxAbs <= 1e-6, `max abs ${c.maxAbs}`);
      assert.ok(c.cosine > 0.99999);
      assert.deepEqual(c.topK, { k: 1, agree: true });
    }
    assert.match(d.explanation, /all 4 golden inputs give the bundle model's outputs within tolerance/);
    assert.deepEqual(d.notes, []);
  });

  test('a perturbed model: fails on 4/4 inputs as "not the one in the bundle", with both hashes', async () => {
    const d = await diagnose({ ...rightBundle, infer: localInfer(perturbed.bytes), gatewayModelSha256: sha(perturbed.bytes) });
    assert.equal(d.verdict, 'wrong-model');
    assert.equal(d.ok, false);
    assert.equal(d.failedCases, 4);
    assert.equal(d.bundleModelSha256, sha(right.bytes));
    assert.equal(
      d.explanation,
      `outputs differ beyond tolerance on 4/4 inputs — the model on the gateway is not the one in the bundle (bundle model sha256 ${sha(right.bytes).slice(0, 12)}…, gateway reports ${sha(perturbed.bytes).slice(0, 12)}…); flash the bundle again`,
    );
    assert.ok(d.comparisons.every((c) => !c.ok && c.maxAbs > 1e-3));
  });

  test('a perturbed model although the hash matches: the runtime is blamed, not the file', async () => {
    const d = await diagnose({ ...rightBundle, infer: localInfer(perturbed.bytes), gatewayModelSha256: sha(right.bytes) });
    assert.equal(d.verdict, 'wrong-model');
    assert.match(
      d.explanation,
      /although the gateway runs the bundle's model file .* runtime or execution provider computes wrong results/,
    );
  });

  test('a small consistent offset: drift, explained as quantisation or another execution provider', async () => {
    const d = await diagnose({ ...rightBundle, infer: localInfer(right.bytes, offset(2e-3)), gatewayModelSha256: sha(right.bytes) });
    assert.equal(d.verdict, 'drift', d.explanation);
    assert.equal(d.failedCases, 4);
    assert.match(
      d.explanation,
      /^consistent small drift on 4\/4 inputs \(max abs error 2\.00e-3, .*same top classes\) — quantised model or different execution provider/,
    );
  });

  test("a model that does not load: load-failed with the loader's reason", async () => {
    const d = await diagnose({ ...rightBundle, infer: localInfer(unloadable), gatewayModelSha256: sha(unloadable) });
    assert.equal(d.verdict, 'load-failed');
    assert.equal(d.ok, false);
    assert.match(d.explanation, /^model fails to load: onnxruntime refused the model: .*missing/i);
  });

  test('not installed on the gateway, and other gateway errors, keep their own explanation', async () => {
    const notInstalled: InferFn = () =>
      Promise.reject(Object.assign(new Error('no model "Diag Model" 1.0.0 is installed'), { code: 'model_not_installed' }));
    const d = await diagnose({ ...rightBundle, infer: notInstalled });
    assert.equal(d.verdict, 'not-installed');
    assert.match(d.explanation, /has no installed model Diag Model 1\.0\.0.*flash the bundle first/);
    const busy: InferFn = () => Promise.reject(Object.assign(new Error('a benchmark is running'), { code: 'bench_busy' }));
    const e = await diagnose({ ...rightBundle, infer: busy });
    assert.equal(e.verdict, 'error');
    assert.match(e.explanation, /could not run golden case case-01: a benchmark is running \(bench_busy\)/);
  });

  test("a bundle whose golden outputs are not its own model's: noted as built wrong", async () => {
    const wrong = await bundleOf(perturbed, right);
    const d = await diagnose({ ...wrong, infer: localInfer(right.bytes), gatewayModelSha256: sha(right.bytes) });
    assert.equal(d.verdict, 'wrong-model');
    assert.ok(d.notes.length >= 1);
    assert.match(d.notes[0]!, /the bundle's expected values do not match its own model .* the bundle was built wrong/);
  });

  test('a bundle without golden cases cannot be diagnosed, and says so', async () => {
    const empty = { ...rightBundle.manifest, model: { ...rightBundle.manifest.model!, golden: [] } };
    const d = await diagnose({ manifest: empty, payloads: rightBundle.payloads, infer: localInfer(right.bytes) });
    assert.equal(d.verdict, 'error');
    assert.match(d.explanation, /has no golden cases/);
  });
});
