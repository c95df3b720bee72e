import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BundleGuardStore, BUNDLE_GUARD_FILE } from '../../agent/bundle-state.js';
import { demoTrustPolicy, ensureDemoSigners, loadGatewayTrust, saveGatewayTrust, TRUSTED_SIGNERS_FILE } from '../../agent/bundle-trust.js';
import { StateError } from '../../agent/state.js';
import { manifestSchema, type BundleKind, type Manifest } from '../../core/bundle/manifest.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

function manifest(kind: BundleKind, securityCounter: number, created: number, expires: number, version = '1.0.0'): Manifest {
  return manifestSchema.parse({
    schema: 'fieldline.bundle/v1',
    name: `test-${kind}`,
    kind,
    version,
    securityCounter,
    hardware: [{ model: 'EdgeBox X1', revisions: [] }],
    payloads: [{ path: 'image.bin', size: 1, sha256: '0'.repeat(64), target: kind === 'model' ? 'model' : 'slot' }],
    created: new Date(created).toISOString(),
    expires: new Date(expires).toISOString(),
  });
}

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fieldline-guard-unit-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshDir(name: string): Promise<string> {
  return mkdtemp(path.join(root, `${name}-`));
}

describe('bundle guard state (bundle-guard.json)', () => {
  test('a new gateway has counter 0 for every kind, no floor, and no file until the first commit', async () => {
    const dir = await freshDir('new');
    const store = await BundleGuardStore.open(dir);
    const s = store.snapshot();
    assert.deepEqual(s.counters, { 'os-image': 0, firmware: 0, model: 0 });
    assert.equal(s.trustedTimeFloor, null);
    await assert.rejects(readFile(path.join(dir, BUNDLE_GUARD_FILE)), { code: 'ENOENT' });
  });

  test('a commit raises the counter of its kind only, and survives reopening (an agent restart)', async () => {
    const dir = await freshDir('persist');
    const store = await BundleGuardStore.open(dir);
    const result = await store.commit(manifest('os-image', 7, T0, T0 + 90 * DAY), T0 + DAY);
    assert.equal(result.counterRaised, true);
    assert.equal(result.before.counters['os-image'], 0);
    assert.deepEqual(result.after.counters, { 'os-image': 7, firmware: 0, model: 0 });

    const reopened = await BundleGuardStore.open(dir);
    assert.deepEqual(reopened.snapshot().counters, { 'os-image': 7, firmware: 0, model: 0 });
    const file = JSON.parse(await readFile(path.join(dir, BUNDLE_GUARD_FILE), 'utf8')) as {
      counters: Record<string, { counter: number; bundle: string; version: string }>;
    };
    assert.deepEqual(
      {
        counter: file.counters['os-image']?.counter,
        bundle: file.counters['os-image']?.bundle,
        version: file.counters['os-image']?.version,
      },
      { counter: 7, bundle: 'test-os-image', version: '1.0.0' },
    );
  });

  test('counters and the floor never go down', async () => {
    const dir = await freshDir('monotonic');
    const store = await BundleGuardStore.open(dir);
    await store.commit(manifest('model', 9, T0 + 10 * DAY, T0 + 100 * DAY), T0 + 20 * DAY);
    const result = await store.commit(manifest('model', 3, T0, T0 + 100 * DAY), T0 + 5 * DAY);
    assert.equal(result.counterRaised, false);
    assert.equal(result.after.counters.model, 9);
    assert.equal(result.after.trustedTimeFloor, T0 + 20 * DAY);
  });

  test('the floor is the later of the newest created time and the last known good clock', async () => {
    const dir = await freshDir('floor');
    const store = await BundleGuardStore.open(dir);
    // Gateway clock behind the bundle's creation: the signed creation time is the better evidence.
    let r = await store.commit(manifest('firmware', 1, T0 + 5 * DAY, T0 + 60 * DAY), T0);
    assert.equal(r.after.trustedTimeFloor, T0 + 5 * DAY);
    assert.equal(r.after.floorSource, 'bundle-created');
    r = await store.commit(manifest('firmware', 2, T0 + 6 * DAY, T0 + 60 * DAY), T0 + 30 * DAY);
    assert.equal(r.after.trustedTimeFloor, T0 + 30 * DAY);
    assert.equal(r.after.floorSource, 'last-known-good');
  });

  test("a clock that jumped far forward lifts the floor no further than the installed bundle's expiry", async () => {
    const dir = await freshDir('jump');
    const store = await BundleGuardStore.open(dir);
    const r = await store.commit(manifest('os-image', 1, T0, T0 + 30 * DAY), Date.parse('2099-01-01T00:00:00Z'));
    assert.equal(r.after.trustedTimeFloor, T0 + 30 * DAY);
  });

  test('concurrent commits are serialised: the highest counter wins', async () => {
    const dir = await freshDir('concurrent');
    const store = await BundleGuardStore.open(dir);
    await Promise.all([5, 12, 8, 1].map((c) => store.commit(manifest('model', c, T0, T0 + DAY * 10), T0 + DAY)));
    assert.equal(store.snapshot().counters.model, 12);
    assert.equal((await BundleGuardStore.open(dir)).snapshot().counters.model, 12);
  });

  test('a damaged guard file is an error naming the file and field, never a reset to zero', async () => {
    const dir = await freshDir('damaged');
    const file = path.join(dir, BUNDLE_GUARD_FILE);
    await writeFile(file, '{"schema": 1, "counters": {');
    await assert.rejects(BundleGuardStore.open(dir), (err: unknown) => {
      assert.ok(err instanceof StateError);
      assert.equal(err.file, file);
      assert.match(err.reason, /^not valid JSON .*every bundle is refused until it is repaired$/);
      assert.match(err.fix, /Deleting it re-enables installing older bundles/);
      return true;
    });
    await writeFile(
      file,
      JSON.stringify({
        schema: 1,
        counters: { model: { counter: -1, bundle: 'x', version: '1.0.0', committedAt: new Date(T0).toISOString() } },
        trustedTime: { newestCreated: null, lastKnownGood: null },
      }),
    );
    await assert.rejects(BundleGuardStore.open(dir), (err: unknown) => {
      assert.ok(err instanceof StateError);
      assert.equal(err.field, 'counters.model.counter');
      return true;
    });
  });
});

describe('gateway trusted signers (trusted-signers.json)', () => {
  test('without the file the gateway trusts nobody and says it is not configured', async () => {
    const dir = await freshDir('nosigners');
    const load = await loadGatewayTrust(dir);
    assert.equal(load.configured, false);
    assert.deepEqual(load.policy.keys, []);
  });

  test('emulated gateways are seeded with the three demo roots, and an existing list is kept', async () => {
    const dir = await freshDir('demo');
    const seeded = await ensureDemoSigners(dir, T0);
    assert.equal(seeded.configured, true);
    assert.deepEqual(
      seeded.policy.keys.map((k) => [k.name, k.roles.join(','), k.source, k.addedAt]),
      [
        ['Demo Image Signer 1', 'image-signer', 'demo-root', T0],
        ['Demo Image Signer 2', 'image-signer', 'demo-root', T0],
        ['Demo Model Signer', 'model-signer', 'demo-root', T0],
      ],
    );
    const reloaded = await loadGatewayTrust(dir);
    assert.deepEqual(reloaded.policy, seeded.policy);

    const own = { ...demoTrustPolicy(T0), keys: demoTrustPolicy(T0).keys.slice(2), thresholds: { 'os-image': 2, firmware: 2, model: 1 } };
    await saveGatewayTrust(dir, own);
    const kept = await ensureDemoSigners(dir, T0 + DAY);
    assert.equal(kept.policy.keys.length, 1);
    assert.equal(kept.policy.thresholds['os-image'], 2);
  });

  test('a key whose id does not match its public key is refused with the field named', async () => {
    const dir = await freshDir('badkey');
    const policy = demoTrustPolicy(T0);
    const [first, ...rest] = policy.keys;
    assert.ok(first);
    const wrong = { ...policy, keys: [{ ...first, keyId: 'a'.repeat(64) }, ...rest] };
    await writeFile(path.join(dir, TRUSTED_SIGNERS_FILE), JSON.stringify(wrong));
    await assert.rejects(loadGatewayTrust(dir), (err: unknown) => {
      assert.ok(err instanceof StateError);
      assert.equal(err.field, 'keys.0.keyId');
      assert.match(err.reason, /keyId is not the SHA-256 of publicKey/);
      return true;
    });
    await writeFile(path.join(dir, TRUSTED_SIGNERS_FILE), 'not json');
    await assert.rejects(loadGatewayTrust(dir), /trusted-signers\.json: not valid JSON/);
  });
});
