/**
 * `bench.run`, `bench.samples`, `bench.cancel` and `infer` on a real agent over TLS, with the
 * demo model bundle installed and real onnxruntime on both ends.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import type { RunningAgent } from '../../agent/agent.js';
import { makeDemoBundles } from '../../cli/demo-bundles.js';
import { seededRandom } from '../../core/bench/onnx/seeded-random.js';
import { tensorToBytes } from '../../core/bench/onnx/golden.js';
import { FgpError } from '../../core/protocol/errors.js';
import { authenticate, hello } from '../../core/protocol/client-session.js';
import { DEFAULT_MAX_FRAME } from '../../core/protocol/frame.js';
import { FgpPeer } from '../../core/protocol/peer.js';
import { openTcp } from '../../core/transport/tcp.js';
import { loadDemoTechnician } from '../../agent/demo-technician.js';
import { connect, loadArtifact, rejectsWith, startFlashAgent, upload } from '../helpers/agent-flash-client.js';

interface BenchResult {
  runId: string;
  iterations: number;
  loadMs: number;
  peakRssBytes: number;
  executionProvider: string;
  providers: string[];
  cancelled: boolean;
  profile?: { op: string; name: string; totalUs: number; count: number }[];
}
interface WireTensor {
  type: string;
  shape: number[];
  data: Uint8Array;
}
interface Progress {
  runId: string;
  done: number;
  total: number | null;
}

const MODEL = { name: 'Fieldline Demo Classifier', version: '1.0.0' };

/** Every page of a run's samples, asked `limit` at a time. */
async function allSamples(peer: FgpPeer, runId: string, limit: number): Promise<Float64Array> {
  const values: number[] = [];
  for (;;) {
    const page = (await peer.request('bench.samples', { runId, offset: values.length, limit })) as { total: number; samplesUs: Uint8Array };
    const view = new DataView(page.samplesUs.buffer, page.samplesUs.byteOffset, page.samplesUs.byteLength);
    for (let i = 0; i < page.samplesUs.length / 8; i++) values.push(view.getFloat64(i * 8, true));
    if (values.length >= page.total || page.samplesUs.length === 0) {
      assert.equal(values.length, page.total);
      return Float64Array.from(values);
    }
  }
}

function progressOf(peer: FgpPeer): Progress[] {
  const seen: Progress[] = [];
  peer.on('event', (event: string, data: unknown) => {
    if (event === 'bench.progress') seen.push(data as Progress);
  });
  return seen;
}

/** Resolves with the first progress event of `peer`. */
function firstProgress(peer: FgpPeer): Promise<Progress> {
  return new Promise((resolve) => {
    const on = (event: string, data: unknown): void => {
      if (event !== 'bench.progress') return;
      peer.off('event', on);
      resolve(data as Progress);
    };
    peer.on('event', on);
  });
}

describe('agent benchmarks and inference', { timeout: 180_000 }, () => {
  let dir: string;
  let agent: RunningAgent;
  let peer: FgpPeer;
  let modelBytes: Uint8Array;
  let modelSha: Uint8Array;
  const peers: FgpPeer[] = [];

  const open = async (): Promise<FgpPeer> => {
    const session = await connect(agent);
    peers.push(session.peer);
    return session.peer;
  };

  /** A session that offers only 16 KiB frames, as a serial line would. */
  const openSmall = async (): Promise<FgpPeer> => {
    const opened = await openTcp({ host: '127.0.0.1', port: agent.tcpPort!, tls: true });
    const small = new FgpPeer(opened.stream, { channelBinding: opened.binding, requestTimeoutMs: 30_000 });
    peers.push(small);
    const descriptor = await hello(small, { transportKey: opened.transportKey, maxFrame: DEFAULT_MAX_FRAME });
    await authenticate(small, descriptor.id, loadDemoTechnician().identity);
    return small;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fieldline-agent-bench-'));
    const bundles = await makeDemoBundles(path.join(dir, 'bundles'), { imageBytes: 64 * 1024 });
    agent = await startFlashAgent(path.join(dir, 'gateway'));
    peer = await open();
    const artifact = await loadArtifact(bundles.model.file);
    await upload(peer, artifact);
    assert.deepEqual(await peer.request('install', { sha256: artifact.sha256 }, 60_000), { model: MODEL.name, version: MODEL.version });
    const index = JSON.parse(await readFile(path.join(agent.stateDir, 'models', 'index.json'), 'utf8')) as {
      models: { dir: string; sha256: string }[];
    };
    const file = await readFile(path.join(agent.stateDir, 'models', index.models[0]!.dir, 'files', 'model.onnx'));
    modelBytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
    modelSha = new Uint8Array(Buffer.from(index.models[0]!.sha256, 'hex'));
  });

  after(async () => {
    for (const p of peers) p.close();
    await agent?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('bench.run measures N inferences; bench.samples pages them back; progress ends at N', async () => {
    const progress = progressOf(peer);
    const result = (await peer.request('bench.run', { model: MODEL, warmup: 5, iterations: 3000 }, 120_000)) as BenchResult;
    assert.equal(result.iterations, 3000);
    assert.equal(result.cancelled, false);
    assert.equal(result.executionProvider, 'cpu');
    assert.ok(result.providers.includes('cpu'));
    assert.ok(result.loadMs > 0);
    assert.ok(result.peakRssBytes > 1024 * 1024);
    assert.equal(result.profile, undefined);

    const samples = await allSamples(peer, result.runId, 500);
    assert.equal(samples.length, 3000);
    assert.ok(samples.every((s) => Number.isFinite(s) && s > 0));

    const mine = progress.filter((p) => p.runId === result.runId);
    assert.ok(mine.length >= 1, 'at least the final progress event arrives');
    assert.deepEqual(mine.at(-1), { runId: result.runId, done: 3000, total: 3000 });
    for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.done >= mine[i - 1]!.done);
  });

  test('bench.samples clamps a page to the frame; unknown runs are refused', async () => {
    const small = await openSmall();
    const result = (await small.request('bench.run', { model: { sha256: modelSha }, warmup: 0, iterations: 5000 }, 120_000)) as BenchResult;
    const page = (await small.request('bench.samples', { runId: result.runId, offset: 0, limit: 1_000_000 })) as {
      total: number;
      samplesUs: Uint8Array;
    };
    assert.equal(page.total, 5000);
    assert.ok(page.samplesUs.length > 0 && page.samplesUs.length <= DEFAULT_MAX_FRAME - 64, 'a page fits a 16 KiB frame');
    assert.equal((await allSamples(small, result.runId, 1_000_000)).length, 5000);
    const err = await rejectsWith(small.request('bench.samples', { runId: 'nope', offset: 0, limit: 10 }), 'unknown_run');
    assert.match(err.message, /last 8 runs/);
  });

  test('threads, profile and providers: a per-operator profile of the real graph', async () => {
    const result = (await peer.request(
      'bench.run',
      { model: MODEL, warmup: 2, iterations: 20, threads: 1, executionProvider: 'cpu', profile: true },
      120_000,
    )) as BenchResult;
    assert.equal(result.iterations, 20);
    // onnxruntime fuses MatMul+Add(+Relu) into (Fused)Gemm: the profile shows what really ran.
    const profile = result.profile ?? [];
    const ops = new Set(profile.map((p) => p.op));
    assert.ok(ops.has('Softmax'), `profile has Softmax: ${[...ops].join(', ')}`);
    assert.ok(ops.has('Gemm') || ops.has('FusedGemm') || ops.has('MatMul'), `profile has the dense layers: ${[...ops].join(', ')}`);
    for (const entry of profile) assert.ok(entry.count >= 20 && entry.totalUs > 0 && entry.name.length > 0, JSON.stringify(entry));

    const err = await rejectsWith(peer.request('bench.run', { model: MODEL, executionProvider: 'cuda' }), 'provider_unavailable');
    assert.match(err.message, /"cuda" is not available on this gateway; it has cpu/);
    await rejectsWith(peer.request('bench.run', { model: { name: 'nope', version: '1' } }), 'model_not_installed');
    await rejectsWith(peer.request('bench.run', { model: MODEL, iterations: 10, durationMs: 10 }), 'invalid_params');
    const shape = await rejectsWith(peer.request('bench.run', { model: MODEL, inputShapes: { input: [1, 63] } }), 'input_shape');
    assert.match(shape.message, /fixed at 64, not 63/);
    await rejectsWith(peer.request('bench.run', { model: MODEL, inputShapes: { pixels: [1, 64] } }), 'input_unknown');
  });

  test('a long run keeps the agent answering, refuses a second run, and cancels with its partial samples', async () => {
    const other = await open();
    const started = firstProgress(peer);
    const running = peer.request('bench.run', { model: MODEL, warmup: 0, durationMs: 120_000 }, 150_000) as Promise<BenchResult>;
    const first = await started;
    assert.equal(first.total, null);

    const status = (await other.request('status')) as { uptime: number };
    assert.equal(typeof status.uptime, 'number');
    const busy = await rejectsWith(other.request('bench.run', { model: MODEL }), 'bench_busy');
    assert.match(busy.message, new RegExp(`bench.cancel \\{runId: "${first.runId}"\\}`));
    await rejectsWith(other.request('infer', { model: MODEL, inputs: {} }), 'bench_busy');

    assert.deepEqual(await other.request('bench.cancel', { runId: first.runId }), { cancelled: true });
    const result = await running;
    assert.equal(result.cancelled, true);
    assert.equal(result.runId, first.runId);
    assert.ok(result.iterations >= first.done && result.iterations > 0);
    assert.equal((await allSamples(other, result.runId, 4096)).length, result.iterations);
    assert.deepEqual(await other.request('bench.cancel', { runId: first.runId }), { cancelled: false });
  });

  test('a technician disconnecting mid-run ends the run; the gateway stays healthy and runs again', async () => {
    const leaving = await open();
    const started = firstProgress(leaving);
    const running = leaving.request('bench.run', { model: MODEL, warmup: 0, durationMs: 120_000 }, 150_000);
    running.catch(() => undefined);
    const { runId } = await started;
    leaving.close();
    await assert.rejects(running, (err: unknown) => err instanceof FgpError && err.code === 'connection_closed');

    const next = await open();
    // The abandoned run stops at its next inference; until then the gateway says so.
    let result: BenchResult | null = null;
    for (let attempt = 0; attempt < 200 && !result; attempt++) {
      try {
        result = (await next.request('bench.run', { model: MODEL, warmup: 1, iterations: 50 }, 60_000)) as BenchResult;
      } catch (err) {
        if (!(err instanceof FgpError) || err.code !== 'bench_busy') throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.ok(result, 'the gateway accepts a new run');
    assert.equal(result.iterations, 50);
    const partial = await allSamples(next, runId, 4096);
    assert.ok(partial.length > 0, 'the abandoned run kept its partial samples');
  });

  test('infer answers what a local onnxruntime run of the same model bytes answers, types and shapes preserved', async () => {
    const input = seededRandom(11).float32Array(64, -1, 1);
    const answer = (await peer.request('infer', {
      model: MODEL,
      inputs: { input: { type: 'float32', shape: [1, 64], data: tensorToBytes(input) } },
    })) as { outputs: Record<string, WireTensor>; latencyUs: number };
    assert.deepEqual(Object.keys(answer.outputs), ['probabilities']);
    const out = answer.outputs.probabilities!;
    assert.equal(out.type, 'float32');
    assert.deepEqual(out.shape, [1, 10]);
    assert.ok(answer.latencyUs > 0);

    const local = await ort.InferenceSession.create(modelBytes);
    try {
      const expected = (await local.run({ input: new ort.Tensor('float32', input, [1, 64]) })).probabilities!;
      assert.deepEqual(out.data, tensorToBytes(expected.data as Float32Array));
    } finally {
      await local.release();
    }
    const bySha = (await peer.request('infer', {
      model: { sha256: modelSha },
      inputs: { input: { type: 'float32', shape: [1, 64], data: tensorToBytes(input) } },
    })) as { outputs: Record<string, WireTensor> };
    assert.deepEqual(bySha.outputs.probabilities!.data, out.data);
  });

  test('bad infer inputs get their own codes and say what was expected', async () => {
    const good = tensorToBytes(new Float32Array(64));
    const call = (inputs: Record<string, unknown>, model: unknown = MODEL): Promise<unknown> => peer.request('infer', { model, inputs });

    let err = await rejectsWith(call({ pixels: { type: 'float32', shape: [1, 64], data: good } }), 'input_unknown');
    assert.match(err.message, /no input "pixels"; its inputs are "input" float32 \[1, 64\]/);
    err = await rejectsWith(call({}), 'input_unknown');
    assert.match(err.message, /needs input "input"/);
    err = await rejectsWith(call({ input: { type: 'float32', shape: [1, 63], data: good.subarray(0, 252) } }), 'input_shape');
    assert.match(err.message, /must have shape \[1, 64\], not \[1, 63\]/);
    err = await rejectsWith(call({ input: { type: 'float32', shape: [1, 64], data: good.subarray(0, 100) } }), 'input_shape');
    assert.match(err.message, /must be 64 × 4 = 256 bytes, not 100/);
    err = await rejectsWith(call({ input: { type: 'int32', shape: [1, 64], data: good } }), 'input_type');
    assert.match(err.message, /must be float32, not int32/);
    err = await rejectsWith(call({ input: { type: 'complex64', shape: [1, 64], data: good } }), 'input_type');
    err = await rejectsWith(call({ input: { type: 'float32', shape: [100_000, 64], data: good } }), 'tensor_too_large');
    assert.match(err.message, /25600000 bytes, more than this session's \d+-byte frame/);
    err = await rejectsWith(
      call({ input: { type: 'float32', shape: [1, 64], data: good } }, { name: 'Other', version: '2' }),
      'model_not_installed',
    );
    assert.match(err.message, /installed: "Fieldline Demo Classifier" 1\.0\.0/);
    await rejectsWith(call({ input: { type: 'float32', shape: [1, 64], data: 'text' } }), 'invalid_params');
  });

  test('a model file damaged on the gateway gives model_load_failed with the reason', async () => {
    const index = JSON.parse(await readFile(path.join(agent.stateDir, 'models', 'index.json'), 'utf8')) as { models: { dir: string }[] };
    await writeFile(path.join(agent.stateDir, 'models', index.models[0]!.dir, 'files', 'model.onnx'), 'not a model');
    const err = await rejectsWith(peer.request('bench.run', { model: MODEL }), 'model_load_failed');
    assert.match(err.message, /cannot be read: the model file's SHA-256 is [0-9a-f]{64}, not the [0-9a-f]{64} recorded at install/);
    await rejectsWith(peer.request('infer', { model: MODEL, inputs: {} }), 'model_load_failed');
  });
});
