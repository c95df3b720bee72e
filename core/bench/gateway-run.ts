/**
 * A benchmark and diagnostics on a gateway over an authenticated FGP session, shared by the CLI
 * and the engine: one code path for `bench.run` + paged `bench.samples`, for picking the library
 * bundle whose baseline applies, and for `infer`.
 */
import type { Manifest, LatencyBaseline } from '../bundle/manifest.js';
import type { FgpPeer } from '../protocol/peer.js';
import { bundleModelSha256, type InferFn } from './diagnose.js';
import type { WireTensor } from './wire-tensor.js';

/** What the agent's `bench.run` answers (BENCH-DESIGN.md). */
export interface GatewayBenchResult {
  readonly runId: string;
  readonly iterations: number;
  readonly loadMs: number;
  readonly peakRssBytes: number;
  readonly executionProvider: string;
  readonly providers: readonly string[];
  readonly cancelled: boolean;
  /** onnxruntime's per-operator times, when asked for. */
  readonly profile?: readonly GatewayOpProfile[];
}

export interface GatewayOpProfile {
  readonly op: string;
  readonly name: string;
  readonly totalUs: number;
  readonly count: number;
}

export interface GatewayBenchSettings {
  readonly warmup?: number;
  /** A count of timed runs, or… */
  readonly iterations?: number;
  /** …a duration (give one or neither: the gateway's default is 100 iterations). */
  readonly durationMs?: number;
  readonly threads?: number;
  readonly executionProvider?: string;
  readonly profile?: boolean;
}

export interface BenchProgressEvent {
  readonly runId: string;
  readonly done: number;
  readonly total: number | null;
}

/** An installed model as the gateway's descriptor lists it. */
export interface InstalledModelRef {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
}

/** A run may last an hour; progress events show it is alive meanwhile. */
const BENCH_TIMEOUT_MS = 3_600_000;

/** Runs `bench.run` for an installed model, relaying progress, then fetches every sample. */
export async function benchOnGateway(
  peer: FgpPeer,
  maxFrame: number,
  model: InstalledModelRef,
  settings: GatewayBenchSettings,
  onProgress?: (progress: BenchProgressEvent) => void,
): Promise<{ run: GatewayBenchResult; samplesUs: Float64Array }> {
  const params = {
    model: { name: model.name, version: model.version },
    ...(settings.warmup === undefined ? {} : { warmup: settings.warmup }),
    ...(settings.iterations === undefined ? {} : { iterations: settings.iterations }),
    ...(settings.durationMs === undefined ? {} : { durationMs: settings.durationMs }),
    ...(settings.threads === undefined ? {} : { threads: settings.threads }),
    ...(settings.executionProvider === undefined ? {} : { executionProvider: settings.executionProvider }),
    ...(settings.profile ? { profile: true } : {}),
  };
  const onEvent = (event: string, data: unknown): void => {
    if (event !== 'bench.progress' || !onProgress) return;
    const p = data as { runId?: unknown; done?: unknown; total?: unknown };
    onProgress({
      runId: typeof p.runId === 'string' ? p.runId : '',
      done: typeof p.done === 'number' ? p.done : 0,
      total: typeof p.total === 'number' ? p.total : null,
    });
  };
  peer.on('event', onEvent);
  let run: GatewayBenchResult;
  try {
    run = (await peer.request('bench.run', params, BENCH_TIMEOUT_MS)) as GatewayBenchResult;
  } finally {
    peer.off('event', onEvent);
  }
  return { run, samplesUs: await fetchSamples(peer, run.runId, maxFrame) };
}

/**
 * Asks the gateway to stop a run (`bench.cancel`); its `bench.run` then answers with the samples
 * measured so far. True when the run was still going.
 */
export async function cancelOnGateway(peer: FgpPeer, runId: string): Promise<boolean> {
  const answer = (await peer.request('bench.cancel', { runId }, 10_000)) as { cancelled?: unknown };
  return answer.cancelled === true;
}

/** All samples of a run, in pages that fit the gateway's frame. */
export async function fetchSamples(peer: FgpPeer, runId: string, maxFrame: number): Promise<Float64Array> {
  const limit = Math.max(1, Math.floor((maxFrame - 256) / 8));
  const parts: Float64Array[] = [];
  let offset = 0;
  let total = Infinity;
  while (offset < total) {
    const page = (await peer.request('bench.samples', { runId, offset, limit })) as { total: number; samplesUs: Uint8Array };
    total = page.total;
    const n = Math.floor(page.samplesUs.byteLength / 8);
    if (n === 0) break;
    const view = new DataView(page.samplesUs.buffer, page.samplesUs.byteOffset, page.samplesUs.byteLength);
    parts.push(Float64Array.from({ length: n }, (_, i) => view.getFloat64(i * 8, true)));
    offset += n;
  }
  const out = new Float64Array(offset);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The gateway's `infer` for one installed model, as diagnostics call it. */
export function inferOnGateway(peer: FgpPeer, model: { name: string; version: string }): InferFn {
  return async (inputs) => {
    const answer = (await peer.request('infer', { model, inputs }, 60_000)) as { outputs: Record<string, WireTensor> };
    return answer.outputs;
  };
}

export interface LibraryModelBundle {
  readonly id: string;
  /** "name version" as a technician reads it. */
  readonly label: string;
  readonly manifest: Manifest;
}

/**
 * The library bundle whose baseline applies to an installed model: the one carrying the very
 * same model file, else one of the same name and version (a re-signed or re-packed bundle).
 */
export function baselineBundleFor(
  bundles: Iterable<LibraryModelBundle>,
  model: InstalledModelRef,
): { readonly id: string; readonly label: string; readonly baselines: readonly LatencyBaseline[] } | null {
  let fallback: { id: string; label: string; baselines: readonly LatencyBaseline[] } | null = null;
  for (const b of bundles) {
    if (!b.manifest.model) continue;
    const found = { id: b.id, label: b.label, baselines: b.manifest.model.baselines };
    if (bundleModelSha256(b.manifest) === model.sha256) return found;
    if (!fallback && b.manifest.name === model.name && b.manifest.version === model.version) fallback = found;
  }
  return fallback;
}
