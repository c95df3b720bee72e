/**
 * `bench.run`, `bench.samples`, `bench.cancel`: latency benchmarks of an installed model on the
 * gateway (protocol.md §6.15–§6.17, BENCH-DESIGN.md). One run at a time; the samples of the last
 * runs stay readable page by page.
 */
import { z } from 'zod';
import { FgpError } from '../../core/protocol/errors.js';
import { modelRefSchema, readInstalledModel } from '../bench/installed-model.js';
import { runRegistry } from '../bench/run-registry.js';
import { defineMethod } from '../method.js';

const uint = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const MAX_ITERATIONS = 100_000;
/** A duration run stops at this many samples (8 MB of latencies) whatever the time left. */
const MAX_DURATION_SAMPLES = 1_000_000;
const MAX_DURATION_MS = 3_600_000;

const benchRunParams = z.object({
  model: modelRefSchema,
  warmup: uint.max(MAX_ITERATIONS).optional(),
  iterations: z.number().int().min(1).max(MAX_ITERATIONS).optional(),
  durationMs: z.number().int().min(1).max(MAX_DURATION_MS).optional(),
  threads: z.number().int().min(1).max(256).optional(),
  executionProvider: z.string().min(1).max(64).optional(),
  inputShapes: z
    .record(
      z.string(),
      z
        .array(
          z
            .number()
            .int()
            .min(1)
            .max(2 ** 31 - 1),
        )
        .max(16),
    )
    .optional(),
  profile: z.boolean().optional(),
});

export const benchRun = defineMethod('auth', benchRunParams, async ({ params, agent, peer }) => {
  if (params.iterations !== undefined && params.durationMs !== undefined)
    throw new FgpError('invalid_params', 'invalid params for bench.run: give iterations or durationMs, not both');
  const registry = runRegistry(agent);
  const run = registry.acquire('a benchmark', true)!;
  // A technician who disconnects has stopped watching: end the run rather than hold the gateway.
  const onClose = (): void => {
    run.cancel.cancelled = true;
  };
  peer.once('close', onClose);
  try {
    const { entry, bytes } = await readInstalledModel(agent.stateDir, params.model);
    const label = `model "${entry.name}" ${entry.version}`;
    agent.log.info(`bench.run ${run.runId}: ${label}`);
    const durationMs = params.durationMs ?? null;
    const { runBench } = await import('../bench/bench-run.js');
    const outcome = await runBench(
      { bytes, label },
      {
        warmup: params.warmup ?? 10,
        iterations: durationMs === null ? (params.iterations ?? 100) : null,
        durationMs,
        maxSamples: MAX_DURATION_SAMPLES,
        profile: params.profile ?? false,
        ...(params.threads !== undefined ? { threads: params.threads } : {}),
        ...(params.executionProvider !== undefined ? { executionProvider: params.executionProvider } : {}),
        ...(params.inputShapes !== undefined ? { inputShapes: params.inputShapes } : {}),
      },
      {
        cancel: run.cancel,
        onProgress: (done, total) => peer.emitEvent('bench.progress', { runId: run.runId, done, total }),
      },
      run.live,
    );
    agent.log.info(`bench.run ${run.runId}: ${outcome.samplesUs.length} runs${outcome.cancelled ? ' (cancelled)' : ''}`);
    return {
      runId: run.runId,
      iterations: outcome.samplesUs.length,
      loadMs: outcome.loadMs,
      peakRssBytes: outcome.peakRssBytes,
      executionProvider: outcome.executionProvider,
      providers: [...outcome.providers],
      cancelled: outcome.cancelled,
      ...(outcome.profile ? { profile: outcome.profile.map((p) => ({ ...p })) } : {}),
    };
  } finally {
    peer.off('close', onClose);
    registry.release(run);
  }
});

/** Bytes of a `bench.samples` answer around the samples: envelope, id, keys, byte-string header. */
const SAMPLES_OVERHEAD = 128;

export const benchSamples = defineMethod(
  'auth',
  z.object({ runId: z.string().max(64), offset: uint, limit: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
  ({ params, agent, session }) => {
    const run = runRegistry(agent).get(params.runId);
    if (!run)
      throw new FgpError('unknown_run', `no benchmark run "${params.runId}" on this gateway (it keeps the samples of the last 8 runs)`);
    const total = run.live.count;
    const fit = Math.max(1, Math.floor((session.maxFrame - SAMPLES_OVERHEAD) / 8));
    const from = Math.min(params.offset, total);
    const count = Math.min(params.limit, fit, total - from);
    const out = new Uint8Array(count * 8);
    const view = new DataView(out.buffer);
    for (let i = 0; i < count; i++) view.setFloat64(i * 8, run.live.samples[from + i]!, true);
    return { total, samplesUs: out };
  },
);

export const benchCancel = defineMethod('auth', z.object({ runId: z.string().max(64) }), ({ params, agent }) => {
  const registry = runRegistry(agent);
  const run = registry.get(params.runId);
  if (!run) throw new FgpError('unknown_run', `no benchmark run "${params.runId}" on this gateway`);
  const wasRunning = !run.finished;
  run.cancel.cancelled = true;
  return { cancelled: wasRunning };
});
