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
