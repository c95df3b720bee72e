/**
 * The audit log as the engine keeps it, against a real gateway: every action leaves its entries
 * (intent before a gateway is touched, result after), flash steps are recorded, the gateway holds
 * a witness checkpoint that later catches a log whose tail was cut off, and an edited entry is
 * named by `audit.verify`. A data folder that cannot be written refuses to touch a gateway.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { RunningAgent } from '../../agent/agent.js';
import { dispatch } from '../../core/api/dispatch.js';
import type { AuditPage, ChainReportShape, AuditExport, WitnessCheck, AuditStatus } from '../../core/api/audit-schemas.js';
import type { BundleSummary, Device, FlashJob } from '../../core/api/schemas.js';
import { createEngine, type Engine } from '../../core/engine/engine.js';
import { addressOf, demoBundles, demoTechnician, finished, ok, seedProfile, startGateway } from './flash-support.js';

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Edits audit.db as an attacker with file access would: without the append-only triggers. */
function tamper(appDir: string, sql: string): void {
  const db = new Database(join(appDir, 'audit.db'));
  try {
    const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[];
    for (const { name } of triggers) db.exec(`DROP TRIGGER "${name}"`);
    db.exec(sql);
  } finally {
    db.close();
  }
}

describe('engine audit log against a real gateway', () => {
  let dir: string;
  let appDir: string;
  let engine: Engine;
  let gateway: RunningAgent;
  let device: Device;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-engine-audit-'));
    appDir = join(dir, 'app');
    seedProfile(appDir);
    gateway = await startGateway(dir, 'gw-audit');
    engine = await createEngine({ dataDir: appDir, host: 'cli' });
  });

  after(async () => {
    await engine?.close();
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('adding and authenticating a gateway: intent before, result after, technician recorded', async () => {
    device = await ok<Device>(engine, 'devices.add', { address: addressOf(gateway) });
    await ok(engine, 'devices.authenticate', { id: device.id });
    const page = await ok<AuditPage>(engine, 'audit.list', { action: 'device' });
    const actions = page.entries.map((e) => `${e.action}:${e.phase}`).reverse();
    assert.deepEqual(actions, ['device.add:intent', 'device.add:result', 'device.authenticate:intent', 'device.authenticate:result']);
    const [authResult, authIntent, , addIntent] = page.entries;
    assert.equal(authResult!.intent, authIntent!.seq);
    assert.equal(authResult!.result, 'ok');
    assert.equal(authResult!.device, device.id);
    assert.equal(addIntent!.device, null, 'the id is not known before the gateway answers');
    assert.equal(addIntent!.params.address, addressOf(gateway));
    assert.equal(page.entries[2]!.params.device, device.id);
    assert.equal(authResult!.technician?.name, demoTechnician.name);
    assert.ok(authResult!.technician?.keyId.match(/^[0-9a-f]{64}$/));
  });

  test('the gateway holds a witness checkpoint of the log after it was acted on', async () => {
    const check = await until('the witness', async () => {
      const w = await ok<WitnessCheck>(engine, 'audit.witness', { deviceId: device.id });
      return w.stored ? w : undefined;
    });
    assert.equal(check.ok, true, check.reason);
  });

  test('a flash job records every step, and its failures name the step', async () => {
    const bundles = await demoBundles(dir);
    const model = await ok<BundleSummary>(engine, 'bundles.import', { path: bundles.model.file });
    const job = await ok<FlashJob>(engine, 'flash.start', { bundleId: model.id, deviceIds: [device.id] });
    const done = await finished(engine, job.id);
    assert.equal(done.state, 'succeeded');
    const page = await ok<AuditPage>(engine, 'audit.list', { action: 'flash', limit: 200 });
    const steps = page.entries.filter((e) => e.params.jobId === job.id).reverse();
    const transfer = steps.filter((e) => e.action === 'flash.transfer');
    assert.deepEqual(
      transfer.map((e) => e.phase),
      ['intent', 'result'],
    );
    assert.equal(transfer[1]!.intent, transfer[0]!.seq);
    assert.ok(steps.some((e) => e.action === 'flash.done' && e.result === 'ok'));
    const start = page.entries.find((e) => e.action === 'flash.start' && e.phase === 'result');
    assert.equal(start?.params.jobId, job.id);
    const imported = await ok<AuditPage>(engine, 'audit.list', { action: 'bundle.import' });
    assert.equal(imported.entries[0]!.params.bundleSha256, model.id);
  });

  test('the whole chain verifies, with its checkpoints and the witness', async () => {
    const report = await ok<ChainReportShape>(engine, 'audit.verify');
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
    assert.ok(report.checkpoints.length >= 1);
    assert.ok(report.checkpoints.every((c) => c.ok));
  });

  test('export: a signed JSON Lines file of what the receiver has not acknowledged', async () => {
    const status = await ok<AuditStatus>(engine, 'audit.status');
    const exported = await ok<AuditExport>(engine, 'audit.export');
    assert.equal(exported.first, 1);
    assert.equal(exported.last, status.head.seq);
    const lines = exported.content.trimEnd().split('\n');
    assert.equal(JSON.parse(lines[0]!).type, 'fieldline-audit-export');
    assert.equal(lines.length, exported.count + 3);
  });

  test('an edited entry is named by verify; a cut-off tail is caught by the gateway’s witness', async () => {
    const before = await ok<AuditStatus>(engine, 'audit.status');
    await engine.close();
    // Edit entry #3, then cut the last 20 entries (and their checkpoints) off the laptop's log.
    tamper(appDir, `UPDATE audit_entries SET entry = replace(entry, '"time":', '"time":1') WHERE seq = 3`);
    tamper(
      appDir,
      `DELETE FROM audit_entries WHERE seq > ${before.head.seq - 20}; DELETE FROM audit_checkpoints; DELETE FROM audit_witnesses;`,
    );
    engine = await createEngine({ dataDir: appDir, host: 'cli' });
    await ok<Device>(engine, 'devices.add', { address: addressOf(gateway) });
    const report = await ok<ChainReportShape>(engine, 'audit.verify');
    assert.equal(report.ok, false, JSON.stringify(report));
    assert.equal(report.firstBad?.seq, 3, report.firstBad?.reason);
    const witness = await ok<WitnessCheck>(engine, 'audit.witness', { deviceId: device.id });
    assert.equal(witness.ok, false, JSON.stringify({ witness, before: before.head.seq }));
    assert.match(witness.reason, /cut off|rewritten/);
  });
});

describe('an audit log that cannot be written', () => {
  let dir: string;
  let mounted = false;
  let engine: Engine | undefined;
  let gateway: RunningAgent | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-audit-full-'));
    const appDir = join(dir, 'app');
    await mkdir(appDir);
    try {
      // A real full disk: a 4 MiB tmpfs holds the data folder.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', appDir], { stdio: 'ignore' });
      mounted = true;
    } catch {
      return;
    }
    seedProfile(appDir);
    gateway = await startGateway(dir, 'gw-full');
    engine = await createEngine({ dataDir: appDir, host: 'cli' });
  });

  after(async () => {
    await engine?.close().catch(() => undefined);
    await gateway?.close();
    if (mounted) execFileSync('umount', [join(dir, 'app')]);
    await rm(dir, { recursive: true, force: true });
  });

  test('refuses to touch a gateway when the disk is full, and works again once there is room', async (t) => {
    if (!mounted || !engine || !gateway) return t.skip('cannot mount a tmpfs here (needs root)');
    const filler = join(dir, 'app', 'filler');
    // Fill what is left of the tmpfs.
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // dd stops with "No space left on device", which is the point.
    }
    const refused = await dispatch(engine.handlers, 'devices.add', { address: addressOf(gateway) });
    assert.equal(refused.ok, false);
    assert.equal(refused.ok ? '' : refused.error.code, 'audit_unavailable');
    const listed = await ok<Device[]>(engine, 'devices.list');
    assert.equal(listed.length, 0, 'the gateway was not contacted');
    await rm(filler);
    const added = await ok<Device>(engine, 'devices.add', { address: addressOf(gateway) });
    assert.equal(added.id, gateway.id);
    const report = await ok<ChainReportShape>(engine, 'audit.verify');
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  });
});
