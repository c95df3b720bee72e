/**
 * The laptop's trusted-time floor and what feeds it: the SQLite bookkeeping (migration 3), the
 * evidence that may raise it (signed bundles, gateways), the clock handed to verification, and
 * the gateway side that reports its own floor and counters in `hello`.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuardSnapshot } from '../../agent/bundle-state.js';
import { buildDescriptor } from '../../agent/descriptor.js';
import { DEVICE_FILE_SCHEMA, type DeviceFile } from '../../agent/state-schema.js';
import type { DeviceDescriptor } from '../../core/api/schemas.js';
import { fail, pass, type Check, type Manifest, type VerifyReport } from '../../core/bundle/index.js';
import { targetOf } from '../../core/engine/bundle-target.js';
import { laptopClock, recordBundleTime, recordGatewayTime, signedCreatedTime } from '../../core/engine/trusted-clock.js';
import { wireDescriptor } from '../../core/protocol/handshake.js';
import { generateIdentity } from '../../core/protocol/identity.js';
import { openDatabase, type Db } from '../../core/store/database.js';
import { TrustedTimeStore } from '../../core/store/trusted-time.js';

const root = mkdtempSync(join(tmpdir(), 'fl-trusted-time-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dbs = 0;
function freshDb(): { db: Db; dir: string } {
  const dir = join(root, `db-${++dbs}`);
  return { db: openDatabase(dir), dir };
}

const T = Date.parse('2026-03-01T12:00:00Z');
const DAY = 86_400_000;

const manifest: Manifest = {
  schema: 'fieldline.bundle/v1',
  name: 'Gateway OS',
  kind: 'os-image',
  version: '2.1.0',
  securityCounter: 4,
  hardware: [{ model: 'EdgeBox X1', revisions: [] }],
  payloads: [{ path: 'rootfs.img', size: 1, sha256: '0'.repeat(64), target: 'slot' }],
  created: new Date(T - DAY).toISOString(),
  expires: new Date(T + 300 * DAY).toISOString(),
};

function report(checks: Check[], m: Manifest | null = manifest): VerifyReport {
  return { ok: true, file: 'x.flb', size: 1, sha256: '', manifest: m, envelope: null, signers: [], checks, firstFailure: null };
}

const descriptor: DeviceDescriptor = {
  protocol: 1,
  id: 'ab'.repeat(32),
  publicKey: '00'.repeat(32),
  name: 'gw-07',
  vendor: 'Acme',
  model: 'EdgeBox X1',
  hardwareRevision: 'rev-c',
  serial: 'SN-7',
  firmware: { version: '2.0.3', activeSlot: 'a' },
  slots: [],
  models: [{ name: 'detector', version: '0.9.0', sha256: '11'.repeat(32) }],
  accelerators: [],
  capabilities: [],
  maxFrame: 65536,
};

describe('TrustedTimeStore (app_state, migration 3)', () => {
  test('starts with no floor, only moves forward, and says where the floor came from', () => {
    const { db } = freshDb();
    const store = new TrustedTimeStore(db, () => T);
    assert.equal(store.floor(), null);
    assert.equal(store.observe(T - DAY, 'bundle A'), true);
    assert.deepEqual(store.floor(), { at: T - DAY, source: 'bundle A', recordedAt: T });
    assert.equal(store.observe(T - 2 * DAY, 'bundle B (older)'), false, 'an older time never lowers the floor');
    assert.equal(store.observe(T - DAY, 'bundle C (same time)'), false);
    assert.equal(store.floor()?.source, 'bundle A');
    assert.equal(store.observe(T + 1000, 'gateway gw-01'), true);
    assert.equal(store.floor()?.at, T + 1000);
    db.close();
  });

  test('survives reopening the database', () => {
    const { db, dir } = freshDb();
    new TrustedTimeStore(db, () => T).observe(T, 'gateway gw-02');
    db.close();
    const again = openDatabase(dir);
    assert.deepEqual(new TrustedTimeStore(again).floor(), { at: T, source: 'gateway gw-02', recordedAt: T });
    again.close();
  });

  test('ignores values that are not whole non-negative milliseconds', () => {
    const { db } = freshDb();
    const store = new TrustedTimeStore(db, () => T);
    for (const bad of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY, 2 ** 60]) assert.equal(store.observe(bad, 'bad'), false);
    assert.equal(store.floor(), null);
    db.close();
  });

  test('a damaged stored value reads as no floor instead of crashing, and is replaced by the next evidence', () => {
    const { db } = freshDb();
    db.prepare("INSERT INTO app_state (key, value) VALUES ('trusted_time_floor', 'not json')").run();
    const store = new TrustedTimeStore(db, () => T);
    assert.equal(store.floor(), null);
    assert.equal(store.observe(T, 'bundle A'), true);
    assert.equal(store.floor()?.at, T);
    db.close();
  });
});

describe('evidence for the floor', () => {
  const signed = [pass('threshold', '1 valid signature'), pass('validity', 'valid')];

  test("a bundle's created time counts only when its signatures met the threshold", () => {
    assert.equal(signedCreatedTime(report(signed)), T - DAY);
    assert.equal(signedCreatedTime(report([fail('threshold', 'threshold_not_met', 'no')])), null);
    assert.equal(signedCreatedTime(report([pass('envelope', 'ok')])), null, 'no threshold line: not signed');
    assert.equal(signedCreatedTime(report(signed, null)), null);
  });

  test('a signed bundle "from the future" does not move the floor', () => {
    const future = [pass('threshold', 'ok'), fail('validity', 'not_yet_valid', 'created in the future')];
    assert.equal(signedCreatedTime(report(future)), null);
  });

  test('recordBundleTime and recordGatewayTime raise the store and name the source', () => {
    const { db } = freshDb();
    const store = new TrustedTimeStore(db, () => T);
    assert.equal(recordBundleTime(store, report(signed)), true);
    assert.equal(store.floor()?.source, 'the signed creation time of Gateway OS 2.1.0');
    assert.equal(recordGatewayTime(store, descriptor), false, 'a gateway without trustedTime says nothing');
    assert.equal(recordGatewayTime(store, { ...descriptor, trustedTime: T + 5000 }), true);
    assert.equal(store.floor()?.at, T + 5000);
    assert.equal(store.floor()?.source, `gateway gw-07 (${'ab'.repeat(6)}…)`);
    assert.equal(recordBundleTime(undefined, report(signed)), false, 'no store: nothing recorded');
    db.close();
  });

  test('laptopClock hands verification the laptop time, the floor and its source', () => {
    const { db } = freshDb();
    const store = new TrustedTimeStore(db, () => T);
    assert.deepEqual(laptopClock(store, T), { now: T, trustedTimeFloor: null });
    assert.deepEqual(laptopClock(undefined, T), { now: T, trustedTimeFloor: null });
    store.observe(T + DAY, 'gateway gw-07');
    assert.deepEqual(laptopClock(store, T), { now: T, trustedTimeFloor: T + DAY, trustedTimeSource: 'gateway gw-07' });
    db.close();
  });
});

describe('the gateway as a target', () => {
  test("targetOf takes the counter for the bundle's kind, 0 when the gateway reported none", () => {
    const withCounters = { ...descriptor, securityCounters: { 'os-image': 9, model: 3 } };
    assert.deepEqual(targetOf(withCounters, 'os-image'), {
      model: 'EdgeBox X1',
      hardwareRevision: 'rev-c',
      securityCounter: 9,
      firmwareVersion: '2.0.3',
      models: [{ name: 'detector', version: '0.9.0' }],
    });
    assert.equal(targetOf(withCounters, 'model').securityCounter, 3);
    assert.equal(targetOf(withCounters, 'firmware').securityCounter, 0);
    assert.equal(targetOf(descriptor, 'os-image').securityCounter, 0, 'an older agent reports no counters');
    assert.equal(targetOf(withCounters, null).securityCounter, 0);
  });

  test("hello's descriptor lists the committed counters and the trusted time; the wire schema accepts it with or without them", () => {
    const identity = generateIdentity();
    const device: DeviceFile = {
      schema: DEVICE_FILE_SCHEMA,
      name: 'gw-07',
      vendor: 'Acme',
      model: 'EdgeBox X1',
      hardwareRevision: 'rev-c',
      serial: 'SN-7',
      activeSlot: 'a',
      slots: [{ name: 'a', version: '2.0.3', state: 'active' }],
      models: [],
      accelerators: [],
      capabilities: [],
      config: { hostname: 'gw-07', site: '', timezone: 'UTC', network: { interfaces: [] } },
    };
    const before = buildDescriptor(identity, device, 1, 65536, ['status']);
    assert.equal(before.securityCounters, undefined);
    assert.equal(before.trustedTime, undefined);
    assert.equal(wireDescriptor.safeParse(before).success, true, 'an agent without the fields is still valid');

    const guard: GuardSnapshot = {
      counters: { 'os-image': 5, firmware: 0, model: 0 },
      trustedTimeFloor: T,
      floorSource: 'last-known-good',
      file: {
        schema: 1,
        counters: { 'os-image': { counter: 5, bundle: 'Gateway OS', version: '2.1.0', committedAt: new Date(T).toISOString() } },
        trustedTime: { newestCreated: null, lastKnownGood: new Date(T).toISOString() },
      },
    };
    const after = buildDescriptor(identity, device, 1, 65536, ['status'], guard);
    assert.deepEqual(after.securityCounters, { 'os-image': 5 }, 'only kinds ever installed are listed');
    assert.equal(after.trustedTime, T);
    const parsed = wireDescriptor.safeParse(after);
    assert.equal(parsed.success, true);
    assert.deepEqual(parsed.data?.securityCounters, { 'os-image': 5 });

    assert.equal(wireDescriptor.safeParse({ ...after, trustedTime: -1 }).success, false);
    assert.equal(wireDescriptor.safeParse({ ...after, securityCounters: { 'os-image': 1.5 } }).success, false);
  });
});
