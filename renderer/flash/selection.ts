/**
 * Which bundles and gateways the technician may choose, and which are chosen for them.
 *
 * Pure (no React, no DOM, no store) so the unit tests run it under Node. Safe by default
 * (UX.md): only a verified bundle and only a gateway the bundle was judged compatible with can be
 * chosen; everything else stays visible with the reason and its code next to it.
 */
import type { BundleCheck, BundleSummary, BundleTargetCheck, Device } from '../../core/api/schemas.js';
import type { UiError } from '../services/ui-error.js';
import { gatewayVerdict } from '../bundles/format.js';

export type Load<T> =
  | { readonly status: 'idle' }
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly value: T }
  | { readonly status: 'error'; readonly error: UiError };

export interface BundleChoice {
  readonly choosable: boolean;
  /** Why not, for a bundle that cannot be chosen: the sentence and the code for support. */
  readonly reason: { readonly code: string; readonly message: string } | null;
}

export function bundleChoice(bundle: BundleSummary): BundleChoice {
  if (bundle.status === 'refused')
    return {
      choosable: false,
      reason: bundle.reason ?? { code: 'bundle_refused', message: 'This bundle failed verification; open it in Bundles for the report.' },
    };
  if (bundle.kind === null || bundle.version === null)
    return { choosable: false, reason: { code: 'manifest_unreadable', message: 'The bundle has no readable kind or version.' } };
  return { choosable: true, reason: null };
}

/** Verified bundles first (newest import first), then refused ones, so the choosable ones lead. */
export function orderBundles(bundles: readonly BundleSummary[]): readonly BundleSummary[] {
  return [...bundles].sort((a, b) => {
    const ca = bundleChoice(a).choosable ? 0 : 1;
    const cb = bundleChoice(b).choosable ? 0 : 1;
    return ca - cb || b.importedAt - a.importedAt || a.fileName.localeCompare(b.fileName);
  });
}

export type GatewayKind = 'idle' | 'checking' | 'compatible' | 'warning' | 'incompatible' | 'unreachable';

export interface GatewayEligibility {
  readonly kind: GatewayKind;
  readonly choosable: boolean;
  /** Whether it is chosen without the technician asking (compatible and seen lately). */
  readonly preselect: boolean;
  /** One line next to the gateway: "Compatible", "Not compatible: …", "Could not be checked: …". */
  readonly text: string;
  /** The reason code of a refusal or failure, shown next to the sentence. */
  readonly code: string | null;
  /** What the technician should do when the gateway could not be checked. */
  readonly fix: string | null;
  /** Other warnings worth reading (clock uncertainty, "not seen lately"). */
  readonly notes: readonly string[];
}

const LOST_NOTE = 'Not seen lately: the gateway may be switched off or unplugged. Choose it only if you know it is reachable.';

function notesOf(checks: readonly BundleCheck[]): string[] {
  return checks.map((c) => c.message);
}

/** What one bundles.check result (or its absence) means for choosing this gateway. */
export function gatewayEligibility(device: Pick<Device, 'state'>, load: Load<BundleTargetCheck> | undefined): GatewayEligibility {
  const lost = device.state === 'lost';
  const extra = lost ? [LOST_NOTE] : [];
  if (load === undefined || load.status === 'idle')
    return { kind: 'idle', choosable: false, preselect: false, text: 'Not checked yet', code: null, fix: null, notes: extra };
  if (load.status === 'loading')
    return { kind: 'checking', choosable: false, preselect: false, text: 'Checking…', code: null, fix: null, notes: extra };
  if (load.status === 'error')
    return {
      kind: 'unreachable',
      choosable: false,
      preselect: false,
      text: `Could not be checked: ${load.error.message}`,
      code: load.error.code,
      fix: load.error.fix ?? null,
      notes: extra,
    };
  const v = gatewayVerdict(load.value);
  const notes = [...notesOf(v.notes), ...extra];
  switch (v.verdict) {
    case 'incompatible':
      return { kind: 'incompatible', choosable: false, preselect: false, text: v.text, code: v.code, fix: null, notes };
    case 'warning':
      // A reinstall of the same version is allowed, but never chosen for the technician.
      return { kind: 'warning', choosable: true, preselect: false, text: v.text, code: 'same_version', fix: null, notes };
    case 'compatible':
      return { kind: 'compatible', choosable: true, preselect: !lost, text: v.text, code: null, fix: null, notes };
  }
}

/**
 * The chosen gateways plus the ones the technician changed by hand: a check result that arrives
 * later may add a gateway the technician has not touched, never one they unticked.
 */
export interface Selection {
  readonly selected: ReadonlySet<string>;
  readonly touched: ReadonlySet<string>;
}

export const EMPTY_SELECTION: Selection = { selected: new Set(), touched: new Set() };

/** Applies a fresh eligibility for one gateway: preselect if untouched, drop if no longer choosable. */
export function applyEligibility(selection: Selection, deviceId: string, eligibility: GatewayEligibility): Selection {
  const selected = new Set(selection.selected);
  if (!eligibility.choosable) selected.delete(deviceId);
  else if (eligibility.preselect && !selection.touched.has(deviceId)) selected.add(deviceId);
  return { selected, touched: selection.touched };
}

/** The technician ticks or unticks a gateway; one that cannot be chosen stays as it is. */
export function toggleGateway(selection: Selection, deviceId: string, eligibility: GatewayEligibility): Selection {
  if (!eligibility.choosable) return selection;
  const selected = new Set(selection.selected);
  if (selected.has(deviceId)) selected.delete(deviceId);
  else selected.add(deviceId);
  return { selected, touched: new Set(selection.touched).add(deviceId) };
}

/** Only the chosen gateways that are still choosable and still known count. */
export function chosenIds(
  selection: Selection,
  devices: readonly Pick<Device, 'id' | 'state'>[],
  checks: ReadonlyMap<string, Load<BundleTargetCheck>>,
): readonly string[] {
  return devices.filter((d) => selection.selected.has(d.id) && gatewayEligibility(d, checks.get(d.id)).choosable).map((d) => d.id);
}

export interface CheckTally {
  readonly checking: number;
  readonly compatible: number;
  readonly incompatible: number;
  readonly unreachable: number;
}

export function tallyChecks(
  devices: readonly Pick<Device, 'id' | 'state'>[],
  checks: ReadonlyMap<string, Load<BundleTargetCheck>>,
): CheckTally {
  let checking = 0;
  let compatible = 0;
  let incompatible = 0;
  let unreachable = 0;
  for (const d of devices) {
    const e = gatewayEligibility(d, checks.get(d.id));
    if (e.kind === 'checking' || e.kind === 'idle') checking++;
    else if (e.choosable) compatible++;
    else if (e.kind === 'incompatible') incompatible++;
    else unreachable++;
  }
  return { checking, compatible, incompatible, unreachable };
}

/**
 * Runs `work` for every item with at most `limit` running at once (each check may open a session
 * with a gateway, and serial lines are slow). Resolves when all are done; `work` reports its own errors.
 */
export async function runLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.max(0, Math.min(limit, items.length)) }, worker));
}
