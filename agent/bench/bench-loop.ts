/**
 * The measured loop of `bench.run`, kept free of anything that is not the inference itself.
 *
 * Each sample is one `session.run` timed with `process.hrtime.bigint()`. onnxruntime-node's run
 * hops through `setImmediate` before the native call, so every iteration gives the event loop a
 * turn: the agent keeps answering hello/status/bench.cancel during a long run. Work that is not a
 * sample (progress events, the RSS reading) happens at most every 100 ms, on the timestamp the
 * loop already took. bench/inference-overhead.ts compares this function with a bare loop.
 */
import type ort from 'onnxruntime-node';

export interface BenchLoopOptions {
  readonly warmup: number;
  /** A count of measured runs, or null to run for `durationMs`. */
  readonly iterations: number | null;
  readonly durationMs: number | null;
  /** Upper bound on samples kept in duration mode. */
  readonly maxSamples?: number;
}

export interface CancelSignal {
  cancelled: boolean;
}

export interface BenchLoopHooks {
  readonly cancel?: CancelSignal;
  /** At most every `progressEveryMs` (default 100 ms): runs done so far and the total, if known. */
  readonly onProgress?: (done: number, total: number | null) => void;
  readonly progressEveryMs?: number;
}

export interface BenchLoopResult {
  /** Per-inference latency in µs, exactly `count` values. */
  readonly samplesUs: Float64Array;
  readonly cancelled: boolean;
  readonly peakRssBytes: number;
}

const DEFAULT_MAX_SAMPLES = 1_000_000;

/** The samples measured so far of a running loop, for `bench.samples` during a run. */
export interface LiveSamples {
  samples: Float64Array;
  count: number;
}

export async function benchLoop(
  session: ort.InferenceSession,
  feeds: ort.InferenceSession.FeedsType,
  options: BenchLoopOptions,
  hooks: BenchLoopHooks = {},
  live: LiveSamples = { samples: new Float64Array(0), count: 0 },
): Promise<BenchLoopResult> {
  const cancel = hooks.cancel ?? { cancelled: false };
  let peakRss = process.memoryUsage.rss();
  for (let i = 0; i < options.warmup && !cancel.cancelled; i++) await session.run(feeds);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());

  const limit = options.iterations ?? options.maxSamples ?? DEFAULT_MAX_SAMPLES;
  const total = options.iterations;
  let samples = new Float64Array(options.iterations ?? Math.min(limit, 4096));
  live.samples = samples;
  const everyNs = BigInt(Math.round((hooks.progressEveryMs ?? 100) * 1e6));
  const start = process.hrtime.bigint();
  const deadline = options.durationMs === null ? null : start + BigInt(Math.round(options.durationMs * 1e6));
  let nextTick = start + everyNs;
  let count = 0;
  while (count < limit && !cancel.cancelled) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    const t1 = process.hrtime.bigint();
    if (count === samples.length) {
      const grown = new Float64Array(Math.min(limit, samples.length * 2));
      grown.set(samples);
      samples = grown;
      live.samples = samples;
    }
    samples[count++] = Number(t1 - t0) / 1000;
    if (t1 >= nextTick) {
      nextTick = t1 + everyNs;
      live.count = count;
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      hooks.onProgress?.(count, total);
      if (deadline !== null && t1 >= deadline) break;
    } else if (deadline !== null && t1 >= deadline) break;
  }
  live.count = count;
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  hooks.onProgress?.(count, total);
  return { samplesUs: samples.subarray(0, count), cancelled: cancel.cancelled, peakRssBytes: peakRss };
}
