/**
 * One `bench.run` from start to answer: choose the provider, load the model with the run's
 * session options (timed), make seeded inputs, run the loop, collect the profile.
 */
import { rm } from 'node:fs/promises';
import type ort from 'onnxruntime-node';
import { loadModel, type LoadedModel } from '../../core/bench/onnx/onnx-session.js';
import { OnnxModelError } from '../../core/bench/onnx/model-error.js';
import { FgpError } from '../../core/protocol/errors.js';
import { benchLoop, type BenchLoopHooks, type LiveSamples } from './bench-loop.js';
import { collectProfile, profileDir, type OpProfile } from './profile.js';
import { chooseProvider } from './providers.js';
import { seededFeeds } from './seeded-inputs.js';

export interface BenchSettings {
  readonly warmup: number;
  readonly iterations: number | null;
  readonly durationMs: number | null;
  readonly maxSamples?: number;
  readonly threads?: number;
  readonly executionProvider?: string;
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
  readonly profile: boolean;
}

export interface BenchOutcome {
  readonly samplesUs: Float64Array;
  readonly loadMs: number;
  readonly peakRssBytes: number;
  readonly executionProvider: string;
  readonly providers: readonly string[];
  readonly cancelled: boolean;
  readonly profile?: readonly OpProfile[];
}

/** Loads a model for a run; onnxruntime's refusal becomes `model_load_failed` with its reason. */
export async function loadForRun(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions, label: string): Promise<LoadedModel> {
  try {
    return await loadModel(bytes, options);
  } catch (err) {
    const reason = err instanceof OnnxModelError ? err.message : (err as Error).message;
    throw new FgpError('model_load_failed', `${label} does not load: ${reason}`, { reason });
  }
}

export async function runBench(
  model: { readonly bytes: Uint8Array; readonly label: string },
  settings: BenchSettings,
  hooks: BenchLoopHooks,
  live?: LiveSamples,
): Promise<BenchOutcome> {
  const { provider, providers } = await chooseProvider(settings.executionProvider);
  const profiling = settings.profile ? await profileDir() : null;
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    ...(settings.threads !== undefined ? { intraOpNumThreads: settings.threads } : {}),
    ...(profiling ? { enableProfiling: true, profileFilePrefix: profiling.prefix } : {}),
  };
  let loaded: LoadedModel | null = null;
  try {
    const t0 = process.hrtime.bigint();
    loaded = await loadForRun(model.bytes, options, model.label);
    const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const feeds = seededFeeds(loaded.signature.inputs, settings.inputShapes);
    let result;
    try {
      result = await benchLoop(loaded.session, feeds, settings, hooks, live);
    } catch (err) {
      throw new FgpError('model_load_failed', `${model.label} loads but does not run: ${(err as Error).message.split('\n')[0]}`);
    }
    let profile: OpProfile[] | undefined;
    if (profiling) {
      loaded.session.endProfiling();
      profile = await collectProfile(profiling.dir);
    }
    return {
      samplesUs: result.samplesUs,
      loadMs,
      peakRssBytes: result.peakRssBytes,
      executionProvider: provider,
      providers,
      cancelled: result.cancelled,
      ...(profile ? { profile } : {}),
    };
  } finally {
    await loaded?.session.release();
    // Already gone after collectProfile; this covers a run that failed before it.
    if (profiling) await rm(profiling.dir, { recursive: true, force: true });
  }
}
