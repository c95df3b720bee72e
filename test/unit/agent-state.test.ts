/**
 * The agent's state directory: created on first start, kept on restart, and every malformed
 * file reported with its name and field instead of a crash.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAgent } from '../../agent/agent.js';
import { emulatedDevice } from '../../agent/emulate.js';
import { readHardwareIdentity, seedFromHardware, toHostLabel } from '../../agent/hardware-identity.js';
import { DEVICE_FILE, KEY_FILE, TRUST_FILE, type DeviceSeed } from '../../agent/state-schema.js';
import { openState, StateError } from '../../agent/state.js';

const seed = (): DeviceSeed => ({ ...(emulatedDevice(0, 1) as DeviceSeed) });
const tech = { publicKey: 'ab'.repeat(32), name: 'Ada', role: 'technician' };

let root: string;
let n = 0;
async function freshDir(): Promise<string> {
  const dir = path.join(root, `s${n++}`);
  await mkdir(dir);
  return dir;
}

async function stateErrorOf(promise: Promise<unknown>): Promise<StateError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof StateError, `expected a StateError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the state directory to be refused');
}

/** A valid state directory with device.json replaced by `device` (merged over a good one). */
async function withDevice(edit: (device: Record<string, unknown>) => unknown): Promise<string> {
  const dir = await freshDir();
  await openState(dir, { seed });
  const file = path.join(dir, DEVICE_FILE);
  const device = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify(edit(device)));
  return dir;
}

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fieldline-agent-state-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('agent state directory', () => {
  test('first start creates a private key, device.json and the trust file; a second start keeps them', async () => {
    const dir = await freshDir();
    const first = await openState(dir, { seed, trust: [tech] });
    assert.deepEqual(first.created, { key: true, device: true });
    assert.equal((await stat(path.join(dir, KEY_FILE))).mode & 0o777, 0o600);
    let seeded = 0;
    const second = await openState(dir, {
      seed: () => {
        seeded++;
        return seed();
      },
      trust: [tech],
    });
    assert.equal(seeded, 0, 'an existing device.json is never re-seeded');
    assert.deepEqual(second.created, { key: false, device: false });
    assert.equal(second.identity.id, first.identity.id);
    assert.deepEqual(second.device, first.device);
    assert.deepEqual((await second.trustedTechnicians()).technicians, [tech], 'trusting the same key twice keeps one entry');
  });

  test('device.json that is not JSON names the file', async () => {
    const dir = await freshDir();
    await writeFile(path.join(dir, DEVICE_FILE), '{"name": "gw-01",');
    const err = await stateErrorOf(openState(dir, { seed }));
    assert.equal(err.file, path.join(dir, DEVICE_FILE));
    assert.equal(err.field, null);
    assert.match(err.message, /device\.json.*not valid JSON/);
    assert.match(err.fix, /delete device\.json/);
  });

  test('a wrong value names the file and the field', async () => {
    const dir = await withDevice((d) => ({
      ...d,
      config: { ...(d.config as object), network: { interfaces: [{ name: 'eth0', mode: 'auto' }] } },
    }));
    const err = await stateErrorOf(openState(dir, { seed }));
    assert.equal(err.field, 'config.network.interfaces[0].mode');
    assert.match(err.message, /device\.json — field "config\.network\.interfaces\[0\]\.mode"/);
  });

  test('a misspelt key is reported, not silently ignored', async () => {
    const dir = await withDevice((d) => ({ ...d, config: { ...(d.config as object), hostnmae: 'x' } }));
    const err = await stateErrorOf(openState(dir, { seed }));
    assert.equal(err.field, 'config');
    assert.match(err.message, /hostnmae/);
  });

  test('inconsistent slots, a bad time zone and a bad hostname are each named', async () => {
    const slots = await stateErrorOf(
      openState(
        await withDevice((d) => ({
          ...d,
          activeSlot: 'b',
          slots: [
            { name: 'a', version: '1', state: 'active' },
            { name: 'b', version: '', state: 'empty' },
          ],
        })),
        { seed },
      ),
    );
    assert.equal(slots.field, 'slots[1].state');
    const tz = await stateErrorOf(
      openState(await withDevice((d) => ({ ...d, config: { ...(d.config as object), timezone: 'Mars/Olympus' } })), { seed }),
    );
    assert.equal(tz.field, 'config.timezone');
    const host = await stateErrorOf(
      openState(await withDevice((d) => ({ ...d, config: { ...(d.config as object), hostname: 'gw.example.com' } })), { seed }),
    );
    assert.equal(host.field, 'config.hostname');
    assert.match(host.message, /no dots/);
  });

  test('a static interface without addresses is refused with the reason', async () => {
    const dir = await withDevice((d) => ({
      ...d,
      config: { ...(d.config as object), network: { interfaces: [{ name: 'eth0', mode: 'static' }] } },
    }));
    const err = await stateErrorOf(openState(dir, { seed }));
    assert.equal(err.field, 'config.network.interfaces[0].addresses');
  });

  test('a bad trusted-technicians.json entry names the file and the entry', async () => {
    const dir = await freshDir();
    await writeFile(path.join(dir, TRUST_FILE), JSON.stringify([tech, { publicKey: 'xyz', name: 'Bob', role: 'technician' }]));
    const err = await stateErrorOf(openState(dir, { seed }));
    assert.equal(err.file, path.join(dir, TRUST_FILE));
    assert.equal(err.field, '[1].publicKey');
    assert.match(err.message, /64 hex digits/);
  });

  test('a trust file broken while running keeps the last good list and reports the problem', async () => {
    const dir = await freshDir();
    const state = await openState(dir, { seed, trust: [tech] });
    await writeFile(path.join(dir, TRUST_FILE), '[{"publicKey": ');
    const load = await state.trustedTechnicians();
    assert.deepEqual(load.technicians, [tech]);
    assert.ok(load.problem instanceof StateError);
    assert.match(load.problem.message, /trusted-technicians\.json/);
  });

  test('a device key that is not an Ed25519 PEM names the key file', async () => {
    const dir = await freshDir();
    await writeFile(path.join(dir, KEY_FILE), '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n');
    const err = await stateErrorOf(openState(dir, { seed }));
    assert.equal(err.file, path.join(dir, KEY_FILE));
    assert.match(err.message, /Ed25519/);
    assert.match(err.fix, /new identity/);
  });

  test('startAgent refuses a malformed state directory with the StateError, starting nothing', async () => {
    const dir = await withDevice((d) => ({ ...d, serial: 42 }));
    const err = await stateErrorOf(startAgent({ stateDir: dir, tcp: { host: '127.0.0.1', port: 0 }, mdns: false, udp: false }));
    assert.equal(err.field, 'serial');
  });

  test('bad initial identity values for an emulated gateway are refused with the field', async () => {
    const dir = await freshDir();
    const err = await stateErrorOf(openState(dir, { seed: () => ({ ...seed(), name: '' }) }));
    assert.equal(err.field, 'name');
    assert.match(err.file, /initial values/);
  });
});

describe('hardware identity', () => {
  test('reads the device tree (NUL-terminated) and ignores SMBIOS placeholders', async () => {
    const fake = await freshDir();
    const put = async (rel: string, content: string): Promise<void> => {
      await mkdir(path.dirname(path.join(fake, rel)), { recursive: true });
      await writeFile(path.join(fake, rel), content);
    };
    await put('etc/machine-id', '3d1219c7c4c5404aaa1f6d2a48adfda4\n');
    await put('proc/device-tree/model', 'Raspberry Pi Compute Module 4 Rev 1.1\0');
    await put('proc/device-tree/serial-number', '10000000abcdef01\0');
    await put('sys/class/dmi/id/product_serial', 'To Be Filled By O.E.M.\n');
    await put('sys/class/dmi/id/sys_vendor', 'Raspberry Pi Ltd\n');
    await put('etc/hostname', 'line3-gw.plant.local\n');
    await put('etc/os-release', 'NAME="Debian"\nVERSION_ID="12"\nIMAGE_VERSION="2025.04.1"\n');
    const hw = await readHardwareIdentity(fake);
    assert.equal(hw.model, 'Raspberry Pi Compute Module 4 Rev 1.1');
    assert.equal(hw.serial, '10000000abcdef01');
    assert.equal(hw.vendor, 'Raspberry Pi Ltd');
    const device = seedFromHardware(hw);
    assert.equal(device.name, 'line3-gw');
    assert.equal(device.config.hostname, 'line3-gw');
    assert.equal(device.slots[0]?.version, '2025.04.1');
  });

  test('without a serial number the machine id stands in; a missing tree gives usable defaults', async () => {
    const fake = await freshDir();
    await mkdir(path.join(fake, 'etc'));
    await writeFile(path.join(fake, 'etc/machine-id'), 'aaaabbbbccccddddeeeeffff00001111\n');
    assert.equal(seedFromHardware(await readHardwareIdentity(fake)).serial, 'mid-aaaabbbbccccdddd');
    const empty = seedFromHardware(await readHardwareIdentity(path.join(fake, 'nothing-here')));
    assert.equal(empty.model, 'Linux gateway');
    assert.equal(empty.serial, '');
  });

  test('hostnames become one DNS label', () => {
    assert.equal(toHostLabel('gw_01.site.example'), 'gw-01');
    assert.equal(toHostLabel('---'), 'fieldline-gateway');
  });
});
