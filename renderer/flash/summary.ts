/**
 * "Exactly what changes" before anything is written (UX.md, safe by default): per gateway its
 * name, id, the version it runs now, the version it will run, and where the bundle is written.
 *
 * Pure (no React, no DOM) so the unit tests run it under Node. Built from what the laptop knows
 * (the gateway's descriptor from its last `hello`) and, when the engine offers it, refined by
 * `flash.plan`, which asks again just before the job starts.
 */
import type { BundleKindName, BundleSummary, Device, FlashPlan } from '../../core/api/schemas.js';

export interface SummaryRow {
  readonly deviceId: string;
  /** The first 12 hex digits, as the demo and the CLI print it; the full id is copyable beside it. */
  readonly shortId: string;
  readonly name: string;
  /** What the gateway runs now; null when it has none installed or it was never read. */
  readonly fromVersion: string | null;
  readonly fromText: string;
  readonly toVersion: string;
  /** The A/B slot written for OS images and firmware (always the inactive one); null for models. */
  readonly slot: 'a' | 'b' | null;
  /** Where the bundle lands, in words: "slot B (inactive; A stays as it is)", "model store". */
  readonly whereText: string;
  /** False when the engine's last look says this gateway would be skipped. */
  readonly willFlash: boolean;
  readonly notes: readonly { readonly code: string; readonly message: string }[];
}

export interface FlashSummary {
  readonly bundleName: string;
  readonly bundleKind: BundleKindName | null;
  readonly toVersion: string;
  readonly rows: readonly SummaryRow[];
  /** Gateways that will actually be flashed. */
  readonly count: number;
  /** The label of the one button that starts the job: "Flash 2 gateways". */
  readonly buttonLabel: string;
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

export function inactiveSlot(active: 'a' | 'b'): 'a' | 'b' {
  return active === 'a' ? 'b' : 'a';
}

function installedVersion(device: Device, bundle: BundleSummary): string | null {
  const d = device.descriptor;
  if (bundle.kind === 'model') {
    if (d === undefined) return null;
    return d.models.find((m) => m.name === bundle.name)?.version ?? null;
  }
  return d?.firmware.version ?? (device.firmware === '' ? null : device.firmware);
}

function fromText(device: Device, bundle: BundleSummary, version: string | null): string {
  if (version !== null) return version;
  if (bundle.kind === 'model') return device.descriptor === undefined ? 'unknown (gateway not read yet)' : 'not installed';
  return 'unknown (gateway not read yet)';
}

function where(device: Device, kind: BundleKindName | null): { slot: 'a' | 'b' | null; text: string } {
  if (kind === 'model') return { slot: null, text: 'model store (the running slot is not touched)' };
  const active = device.descriptor?.firmware.activeSlot;
  if (active === undefined) return { slot: null, text: 'the inactive slot (read when the job starts)' };
  const slot = inactiveSlot(active);
  return { slot, text: `slot ${slot.toUpperCase()} (inactive; ${active.toUpperCase()} keeps running until the new one is healthy)` };
}

export function buildSummary(
  bundle: BundleSummary,
  devices: readonly Device[],
  chosen: readonly string[],
  plan: FlashPlan | null,
): FlashSummary {
  const byId = new Map(devices.map((d) => [d.id, d]));
  const planned = new Map((plan?.targets ?? []).map((t) => [t.deviceId, t]));
  const toVersion = bundle.version ?? 'unknown';
  const rows: SummaryRow[] = [];
  for (const id of chosen) {
    const device = byId.get(id);
    if (device === undefined) continue;
    const p = planned.get(id);
    const known = installedVersion(device, bundle);
    const from = p?.fromVersion ?? known;
    const to = p?.toVersion ?? toVersion;
    const place = where(device, bundle.kind);
    const notes: { code: string; message: string }[] = [];
    if (p !== undefined && !p.compatible && p.reason !== null) notes.push(p.reason);
    if (from !== null && from === to) notes.push({ code: 'same_version', message: `${to} is already installed; this is a reinstall.` });
    if (device.state === 'lost')
      notes.push({ code: 'not_seen_lately', message: 'Not seen lately; the job fails for it if it does not answer.' });
    rows.push({
      deviceId: id,
      shortId: shortId(id),
      name: p?.deviceName ?? device.name,
      fromVersion: from,
      fromText: fromText(device, bundle, from),
      toVersion: to,
      slot: place.slot,
      whereText: place.text,
      willFlash: p === undefined || p.compatible,
      notes,
    });
  }
  const count = rows.filter((r) => r.willFlash).length;
  return {
    bundleName: bundle.name ?? bundle.fileName,
    bundleKind: bundle.kind,
    toVersion,
    rows,
    count,
    buttonLabel: `Flash ${count} gateway${count === 1 ? '' : 's'}`,
  };
}
