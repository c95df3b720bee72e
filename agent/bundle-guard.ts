/**
 * The gateway's own bundle checks: it never relies on the laptop's verdict.
 *
 * The laptop is only a carrier. Before installing, the gateway verifies the bundle itself with
 * its own trusted signers (trusted-signers.json), its own hardware (device.json), the security
 * counter it persisted for the bundle's kind, and its clock floored by the trusted time it
 * persisted (bundle-guard.json). So a wiped laptop cannot push a bundle older than one already
 * installed, and a clock set back cannot revive an expired one. Only a confirmed install moves
 * the counter and the floor forward (`commitInstalled`).
 */
import {
  checkCompatibility,
  checkValidity,
  fail,
  firstFailure,
  manifestSchema,
  pass,
  verifyBundle,
  warn,
  type Check,
  type Clock,
  type Manifest,
  type Target,
  type TrustPolicy,
  type VerifyReport,
} from '../core/bundle/index.js';
import { BundleGuardStore, type CommitResult, type GuardSnapshot } from './bundle-state.js';
import { loadGatewayTrust } from './bundle-trust.js';
import { firmwareVersion, type DeviceFile } from './state-schema.js';

/** What the gateway judged with, so a refusal can be explained on the laptop. */
export interface GatewayContext {
  readonly model: string;
  readonly hardwareRevision: string;
  /** The persisted counter for the bundle's kind (0 when the kind was never installed). */
  readonly securityCounter: number | null;
  /** The gateway clock when it checked. */
  readonly clock: number;
  readonly trustedTimeFloor: number | null;
  /** The time expiry was judged at: the later of the clock and the floor. */
  readonly judgedAt: number;
  readonly signersConfigured: boolean;
}

export interface GatewayVerifyReport extends VerifyReport {
  readonly gateway: GatewayContext;
}

export interface GatewayCheckOptions {
  /** The signers the gateway trusts (never the laptop's). */
  readonly policy: TrustPolicy;
  readonly state: GuardSnapshot;
  readonly device: DeviceFile;
  /** The gateway clock, ms since the epoch. Default: Date.now(). */
  readonly now?: number;
  /** False when the gateway has no trusted-signers.json; the refusal then says how to fix it. */
  readonly signersConfigured?: boolean;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** The gateway's clock line: its clock against the floor it persisted itself. */
export function checkGatewayClock(state: GuardSnapshot, now: number): Check {
  const floor = state.trustedTimeFloor;
  if (floor === null)
    return warn(
      'clock',
      'clock_uncertain',
      `this gateway has no confirmed install yet, so expiry is judged by its clock alone (${iso(now)}); after the first install it keeps a trusted-time floor`,
    );
  const source =
    state.floorSource === 'bundle-created'
      ? 'the creation time of the newest bundle it installed'
      : 'its clock at its last confirmed install';
  if (now < floor)
    return warn(
      'clock',
      'clock_uncertain',
      `the gateway clock (${iso(now)}) is behind its trusted-time floor (${iso(floor)}, ${source}); it may have been set back, so expiry is judged against the floor. Set the gateway clock`,
    );
  return pass('clock', `the gateway clock (${iso(now)}) is not behind its trusted-time floor (${iso(floor)}, ${source})`);
}

/** The gateway as a policy target: its hardware and the counter it persisted for this kind. */
export function gatewayTarget(manifest: Manifest, device: DeviceFile, state: GuardSnapshot): Target {
  return {
    model: device.model,
    hardwareRevision: device.hardwareRevision,
    securityCounter: state.counters[manifest.kind],
    firmwareVersion: firmwareVersion(device),
    models: device.models.map((m) => ({ name: m.name, version: m.version })),
  };
}

/** Expiry judged at the later of the gateway clock and its persisted floor. Pure. */
export function gatewayValidity(manifest: Manifest, state: GuardSnapshot, now: number): Check {
  const clock: Clock = { now, trustedTimeFloor: state.trustedTimeFloor };
  const check = checkValidity(manifest, clock);
  return {
    ...check,
    message: check.message
      .replace('the last trusted time, later than the laptop clock', "the gateway's trusted-time floor, later than its clock")
      .replaceAll('laptop clock', 'gateway clock'),
  };
}

/**
 * Verifies `file` as this gateway: signatures against its own signers, every payload hashed,
 * then its hardware, persisted counter and floored clock. Never throws for a bad bundle.
 */
export async function checkBundleOnGateway(file: string, options: GatewayCheckOptions): Promise<GatewayVerifyReport> {
  const now = options.now ?? Date.now();
  const floor = options.state.trustedTimeFloor;
  const judgedAt = floor === null ? now : Math.max(now, floor);
  // Signatures, archive and payloads are checked by the shared verifier; the policy part is
  // done here with the gateway's own state, because the counter depends on the bundle's kind.
  const report = await verifyBundle(file, options.policy, { now: judgedAt });
  const manifest = report.manifest;
  const signed = manifest !== null && !report.checks.some((c) => (c.id === 'signature' || c.id === 'threshold') && c.status === 'fail');
  let checks: Check[] = [...report.checks];
  if (manifest) {
    // The shared verifier judged expiry with laptop wording; the gateway's lines take its place.
    const clockChecks = [checkGatewayClock(options.state, now), gatewayValidity(manifest, options.state, now)];
    const at = checks.findIndex((c) => c.id === 'validity');
    checks = checks.filter((c) => c.id !== 'validity' && c.id !== 'clock');
    checks.splice(at < 0 ? checks.length : at, 0, ...clockChecks);
  }
  // Hardware, counter and version only mean something for a manifest the gateway's signers vouch for.
  if (signed) checks.push(...checkCompatibility(manifest, gatewayTarget(manifest, options.device, options.state)));
  if (options.signersConfigured === false)
    checks.unshift(
      fail(
        'signature',
        'key_unknown',
        "this gateway has no trusted-signers.json, so it trusts no signer and refuses every bundle; install the organisation's signer list in its state directory",
      ),
    );
  const failure = firstFailure(checks);
  return {
    ...report,
    ok: failure === null,
    checks,
    firstFailure: failure,
    gateway: {
      model: options.device.model,
      hardwareRevision: options.device.hardwareRevision,
      securityCounter: manifest ? options.state.counters[manifest.kind] : null,
      clock: now,
      trustedTimeFloor: floor,
      judgedAt,
      signersConfigured: options.signersConfigured ?? true,
    },
  };
}

/** The guard of one running agent: its state directory, its device, its clock. */
export interface BundleGuard {
  /** Re-reads trusted-signers.json on every call, so a new signer list needs no restart. */
  check(file: string): Promise<GatewayVerifyReport>;
  /** Call once the install is confirmed (after a trial boot for images); raises counter and floor. */
  commitInstalled(manifest: Manifest): Promise<CommitResult>;
  snapshot(): GuardSnapshot;
}

export interface BundleGuardOptions {
  readonly stateDir: string;
  /** The device as it is now (it changes on install and activate). */
  readonly device: () => DeviceFile;
  /** The gateway clock; tests move it. Default: Date.now. */
  readonly clock?: () => number;
}

/** Opens the guard; throws StateError if bundle-guard.json is damaged (every bundle is then refused). */
export async function openBundleGuard(options: BundleGuardOptions): Promise<BundleGuard> {
  const store = await BundleGuardStore.open(options.stateDir);
  const clock = options.clock ?? Date.now;
  return {
    async check(file: string): Promise<GatewayVerifyReport> {
      const trust = await loadGatewayTrust(options.stateDir);
      return checkBundleOnGateway(file, {
        policy: trust.policy,
        state: store.snapshot(),
        device: options.device(),
        now: clock(),
        signersConfigured: trust.configured,
      });
    },
    async commitInstalled(manifest: Manifest): Promise<CommitResult> {
      // The manifest may come back across a reboot (A/B trial boot), so it is re-validated here.
      const parsed = manifestSchema.safeParse(manifest);
      if (!parsed.success)
        throw new Error(`refusing to record an install: the manifest is not valid (${parsed.error.issues[0]?.message ?? 'invalid'})`);
      return store.commit(parsed.data, clock());
    },
    snapshot: () => store.snapshot(),
  };
}
