/**
 * The agent's `infer` session cache on a real agent over TLS with real onnxruntime: repeated
 * calls reuse one loaded session; installing a new version of the model (same name, other
 * weights) evicts the old session and the new model answers; shutting down releases them all.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import type { RunningAgent } from '../../agent/agent.js';
import { inferSessionStats } from '../../agent/bench/session-cache.js';
import { loadDemoSigner, makeDemoBundles, type DemoBundleSet } from '../../cli/demo-bundles.js';
import { buildMlp, goldenPayloads, makeGoldenCases, seededRandom } from '../../core/bench/onnx/index.js';
import { tensorToBytes } from '../../core/bench/onnx/golden.js';
import { createBundle, type BundleFile } from '../../core/bundle/index.js';
import type { FgpPeer } from '../../core/protocol/peer.js';
import { connect, loadArtifact, startFlashAgent, upload } from '../helpers/agent-flash-client.js';

interface WireTensor {
  type: string;
  shape: number[];
  data: Uint8Array;
}

/** The demo classifier's name at version 1.1.0 with other weights (golden cases its own). */
async function newVersionBundle(dir: string, base: DemoBundleSet['model']): Promise<{ file: string; model: Uint8Array }> {
  const model = buildMlp({ inputSize: 64, hidden: 32, outputs: 10, seed: 77, softmax: true, name: 'fieldline_demo_classifier' });
  const modelFile = path.join(dir, 'model-1.1.0.onnx');
  await writeFile(modelFile, model.bytes);
  const golden = goldenPayloads(await makeGoldenCases({ model: model.bytes, inputs: model.inputs, count: 2, seed: 9 }));
  const files: BundleFile[] = [{ path: 'model.onnx', source: modelFile, target: 'model' }];
  for (const [i, g] of golden.files.entries()) {
    const source = path.join(dir, `golden-1.1.0-${i}.bin`);
    await writeFile(source, g.bytes);
    files.push({ path: g.path, source, target: 'golden' });
  }
  const m = base.manifest;
  const file = path.join(dir, 'classifier-1.1.0.flb');
  await createBundle({
    manifest: {
      schema: 'fieldline.bundle/v1',
      name: m.name,
      kind: 'model',
      version: '1.1.0',
      securityCounter: m.securityCounter,
      hardware: m.hardware,
      created: m.created,
      expires: m.expires,
      releaseNotes: 'test: the classifier retrained',
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
    },
    files,
    out: file,
    signers: [loadDemoSigner('model-signer')],
  });
  return { file, model: model.bytes };
}

async function localRun(model: Uint8Array, input: Float32Array): Promise<Uint8Array> {
  const session = await ort.InferenceSession.create(model);
  try {
    return tensorToBytes((await session.run({ input: new ort.Tensor('float32', input, [1, 64]) })).probabilities!.data as Float32Array);
  } finally {
    await session.release();
  }
}

describe('agent infer session cache', { timeout: 180_000 }, () => {
  let dir: string;
  let bundles: DemoBundleSet;
  let agent: RunningAgent;
  let peer: FgpPeer;
  const input = seededRandom(5).float32Array(64, -1, 1);
  const infer = async (model: { name: string; version: string }): Promise<WireTensor> =>
    (
      (await peer.request('infer', {
        model,
        inputs: { input: { type: 'float32', shape: [1, 64], data: tensorToBytes(input) } },
      })) as { outputs: Record<string, WireTensor> }
    ).outputs.probabilities!;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fieldline-infer-cache-'));
    bundles = await makeDemoBundles(path.join(dir, 'bundles'), { imageBytes: 64 * 1024 });
    agent = await startFlashAgent(path.join(dir, 'gateway'));
    peer = (await connect(agent)).peer;
    const artifact = await loadArtifact(bundles.model.file);
    await upload(peer, artifact);
    await peer.request('install', { sha256: artifact.sha256 }, 60_000);
  });

  after(async () => {
    peer?.close();
    await agent?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('repeated infer calls load the model once and reuse its session', async () => {
    const v1 = { name: 'Fieldline Demo Classifier', version: '1.0.0' };
    const first = await infer(v1);
    const second = await infer(v1);
    const third = await infer(v1);
    assert.deepEqual(second.data, first.data);
    assert.deepEqual(third.data, first.data);
    const stats = inferSessionStats(agent.stateDir);
    assert.equal(stats.loads, 1, 'one model load for three calls');
    assert.equal(stats.hits, 2);
    assert.equal(stats.models.length, 1);
  });

  test('installing a new version evicts the old session, and the new model answers', async () => {
    const before = inferSessionStats(agent.stateDir);
    const oldSha = before.models[0]!;
    const next = await newVersionBundle(dir, bundles.model);
    const artifact = await loadArtifact(next.file);
    await upload(peer, artifact);
    assert.deepEqual(await peer.request('install', { sha256: artifact.sha256 }, 60_000), {
      model: 'Fieldline Demo Classifier',
      version: '1.1.0',
    });

    const answer = await infer({ name: 'Fieldline Demo Classifier', version: '1.1.0' });
    assert.deepEqual(answer.data, await localRun(next.model, input), 'the new weights answer');
    const after = inferSessionStats(agent.stateDir);
    assert.equal(after.loads, before.loads + 1);
    assert.equal(after.models.length, 1, 'the replaced model’s session was released');
    assert.notEqual(after.models[0], oldSha);
  });

  test('shutting the agent down releases every cached session', async () => {
    assert.equal(inferSessionStats(agent.stateDir).models.length, 1);
    peer.close();
    await agent.close();
    assert.deepEqual(inferSessionStats(agent.stateDir), { loads: 0, hits: 0, models: [] });
  });
});
