/**
 * Which gateways and models the Benchmark view offers, and which library bundle holds a model.
 *
 * Pure (no DOM) so the unit tests run it under Node.
 */
import type { BundleSummary, Device } from '../../core/api/schemas.js';

export interface BenchSettingsInput {
  readonly warmup: number;
  readonly iterations: number;
  /** null: the gateway chooses (its own intra-op default). */
  readonly threads: number | null;
}

export const DEFAULT_SETTINGS: BenchSettingsInput = { warmup: 10, iterations: 200, threads: null };

export type GatewayChoice = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** A gateway can be benchmarked when it answers now and has said which models it holds. */
export function gatewayChoice(device: Device): GatewayChoice {
  if (device.state !== 'online') return { ok: false, reason: 'not answering — reconnect it first' };
  if (device.descriptor === undefined) return { ok: false, reason: 'has not described itself yet — open it in Devices' };
  if (device.descriptor.models.length === 0) return { ok: false, reason: 'no model installed — flash a model bundle first' };
  return { ok: true };
}

export function modelKey(m: { readonly name: string; readonly version: string }): string {
  return `${m.name}@${m.version}`;
}

/** The verified model bundle in the library whose manifest names this model (diagnose needs its golden data). */
export function bundleForModel(
  bundles: readonly BundleSummary[],
  model: { readonly name: string; readonly version: string },
): BundleSummary | undefined {
  return bundles.find((b) => b.status === 'verified' && b.kind === 'model' && b.name === model.name && b.version === model.version);
}

export type SettingsCheck =
  | { readonly ok: true; readonly value: BenchSettingsInput }
  | { readonly ok: false; readonly field: 'warmup' | 'iterations' | 'threads'; readonly message: string };

function wholeNumber(text: string): number | null {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : null;
}

/** The settings form's text fields, checked with the same limits as `bench.run`. */
export function parseSettings(warmup: string, iterations: string, threads: string): SettingsCheck {
  const w = wholeNumber(warmup);
  if (w === null || w > 100_000) return { ok: false, field: 'warmup', message: 'Warm-up is a whole number from 0 to 100000.' };
  const i = wholeNumber(iterations);
  if (i === null || i < 1 || i > 100_000)
    return { ok: false, field: 'iterations', message: 'Iterations is a whole number from 1 to 100000.' };
  const tt = threads.trim();
  if (tt === '' || tt.toLowerCase() === 'auto') return { ok: true, value: { warmup: w, iterations: i, threads: null } };
  const t = wholeNumber(tt);
  if (t === null || t < 1 || t > 256) return { ok: false, field: 'threads', message: 'Threads is "auto" or a whole number from 1 to 256.' };
  return { ok: true, value: { warmup: w, iterations: i, threads: t } };
}

export type RunMode = 'iterations' | 'duration';

/** The settings form as typed: text fields, the mode, the provider ('' = the gateway's default) and the profile box. */
export interface BenchForm {
  readonly warmup: string;
  readonly iterations: string;
  readonly threads: string;
  readonly mode: RunMode;
  /** Seconds, when mode is 'duration'. */
  readonly durationS: string;
  readonly provider: string;
  readonly profile: boolean;
}

/** What `bench.run` is asked for. */
export interface RunSettings {
  readonly warmup: number;
  /** null for a run of a set duration. */
  readonly iterations: number | null;
  readonly durationMs: number | null;
  readonly threads: number | null;
  readonly executionProvider: string | null;
  readonly profile: boolean;
}

export type RunSettingsCheck =
  | { readonly ok: true; readonly value: RunSettings }
  | { readonly ok: false; readonly field: 'warmup' | 'iterations' | 'threads' | 'duration'; readonly message: string };

/** The whole form, checked with the limits of `bench.run`; the iteration count is ignored in duration mode. */
export function parseRunSettings(form: BenchForm): RunSettingsCheck {
  // In duration mode the iterations field is not asked for; any valid count stands in for the check.
  const base = parseSettings(form.warmup, form.mode === 'duration' ? '1' : form.iterations, form.threads);
  if (!base.ok) return base;
  let durationMs: number | null = null;
  if (form.mode === 'duration') {
    const text = form.durationS.trim().replace(',', '.');
    const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
    if (!(seconds > 0) || seconds > 3600)
      return { ok: false, field: 'duration', message: 'Run for a number of seconds above 0 and at most 3600 (one hour).' };
    durationMs = Math.max(1, Math.round(seconds * 1000));
  }
  const provider = form.provider.trim();
  return {
    ok: true,
    value: {
      warmup: base.value.warmup,
      iterations: form.mode === 'duration' ? null : base.value.iterations,
      durationMs,
      threads: base.value.threads,
      executionProvider: provider === '' ? null : provider,
      profile: form.profile,
    },
  };
}

export interface ProviderOption {
  /** '' for the gateway's default (cpu). */
  readonly value: string;
  readonly label: string;
  readonly disabled: boolean;
}

/**
 * The execution providers to offer: the default (cpu), those the gateway reported in its last run
 * (onnxruntime's names, what `bench.run` accepts), and its accelerators from the descriptor —
 * listed, but only choosable once the gateway has reported a provider for them.
 */
export function providerChoices(
  accelerators: readonly { readonly kind: string; readonly name: string }[],
  reported: readonly string[] | null,
): readonly ProviderOption[] {
  const options: ProviderOption[] = [{ value: '', label: 'cpu (the default)', disabled: false }];
  const others = (reported ?? []).filter((p) => p !== 'cpu');
  for (const p of others) options.push({ value: p, label: p, disabled: false });
  for (const a of accelerators) {
    const known = others.some((p) => p.toLowerCase() === a.kind.toLowerCase() || p.toLowerCase() === a.name.toLowerCase());
    if (known) continue;
    options.push({
      value: `accelerator:${a.name}`,
      label:
        reported === null
          ? `${a.name} (${a.kind}) — run once first: the gateway then reports its onnxruntime providers`
          : `${a.name} (${a.kind}) — not an onnxruntime provider on this gateway (it has ${reported.join(', ')})`,
      disabled: true,
    });
  }
  return options;
}

export interface ReferenceOption {
  readonly bundle: BundleSummary;
  /** The bundle's model file SHA-256; undefined while its manifest is being read, null if it has none. */
  readonly modelSha256: string | null | undefined;
  /** Whether the bundle holds the very model file the gateway reports installed. */
  readonly holdsInstalled: boolean;
  readonly label: string;
}

/**
 * The verified model bundles a diagnosis may compare with: every one holding a model of that
 * name. The one holding the installed model file (same SHA-256) leads and is the default; then
 * those of the same version; the others follow, labelled so the wrong choice reads as such.
 */
export function referenceBundles(
  bundles: readonly BundleSummary[],
  model: { readonly name: string; readonly version: string; readonly sha256: string },
  modelShas: Readonly<Record<string, string | null>>,
): { readonly options: readonly ReferenceOption[]; readonly defaultId: string | null } {
  const rank = (o: ReferenceOption): number => (o.holdsInstalled ? 0 : o.bundle.version === model.version ? 1 : 2);
  const options = bundles
    .filter((b) => b.status === 'verified' && b.kind === 'model' && b.name === model.name)
    .map((bundle): ReferenceOption => {
      const sha = bundle.id in modelShas ? modelShas[bundle.id] : undefined;
      const holdsInstalled = sha === model.sha256;
      // What matters first: a narrow select cuts the end of the label off.
      const what =
        sha === undefined
          ? 'Reading its manifest…'
          : sha === null
            ? 'Holds no model file'
            : holdsInstalled
              ? `Holds the installed model (${sha.slice(0, 12)}…)`
              : `Another model file than the installed one (${sha.slice(0, 12)}…)`;
      return { bundle, modelSha256: sha, holdsInstalled, label: `${what} — ${bundle.fileName} · ${bundle.version ?? ''}` };
    })
    .sort((a, b) => rank(a) - rank(b) || b.bundle.importedAt - a.bundle.importedAt || a.bundle.fileName.localeCompare(b.bundle.fileName));
  return { options, defaultId: options[0]?.bundle.id ?? null };
}
