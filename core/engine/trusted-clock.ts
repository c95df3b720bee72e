/**
 * The laptop's clock as bundle checks see it: its own time plus the trusted-time floor, and the
 * two kinds of evidence that raise that floor.
 *
 * Evidence counts only when something vouches for it: a bundle's `created` time once the
 * bundle's signatures met the threshold (and it was not judged to come from the future), and a
 * gateway's `trustedTime` once that gateway proved it holds its key and passed the pin check
 * (every session the engine opens does both before the descriptor is used).
 */
import type { DeviceDescriptor } from '../api/schemas.js';
import type { Clock, VerifyReport } from '../bundle/index.js';
import type { TrustedTimeStore } from '../store/trusted-time.js';

export function laptopClock(store: TrustedTimeStore | undefined, now: number): Clock {
  const floor = store?.floor() ?? null;
  return floor === null ? { now, trustedTimeFloor: null } : { now, trustedTimeFloor: floor.at, trustedTimeSource: floor.source };
}

/** The signed creation time of a bundle whose signatures are trusted; null otherwise. */
export function signedCreatedTime(report: VerifyReport): number | null {
  if (report.manifest === null) return null;
  const signed = report.checks.some((c) => c.id === 'threshold' && c.status === 'pass');
  // A bundle "from the future" says more about its signer's clock than about the time now.
  const future = report.checks.some((c) => c.code === 'not_yet_valid');
  if (!signed || future) return null;
  const created = Date.parse(report.manifest.created);
  return Number.isFinite(created) ? created : null;
}

export function recordBundleTime(store: TrustedTimeStore | undefined, report: VerifyReport): boolean {
  if (store === undefined || report.manifest === null) return false;
  const created = signedCreatedTime(report);
  return created !== null && store.observe(created, `the signed creation time of ${report.manifest.name} ${report.manifest.version}`);
}

export function recordGatewayTime(store: TrustedTimeStore | undefined, descriptor: DeviceDescriptor): boolean {
  if (store === undefined || descriptor.trustedTime === undefined) return false;
  return store.observe(descriptor.trustedTime, `gateway ${descriptor.name} (${descriptor.id.slice(0, 12)}…)`);
}
