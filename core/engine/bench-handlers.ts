/**
 * The API handlers for benchmarks and diagnostics: an authenticated session with the gateway
 * (as flash opens them), the shared gateway code of core/bench, and the results store.
 *
 * Baselines and references come only from verified library bundles: a benchmark is judged, and
 * a gateway diagnosed, against what a trusted signer published, never against a loose file.
 */
import { join } from 'node:path';
import { ApiError } from '../api/contract.js';
import type { Handlers } from '../api/dispatch.js';
import type { BenchProgress, BenchModelRef, Device, DeviceDescriptor, OutputComparisonShape } from '../api/schemas.js';
import { baselineFor, judge } from '../bench/baseline.js';
import { readModelPayloads } from '../bench/bundle-payloads.js';
import { bundleModelSha256, diagnose, type OutputComparison } from '../bench/diagnose.js';
import {
  baselineBundleFor,
  benchOnGateway,
  cancelOnGateway,
  inferOnGateway,
  type InstalledModelRef,
  type LibraryModelBundle,
} from '../bench/gateway-run.js';
import type { BenchResultsStore } from '../bench/results-store.js';
import { benchReportFileName, buildBenchReport } from '../bench/report.js';
import { renderBenchReportHtml } from '../bench/report-html.js';
import { computeStats } from '../bench/stats.js';
import { packageVersion } from '../package-info.js';
import type { FgpPeer } from '../protocol/peer.js';
import { parseManifest, type Manifest } from '../bundle/manifest.js';
import { libraryDir, type BundleLibrary } from './bundle-library.js';
import type { DeviceSession } from './device-session.js';

type BenchMethods = 'bench.run' | 'bench.cancel' | 'bench.list' | 'bench.get' | 'bench.export' | 'diagnose.run' | 'diagnose.list';

export interface BenchEngineDeps {
  readonly dataDir: string;
  readonly library: BundleLibrary;
  readonly results: BenchResultsStore;
  readonly requireDevice: (id: string) => Device;
  /** An authenticated session over the gateway's best path (the engine's, shared with every method). */
  readonly withGateway: <T>(deviceId: string, use: (session: DeviceSession) => Promise<T>) => Promise<T>;
  readonly onProgress: (progress: BenchProgress) => void;
}

/**
 * A `bench.run` in progress, so that `bench.cancel` can reach the gateway over the very session
 * the run uses. The gateway's run id arrives with the first progress event (after the warm-up);
 * a cancel asked for before that is sent the moment it is known.
 */
interface RunningBench {
  readonly deviceId: string;
  readonly peer: FgpPeer;
  runId: string | null;
  cancelRequested: boolean;
  cancelSent: boolean;
}

const appVersion = packageVersion();

/** The agent's defaults (BENCH-DESIGN.md), recorded with the run so runs compare like for like. */
const DEFAULT_WARMUP = 10;
const DEFAULT_ITERATIONS = 100;

function describeRef(ref: BenchModelRef): string {
  return 'sha256' in ref ? `with SHA-256 ${ref.sha256.slice(0, 12)}…` : `${ref.name} ${ref.version}`;
}

function installedModel(descriptor: DeviceDescriptor, ref: BenchModelRef): InstalledModelRef {
  const found = descriptor.models.find((m) =>
    'sha256' in ref ? m.sha256 === ref.sha256 : m.name === ref.name && m.version === ref.version,
  );
  if (!found)
    throw new ApiError(
      'model_not_installed',
      `${descriptor.name} has no installed model ${describeRef(ref)}; it has ${descriptor.models.map((m) => `${m.name} ${m.version}`).join(', ') || 'none'}`,
      'Flash the model bundle first, or pick one of the installed models.',
    );
  return found;
}

/** Every verified model bundle of the library with its signed manifest, as verified. */
function libraryModelBundles(library: BundleLibrary): LibraryModelBundle[] {
  const out: LibraryModelBundle[] = [];
  for (const b of library.list()) {
    if (b.kind !== 'model' || b.status !== 'verified') continue;
    const json = library.get(b.id).manifestJson;
    const parsed = json === null ? null : parseManifest(json);
    if (parsed?.ok) out.push({ id: b.id, label: `${b.name ?? b.fileName} ${b.version ?? ''}`.trim(), manifest: parsed.manifest });
  }
  return out;
}

/** The verified model bundle diagnostics use as the reference, with its model and golden payloads. */
async function referenceBundle(
  deps: BenchEngineDeps,
  bundleId: string,
): Promise<{ label: string; manifest: Manifest; payloads: Map<string, Uint8Array> }> {
  const detail = deps.library.get(bundleId);
  const b = detail.bundle;
  if (b.status !== 'verified')
    throw new ApiError(
      'bundle_refused',
      `${b.fileName} is not verified${b.reason ? `: ${b.reason.message}` : ''}; it cannot be the reference`,
      'Import a bundle that verifies, or fix the trust store.',
    );
  // The signed manifest exactly as verified, not the library's display form of it.
  const parsed = detail.manifestJson === null ? null : parseManifest(detail.manifestJson);
  const manifest = parsed?.ok ? parsed.manifest : null;
  if (!manifest || manifest.kind !== 'model' || !manifest.model)
    throw new ApiError(
      'not_a_model',
      `${b.fileName} is not a model bundle (kind ${manifest?.kind ?? 'unknown'})`,
      'Choose a bundle of kind "model".',
    );
  const payloads = await readModelPayloads(join(libraryDir(deps.dataDir), `${bundleId}.flb`), manifest);
  return { label: `${manifest.name} ${manifest.version}`, manifest, payloads };
}

/** JSON has no Infinity or NaN: an error that cannot be measured (shape mismatch) crosses as null. */
function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function comparisonShape(c: OutputComparison): OutputComparisonShape {
  return {
    case: c.case,
    output: c.output,
    ok: c.ok,
    maxAbs: finite(c.maxAbs),
    maxRel: finite(c.maxRel),
    cosine: finite(c.cosine),
    ...(c.topK ? { topK: { k: c.topK.k, agree: c.topK.agree } } : {}),
    message: c.message,
  };
}

/** Sends the gateway's `bench.cancel` once, when both the wish and the run id are there. */
function sendCancel(running: RunningBench): void {
  if (!running.cancelRequested || running.cancelSent || running.runId === null) return;
  running.cancelSent = true;
  // The run's own answer reports the outcome; a lost cancel only means the run goes to its end.
  cancelOnGateway(running.peer, running.runId).catch(() => undefined);
}

export function benchHandlers(deps: BenchEngineDeps): Pick<Handlers, BenchMethods> {
  const running = new Map<string, RunningBench>();
  return {
    'bench.run': async ({ deviceId, model, warmup, iterations, threads, durationMs, executionProvider, profile }) => {
      if (iterations !== undefined && durationMs !== undefined)
        throw new ApiError('invalid_params', 'bench.run: give iterations or durationMs, not both', 'Choose a count of runs or a duration.');
      if (running.has(deviceId))
        throw new ApiError(
          'bench_busy',
          `a benchmark is already running on ${deps.requireDevice(deviceId).name}`,
          'Wait for it to end, or cancel it first.',
        );
      const settings = {
        ...(warmup === undefined ? {} : { warmup }),
        ...(iterations === undefined ? {} : { iterations }),
        ...(durationMs === undefined ? {} : { durationMs }),
        ...(threads === undefined ? {} : { threads }),
        ...(executionProvider === undefined ? {} : { executionProvider }),
        ...(profile ? { profile: true } : {}),
      };
      const measured = await deps.withGateway(deviceId, async ({ peer, descriptor }) => {
        const installed = installedModel(descriptor, model);
        const entry: RunningBench = { deviceId, peer, runId: null, cancelRequested: false, cancelSent: false };
        running.set(deviceId, entry);
        try {
          const outcome = await benchOnGateway(peer, descriptor.maxFrame, installed, settings, (p) => {
            if (entry.runId === null && p.runId !== '') {
              entry.runId = p.runId;
              sendCancel(entry);
            }
            deps.onProgress({ deviceId, runId: p.runId, done: p.done, total: p.total });
          });
          return { descriptor, installed, ...outcome };
        } finally {
          running.delete(deviceId);
        }
      });
      const { descriptor, installed, run, samplesUs } = measured;
      if (samplesUs.length === 0)
        throw new ApiError(
          'no_samples',
          `the benchmark on ${descriptor.name} ${run.cancelled ? 'was cancelled before' : 'ended without'} a single timed inference`,
          'Run it again; lower the warm-up count if it was cancelled during warm-up.',
        );
      const stats = computeStats(samplesUs);
      const library = baselineBundleFor(libraryModelBundles(deps.library), installed);
      const judgement = judge(stats, baselineFor(library?.baselines, descriptor.model), descriptor.model);
      return deps.results.addRun({
        deviceId,
        deviceName: descriptor.name,
        hardwareClass: descriptor.model,
        model: { name: installed.name, version: installed.version, sha256: installed.sha256 },
        settings: {
          warmup: warmup ?? DEFAULT_WARMUP,
          iterations: durationMs === undefined ? (iterations ?? DEFAULT_ITERATIONS) : null,
          threads: threads ?? null,
          ...(durationMs === undefined ? {} : { durationMs }),
          ...(executionProvider === undefined ? {} : { executionProvider }),
          ...(profile ? { profile: true } : {}),
        },
        run: {
          iterations: run.iterations,
          loadMs: run.loadMs,
          peakRssBytes: run.peakRssBytes,
          executionProvider: run.executionProvider,
          providers: [...run.providers],
          cancelled: run.cancelled,
          ...(run.profile ? { profile: run.profile.map((p) => ({ op: p.op, name: p.name, totalUs: p.totalUs, count: p.count })) } : {}),
        },
        stats,
        verdict: judgement.verdict,
        reasons: [...judgement.reasons],
        baselineBundle: library ? { id: library.id, label: library.label } : null,
        samplesUs: Array.from(samplesUs),
      });
    },
    'bench.cancel': async ({ deviceId, runId }) => {
      const entry =
        deviceId !== undefined ? running.get(deviceId) : [...running.values()].find((r) => runId !== undefined && r.runId === runId);
      if (entry === undefined || (runId !== undefined && entry.runId !== null && entry.runId !== runId)) {
        if (deviceId === undefined)
          throw new ApiError('unknown_bench_run', `no benchmark run ${runId ?? ''} is in progress`, 'It may have ended already.');
        return { deviceId, runId: runId ?? null, cancelled: false };
      }
      entry.cancelRequested = true;
      sendCancel(entry);
      return { deviceId: entry.deviceId, runId: entry.runId, cancelled: true };
    },
    'bench.list': async ({ deviceId }) => deps.results.listRuns(deviceId),
    'bench.get': async ({ id }) => {
      const run = deps.results.getRun(id);
      if (run === null) throw new ApiError('unknown_bench_run', `there is no stored benchmark run ${id}`, 'Pick a run from the list.');
      return run;
    },
    'bench.export': async ({ id, format }) => {
      const run = deps.results.getRun(id);
      if (run === null) throw new ApiError('unknown_bench_run', `there is no stored benchmark run ${id}`, 'Pick a run from the list.');
      const diagnoses = deps.results.listDiagnoses(run.deviceId);
      // The diagnosis of this very model if there is one, else the gateway's latest.
      const diagnosis =
        diagnoses.find((d) => d.gatewayModelSha256 === run.model.sha256 || d.bundleModelSha256 === run.model.sha256) ??
        diagnoses[0] ??
        null;
      const report = buildBenchReport({ run, diagnosis, appVersion, now: Date.now() });
      return {
        id,
        format,
        fileName: benchReportFileName(report, format),
        mediaType: format === 'html' ? 'text/html; charset=utf-8' : 'application/json',
        content: format === 'html' ? renderBenchReportHtml(report) : `${JSON.stringify(report, null, 2)}\n`,
      };
    },
    'diagnose.run': async ({ deviceId, bundleId }) => {
      deps.requireDevice(deviceId);
      const bundle = await referenceBundle(deps, bundleId);
      const { manifest } = bundle;
      const { descriptor, diagnosis } = await deps.withGateway(deviceId, async ({ peer, descriptor }) => {
        const installed = descriptor.models.find((m) => m.name === manifest.name && m.version === manifest.version);
        const result = await diagnose({
          manifest,
          payloads: bundle.payloads,
          gatewayModelSha256: installed?.sha256 ?? null,
          infer: inferOnGateway(peer, { name: manifest.name, version: manifest.version }),
        });
        return { descriptor, diagnosis: result };
      });
      return deps.results.addDiagnosis({
        deviceId,
        deviceName: descriptor.name,
        bundleId,
        bundleLabel: bundle.label,
        verdict: diagnosis.verdict,
        ok: diagnosis.ok,
        explanation: diagnosis.explanation,
        cases: diagnosis.cases,
        failedCases: diagnosis.failedCases,
        comparisons: diagnosis.comparisons.map(comparisonShape),
        bundleModelSha256: diagnosis.bundleModelSha256 ?? bundleModelSha256(manifest),
        gatewayModelSha256: diagnosis.gatewayModelSha256,
        notes: [...diagnosis.notes],
      });
    },
    'diagnose.list': async ({ deviceId }) => deps.results.listDiagnoses(deviceId),
  };
}
