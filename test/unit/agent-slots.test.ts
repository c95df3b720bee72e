/**
 * The emulated bootloader's decisions, on real files in a temp state directory: what boots
 * with no boot environment, a pending trial, a trial booted before, an incomplete trial slot,
 * a damaged boot.json, an empty active slot.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PowerLost, PowerRail } from '../../agent/faults/faults.js';
import { bootFilePath, writeBootState } from '../../agent/slots/boot-state.js';
import { SlotController } from '../../agent/slots/slot-controller.js';
import { readSlot } from '../../agent/slots/slot-image.js';
import { deviceFile, type DeviceFile } from '../../agent/state-schema.js';
import { silentLog } from '../../agent/agent-context.js';

const factory: DeviceFile = deviceFile.parse({
  schema: 1,
  name: 'gw',
  vendor: 'v',
  model: 'm',
  hardwareRevision: 'r',
  serial: 's',
  activeSlot: 'a',
  slots: [
    { name: 'a', version: '2.0.0', state: 'active' },
    { name: 'b', version: '1.9.0', state: 'inactive' },
  ],
  models: [],
  accelerators: [],
  capabilities: [],
  config: { hostname: 'gw', site: '', timezone: 'UTC', network: { interfaces: [] } },
});

const noPower = new PowerRail(undefined, () => {});

describe('agent slots: the emulated bootloader', () => {
  let root: string;
  let n = 0;
  const fresh = async (): Promise<string> => {
    const dir = path.join(root, `s${n++}`);
    await mkdir(path.join(dir, 'slots'), { recursive: true });
    return dir;
  };
  const controller = (dir: string, trialMs = 60_000): SlotController => new SlotController(dir, factory, noPower, trialMs, silentLog);

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'fieldline-agent-slots-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('without a boot environment the factory slot of device.json boots; slots without a directory are factory images', async () => {
    const dir = await fresh();
    const slots = controller(dir);
    assert.deepEqual(await slots.boot(), { running: 'a', trial: null });
    assert.deepEqual(slots.describe(factory), {
      activeSlot: 'a',
      slots: [
        { name: 'a', version: '2.0.0', state: 'active' },
        { name: 'b', version: '1.9.0', state: 'inactive' },
      ],
    });
  });

  test('a pending trial boots once with a deadline; the next boot without confirm rolls back', async () => {
    const dir = await fresh();
    const slots = controller(dir, 5000);
    await slots.boot();
    await slots.requestTrial('b');
    const first = await slots.boot();
    assert.equal(first.running, 'b');
    assert.ok(first.trial && first.trial.deadline > Date.now());
    const written = JSON.parse(await readFile(bootFilePath(dir), 'utf8')) as { trial: { bootedAt: number | null } };
    assert.notEqual(written.trial.bootedAt, null, 'the trial boot is recorded before anything runs');
    const second = await slots.boot();
    assert.deepEqual(second, { running: 'a', trial: null });
    assert.match(slots.lastRollback?.reason ?? '', /restarted during the trial/);
  });

  test('a trial slot without a complete image is not booted', async () => {
    const dir = await fresh();
    await mkdir(path.join(dir, 'slots', 'b', 'files'), { recursive: true });
    const slots = controller(dir);
    await slots.boot();
    assert.equal((await readSlot(dir, 'b', '1.9.0')).kind, 'empty', 'a slot directory without slot.json is an unfinished install');
    await assert.rejects(slots.requestTrial('b'), /holds no complete image/);
    await writeBootState(
      dir,
      { schema: 1, active: 'a', trial: { slot: 'b', requestedAt: 1, bootedAt: null, deadline: null }, lastRollback: null },
      null,
    );
    assert.deepEqual(await slots.boot(), { running: 'a', trial: null });
    assert.match(slots.lastRollback?.reason ?? '', /does not hold a complete image/);
  });

  test('a damaged boot.json boots the factory slot; an empty active slot boots the other one', async () => {
    const dir = await fresh();
    await writeFile(bootFilePath(dir), '{"schema": 1, "active": "c"');
    assert.equal((await controller(dir).boot()).running, 'a');
    await writeBootState(dir, { schema: 1, active: 'b', trial: null, lastRollback: null }, null);
    await mkdir(path.join(dir, 'slots', 'b'), { recursive: true });
    assert.equal((await controller(dir).boot()).running, 'a', 'slot b is empty, so the gateway falls back to a');
  });

  test('confirm without a trial is refused; a power cut stops the write at its step', async () => {
    const dir = await fresh();
    const slots = controller(dir);
    await slots.boot();
    await assert.rejects(slots.confirm(), /no slot is on trial/);
    let lost: PowerLost | null = null;
    const rail = new PowerRail({ phase: 'activate', step: 2 }, (loss) => (lost = loss));
    const cut = new SlotController(dir, factory, rail, 1000, silentLog);
    await cut.boot();
    await assert.rejects(cut.requestTrial('b'), PowerLost);
    assert.equal((lost as PowerLost | null)?.step, 2);
    assert.deepEqual(await controller(dir).boot(), { running: 'a', trial: null }, 'the temporary file was never renamed');
  });
});
