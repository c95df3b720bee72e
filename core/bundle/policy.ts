/**
 * "May this bundle go on this gateway, now?" — pure checks against a target descriptor and a clock.
 *
 * The laptop clock is not trusted on its own: the clock carries the last trusted time seen (from
 * a gateway or a network), and expiry is judged against whichever is later, so setting the laptop
 * back cannot revive an expired bundle. The gateway repeats these checks with its own persisted
 * counter and time floor; these exist so the technician learns the answer before sending a byte.
 */
import type { Manifest } from './manifest.js';
import { fail, pass, warn, type Check } from './reasons.js';

export interface Target {
  readonly model: string;
  readonly hardwareRevision: string;
  /** The highest security counter the gateway has accepted. */
  readonly securityCounter: number;
  readonly firmwareVersion: string;
  readonly models: readonly { readonly name: string; readonly version: string }[];
}

export interface Clock {
  /** The laptop's clock, ms since the epoch. */
  readonly now: number;
  /** The latest time known from a trusted source (a gateway, a signed timestamp), or null. */
  readonly trustedTimeFloor: number | null;
  /** Where the floor came from ("gateway gw-01", a bundle's signed creation time), for the clock line. */
  readonly trustedTimeSource?: string;
}

/** Past this age the last trusted time says little about the laptop clock. */
export const CLOCK_STALE_MS = 30 * 24 * 3600 * 1000;
/** Ordinary clock skew between the signer's machine and the laptop. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** The time expiry is judged against: never earlier than the last trusted time. */
export function effectiveNow(clock: Clock): number {
  return clock.trustedTimeFloor === null ? clock.now : Math.max(clock.now, clock.trustedTimeFloor);
}

export function checkClock(clock: Clock): Check {
  const { now, trustedTimeFloor: floor } = clock;
  const from = clock.trustedTimeSource === undefined ? '' : `, from ${clock.trustedTimeSource}`;
  if (floor === null)
    return warn(
      'clock',
      'clock_uncertain',
      `no trusted time has been recorded yet, so expiry is judged by the laptop clock alone (${iso(now)}); if it is wrong, an expired bundle could look valid. Connecting to a gateway records a trusted time`,
    );
  if (now < floor)
    return warn(
      'clock',
      'clock_uncertain',
      `the laptop clock (${iso(now)}) is ${duration(floor - now)} behind the last trusted time (${iso(floor)}${from}); it may have been set back. Expiry is judged against the trusted time instead. Correct the laptop clock`,
    );
  if (now - floor > CLOCK_STALE_MS)
    return warn(
      'clock',
      'clock_uncertain',
      `the last trusted time is ${duration(now - floor)} old (${iso(floor)}${from}), so the laptop clock (${iso(now)}) could be off by up to that much; expiry is judged by the laptop clock. Connect to a gateway to refresh the trusted time`,
    );
  return pass('clock', `the laptop clock agrees with the last trusted time (${duration(now - floor)} ago)`);
}

/** Expiry and creation time, without the clock line (verifyBundle adds that when a clock is given). */
export function checkValidity(manifest: Manifest, clock: Clock): Check {
  const at = effectiveNow(clock);
  const expires = Date.parse(manifest.expires);
  const created = Date.parse(manifest.created);
  if (at >= expires)
    return fail(
      'validity',
      'expired',
      `the bundle expired on ${iso(expires)}, ${duration(at - expires)} ago${at !== clock.now ? ' (judged by the last trusted time, later than the laptop clock)' : ''}. Get the current release from its publisher`,
    );
  if (created > at + CLOCK_SKEW_MS)
    return fail(
      'validity',
      'not_yet_valid',
      `the bundle says it was created on ${iso(created)}, ${duration(created - at)} in the future by this clock (${iso(at)}). Either the laptop clock is wrong (fix it) or the bundle was signed on a machine with a wrong clock (ask for it to be re-signed)`,
    );
  return pass('validity', `valid until ${iso(expires)} (${duration(expires - at)} left)`);
}

/** Hardware, anti-rollback counter and reinstall checks against one gateway. */
export function checkCompatibility(manifest: Manifest, target: Target): Check[] {
  const checks: Check[] = [];
  const hw = manifest.hardware.find((h) => h.model === target.model);
  const supported = manifest.hardware
    .map((h) => (h.revisions.length ? `${h.model} (rev ${h.revisions.join(', ')})` : `${h.model} (any revision)`))
    .join('; ');
  if (!hw)
    checks.push(
      fail(
        'hardware',
        'hardware_incompatible',
        `this bundle is for ${supported}; this gateway is model ${target.model} rev ${target.hardwareRevision}. Pick the bundle built for this model`,
      ),
    );
  else if (hw.revisions.length && !hw.revisions.includes(target.hardwareRevision))
    checks.push(
      fail(
        'hardware',
        'hardware_incompatible',
        `this bundle supports ${target.model} revisions ${hw.revisions.join(', ')}; the gateway is revision ${target.hardwareRevision}. Pick the bundle built for this revision`,
      ),
    );
  else checks.push(pass('hardware', `built for ${target.model} rev ${target.hardwareRevision}`));

  if (manifest.securityCounter < target.securityCounter)
    checks.push(
      fail(
        'security-counter',
        'counter_rollback',
        `the bundle's security counter is ${manifest.securityCounter}, below the ${target.securityCounter} the gateway has already accepted; installing it would roll back security fixes, so the gateway would refuse it. Use a newer release`,
      ),
    );
  else checks.push(pass('security-counter', `security counter ${manifest.securityCounter} (gateway at ${target.securityCounter})`));

  const installed = manifest.kind === 'model' ? target.models.find((m) => m.name === manifest.name)?.version : target.firmwareVersion;
  if (installed === manifest.version)
    checks.push(
      warn(
        'version',
        'same_version',
        `${manifest.name} ${manifest.version} is already installed on this gateway; installing it again is a reinstall`,
      ),
    );
  else
    checks.push(
      pass(
        'version',
        installed === undefined ? `installs ${manifest.name} ${manifest.version}` : `replaces ${installed} with ${manifest.version}`,
      ),
    );
  return checks;
}

export function checkTarget(manifest: Manifest, target: Target, clock: Clock): Check[] {
  return [checkClock(clock), checkValidity(manifest, clock), ...checkCompatibility(manifest, target)];
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function duration(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}
