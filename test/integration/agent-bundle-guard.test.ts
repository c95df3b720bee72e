/**
 * The gateway's own bundle checks against real signed bundle files and a real agent state
 * directory: rollback and clock protection that a laptop cannot talk its way around.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openBundleGuard, type BundleGuard, type GatewayVerifyReport } from '../../agent/bundle-guard.js';
import { demoTrustPolicy, ensureDemoSigners, TRUSTED_SIGNERS_FILE } from '../../agent/bundle-trust.js';
import { emulatedDevice } from '../../agent/emulate.js';
import { openState, type AgentState } from '../../agent/state.js';
import type { DeviceSeed } from '../../agent/state-schema.js';
import { createBundle, verifyBundle, type BundleKind, type Manifest, type TrustPolicy } from '../../core/bundle/index.js';
import { identityFromPem, type Ed25519Identity } from '../../core/protocol/identity.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const DAY = 86_400_000;
const T0 = Date.parse('2026-04-01T00:00:00Z');

function demoSigner(name: 'image-signer-1' | 'model-signer'): Ed25519Identity {
  const file = path.join(REPO, 'resources', 'demo', 'signing-keys', `${name}.json`);
  return identityFromPem((JSON.parse(readFileSync(file, 'utf8')) as { privateKeyPem: string }).privateKeyPem);
}

let root: string;
let bundles: string;
let payload: string;
let counter = 0;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fieldline-guard-int-'));
  bundles = path.join(root, 'bundles');
  payload = path.join(root, 'rootfs.img');
  await mkdir(bundles);
  await writeFile(payload, Buffer.alloc(64 * 1024, 0x5a));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

interface BundleSpec {
  readonly kind?: BundleKind;
  readonly version?: string;
  readonly securityCounter: number;
  readonly created: number;
  readonly expires: number;
  readonly hardware?: Manifest['hardware'];
}

/** A real bundle signed with the DEMO image signer, for an EdgeBox X1 (the first emulated gateway). */
async function makeBundle(spec: BundleSpec): Promise<string> {
  const out = path.join(bundles, `b${++counter}.flb`);
  await createBundle({
    manifest: {
      schema: 'fieldline.bundle/v1',
      name: 'EdgeBox OS',
      kind: spec.kind ?? 'os-image',
      version: spec.version ?? `2.5.${counter}`,
      securityCounter: spec.securityCounter,
      hardware: spec.hardware ?? [{ model: 'EdgeBox X1', revisions: ['rev-b', 'rev-c'] }],
      created: new Date(spec.created).toISOString(),
      expires: new Date(spec.expires).toISOString(),
    },
    files: [{ path: 'rootfs.img', source: payload, target: 'slot' }],
    out,
    signers: [demoSigner('image-signer-1')],
  });
  return out;
}

/** A gateway state directory as the emulated agent makes it: device.json, key, demo signers. */
async function gatewayDir(name: string): Promise<{ dir: string; state: AgentState }> {
  const dir = path.join(root, name);
  const state = await openState(dir, { seed: () => emulatedDevice(0, 3) as DeviceSeed });
  await ensureDemoSigners(dir, T0);
  return { dir, state };
}

/** "Starting the agent": a fresh guard over the state directory, with a clock the test sets. */
async function guardOf(dir: string, state: AgentState, clock: { now: number }): Promise<BundleGuard> {
  return openBundleGuard({ stateDir: dir, device: () => state.device, clock: () => clock.now });
}

function codes(report: GatewayVerifyReport): string[] {
  return report.checks.filter((c) => c.status === 'fail').map((c) => c.code ?? '?');
}

describe('gateway bundle guard', () => {
  test('an accepted install raises the counter, which survives a restart and refuses an older bundle', async () => {
    const { dir, state } = await gatewayDir('restart');
    assert.equal(state.device.model, 'EdgeBox X1');
    const clock = { now: T0 + DAY };
    const newer = await makeBundle({ securityCounter: 5, created: T0, expires: T0 + 180 * DAY });
    const older = await makeBundle({ securityCounter: 3, created: T0 - 30 * DAY, expires: T0 + 180 * DAY });

    const first = await guardOf(dir, state, clock);
    const report = await first.check(newer);
    assert.equal(report.ok, true, report.firstFailure?.message);
    assert.equal(report.gateway.securityCounter, 0);
    assert.ok(report.checks.some((c) => c.id === 'security-counter' && c.status === 'pass'));
    assert.ok(report.manifest);
    const committed = await first.commitInstalled(report.manifest);
    assert.equal(committed.after.counters['os-image'], 5);

    // Before the restart the older bundle would still have been fine: the commit is what refuses it.
    const restarted = await guardOf(dir, state, clock);
    assert.equal(restarted.snapshot().counters['os-image'], 5);
    const refused = await restarted.check(older);
    assert.equal(refused.ok, false);
    assert.equal(refused.firstFailure?.code, 'counter_rollback');
    assert.match(refused.firstFailure?.message ?? '', /security counter is 3, below the 5 the gateway has already accepted/);
    assert.equal(refused.gateway.securityCounter, 5);
  });

  test('a wiped laptop that finds the older bundle valid still cannot install it', async () => {
    const { dir, state } = await gatewayDir('wiped-laptop');
    const clock = { now: T0 + DAY };
    const guard = await guardOf(dir, state, clock);
    const v7 = await makeBundle({ securityCounter: 7, created: T0, expires: T0 + 180 * DAY });
    const v6 = await makeBundle({ securityCounter: 6, created: T0, expires: T0 + 180 * DAY });
    const accepted = await guard.check(v7);
    assert.ok(accepted.ok && accepted.manifest);
    await guard.commitInstalled(accepted.manifest);

    // A fresh laptop knows no counter for this gateway: its own verification passes…
    const laptopPolicy: TrustPolicy = demoTrustPolicy(T0);
    const laptop = await verifyBundle(v6, laptopPolicy, { now: clock.now });
    assert.equal(laptop.ok, true, laptop.firstFailure?.message);
    // …but the gateway refuses, from its own persisted state.
    const gateway = await guard.check(v6);
    assert.deepEqual(codes(gateway), ['counter_rollback']);
    // The same counter again is allowed (a reinstall or a re-signed build).
    assert.equal((await guard.check(await makeBundle({ securityCounter: 7, created: T0, expires: T0 + 180 * DAY }))).ok, true);
  });

  test('a gateway clock set back cannot accept a bundle that expired before its trusted-time floor', async () => {
    const { dir, state } = await gatewayDir('backdated');
    const clock = { now: T0 + 60 * DAY };
    const current = await makeBundle({ securityCounter: 1, created: T0, expires: T0 + 365 * DAY });
    const shortLived = await makeBundle({ securityCounter: 2, created: T0, expires: T0 + 30 * DAY });

    // Control: on a gateway with no floor, a clock at day 10 accepts the short-lived bundle.
    const control = await gatewayDir('backdated-control');
    const controlGuard = await guardOf(control.dir, control.state, { now: T0 + 10 * DAY });
    const controlReport = await controlGuard.check(shortLived);
    assert.equal(controlReport.ok, true, controlReport.firstFailure?.message);
    assert.ok(controlReport.checks.some((c) => c.id === 'clock' && c.code === 'clock_uncertain'));

    const guard = await guardOf(dir, state, clock);
    const installed = await guard.check(current);
    assert.ok(installed.ok && installed.manifest, installed.firstFailure?.message);
    await guard.commitInstalled(installed.manifest);
    assert.equal(guard.snapshot().trustedTimeFloor, T0 + 60 * DAY);

    clock.now = T0 + 10 * DAY;
    const restarted = await guardOf(dir, state, clock);
    const refused = await restarted.check(shortLived);
    assert.equal(refused.ok, false);
    assert.equal(refused.firstFailure?.code, 'expired');
    assert.match(
      refused.firstFailure?.message ?? '',
      /expired on 2026-05-01T00:00:00Z, 30 days ago \(judged by the gateway's trusted-time floor/,
    );
    assert.equal(refused.gateway.judgedAt, T0 + 60 * DAY);
    const clockLine = refused.checks.find((c) => c.id === 'clock');
    assert.equal(clockLine?.code, 'clock_uncertain');
    assert.match(
      clockLine?.message ?? '',
      /the gateway clock \(2026-04-11T00:00:00Z\) is behind its trusted-time floor \(2026-05-31T00:00:00Z/,
    );
  });

  test('a bundle for other hardware, or another revision, is refused', async () => {
    const { dir, state } = await gatewayDir('hardware');
    assert.equal(state.device.hardwareRevision, 'rev-b');
    const guard = await guardOf(dir, state, { now: T0 + DAY });
    const otherModel = await makeBundle({
      securityCounter: 1,
      created: T0,
      expires: T0 + 90 * DAY,
      hardware: [{ model: 'Sentinel S3', revisions: [] }],
    });
    const otherRevision = await makeBundle({
      securityCounter: 1,
      created: T0,
      expires: T0 + 90 * DAY,
      hardware: [{ model: 'EdgeBox X1', revisions: ['rev-c'] }],
    });
    const a = await guard.check(otherModel);
    assert.deepEqual(codes(a), ['hardware_incompatible']);
    assert.match(a.firstFailure?.message ?? '', /Sentinel S3.*EdgeBox X1.*rev-b/);
    const b = await guard.check(otherRevision);
    assert.deepEqual(codes(b), ['hardware_incompatible']);
    assert.match(b.firstFailure?.message ?? '', /rev-c.*rev-b/);
  });

  test('a gateway without trusted-signers.json trusts nobody, whatever the laptop trusts', async () => {
    const { dir, state } = await gatewayDir('no-signers');
    await unlink(path.join(dir, TRUSTED_SIGNERS_FILE));
    const guard = await guardOf(dir, state, { now: T0 + DAY });
    const report = await guard.check(await makeBundle({ securityCounter: 1, created: T0, expires: T0 + 90 * DAY }));
    assert.equal(report.ok, false);
    assert.equal(report.gateway.signersConfigured, false);
    assert.equal(report.firstFailure?.code, 'key_unknown');
    assert.match(report.firstFailure?.message ?? '', /this gateway has no trusted-signers\.json/);
    assert.ok(!report.checks.some((c) => c.id === 'security-counter'), 'policy lines only follow trusted signatures');
  });
});
