/**
 * The USB lane asking a gadget's FGP bulk interface for hello: what a failed claim, a silent
 * interface and a session holding the device look like. The bus is replayed (no USB here) and the
 * interface is the replayed endpoint pair of test/helpers/usb-bulk-bridge.ts with nothing behind
 * it; test/integration/usb-lane.test.ts puts the real agent behind it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SerialPath, UsbPath } from '../../core/api/schemas.js';
import { DeviceRegistry } from '../../core/discovery/registry.js';
import type { ProbeCandidate, SerialProbeOutcome } from '../../core/discovery/serial-probe.js';
import { recordedSysfs, type ListedSerialPort } from '../../core/discovery/usb/link.js';
import { readUsbRecording, type UsbRecording } from '../../core/discovery/usb/replay-adapter.js';
import { mergeUsbCatalogs, shippedUsbCatalog } from '../../core/discovery/usb/usb-catalog.js';
import { standInId, UsbLane } from '../../core/discovery/usb/usb-lane.js';
import { bulkOnlyGadget, ReplayBusWithBulk, SimulatedBulkDevice } from '../helpers/usb-bulk-bridge.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'usb');
const fixture = (name: string): string => join(fixtures, `${name}.json`);
const catalog = mergeUsbCatalogs(shippedUsbCatalog(), []);
const ports = (JSON.parse(readFileSync(fixture('serialport-list'), 'utf8')) as { ports: ListedSerialPort[] }).ports;
const sysfs = recordedSysfs(JSON.parse(readFileSync(fixture('sysfs-tree'), 'utf8')) as Parameters<typeof recordedSysfs>[0]);
const GADGET_ID = standInId({ vendorId: '1d6b', productId: '0104', serial: 'FLREF0001', busPath: '1-3' });

interface Rig {
  lane: UsbLane;
  registry: DeviceRegistry;
  adapter: ReplayBusWithBulk;
  device: SimulatedBulkDevice;
  asked: string[];
}

/** A lane over `recording`, whose gadget's bulk interface is `device`; linked ttys stay silent. */
async function rig(recording: UsbRecording, device: SimulatedBulkDevice, inUse?: (path: SerialPath | UsbPath) => boolean): Promise<Rig> {
  const adapter = new ReplayBusWithBulk([recording], device);
  const registry = new DeviceRegistry();
  const asked: string[] = [];
  const lane = new UsbLane({
    adapter,
    catalog,
    listPorts: async () => ports,
    sysfs,
    registry,
    now: () => 1000,
    timeoutMs: 150,
    inUse,
    bulk: { pollTimeoutMs: 20 },
    probe: async (c: ProbeCandidate): Promise<SerialProbeOutcome> => {
      asked.push(c.path);
      return { result: 'no-answer', detail: `nothing answered FGP hello on ${c.path} at ${c.baudRates.join(', ')} baud` };
    },
  });
  await lane.start();
  await lane.settled();
  return { lane, registry, adapter, device, asked };
}

const bulkOnly = (extra: Partial<UsbRecording> = {}): UsbRecording => ({
  source: 'the reference gadget with only its FGP bulk interface',
  devices: [bulkOnlyGadget()],
  access: {},
  events: [],
  ...extra,
});

describe('USB lane: hello over the FGP bulk interface', () => {
  test('no permission to open the interface: a stand-in that says so, with the udev rule; asked again only after a replug', async () => {
    const device = new SimulatedBulkDevice({ openError: 'open error: Permission denied (os error 13)' });
    const recording = bulkOnly({ access: { '1-3': { message: 'Permission denied (os error 13)' } } });
    const { lane, registry, adapter } = await rig(recording, device);
    try {
      const rows = registry.list();
      assert.equal(rows.length, 1);
      const row = rows[0]!;
      assert.equal(row.id, GADGET_ID, 'no FGP identity: listed under its stand-in id');
      assert.equal(row.descriptor, undefined);
      assert.equal(row.usb?.error?.code, 'access');
      assert.equal(row.usb?.probe?.result, 'permission-denied');
      assert.match(row.usb!.probe!.detail, /Permission denied on usb 1-3 \(1d6b:0104\)/);
      assert.match(row.usb!.probe!.fix!, /ATTRS\{idVendor\}=="1d6b"/);
      assert.match(row.usb!.probe!.fix!, /udevadm control --reload-rules/);
      assert.deepEqual(
        adapter.bulkOpens.map((t) => [t.busPath, t.interfaceNumber, t.endpointIn, t.endpointOut]),
        [['1-3', 4, 0x85, 0x03]],
      );

      await lane.round();
      await lane.settled();
      assert.equal(adapter.bulkOpens.length, 1, 'a failed claim is not retried each round');

      await adapter.load([]);
      await lane.settled();
      assert.equal(registry.size, 0, 'the stand-in went with its cable');
      await adapter.load([recording]);
      await lane.settled();
      assert.equal(adapter.bulkOpens.length, 2, 'a replug (after the udev rule) asks again');
    } finally {
      await lane.stop();
    }
  });

  for (const [what, openError, result, detail, fix] of [
    [
      'claimed by another program',
      'claimInterface error: Device or resource busy (os error 16)',
      'busy',
      /interface 4 is claimed by another program/,
      /Close the other program/,
    ],
    ['stalled', 'open error: Pipe error (os error 32)', 'error', /stalled the request/, /unplug and replug/],
    ['gone while opening', 'open error: No such device (os error 19)', 'error', /is not there/, /Check the cable/],
  ] as const) {
    test(`an interface ${what}: the stand-in's probe says what happened and what to do`, async () => {
      const { lane, registry } = await rig(bulkOnly(), new SimulatedBulkDevice({ openError }));
      try {
        const probe = registry.get(GADGET_ID)?.usb?.probe;
        assert.equal(probe?.result, result);
        assert.match(probe!.detail, detail);
        assert.match(probe!.fix!, fix);
      } finally {
        await lane.stop();
      }
    });
  }

  test('a claim that fails is shown over a silent tty beside it; a silent interface is released again', async () => {
    const gadget = readUsbRecording(fixture('fieldline-reference-gadget'));
    const denied = await rig(gadget, new SimulatedBulkDevice({ openError: 'open error: Permission denied (os error 13)' }));
    try {
      assert.deepEqual(denied.asked, ['/dev/ttyACM0'], 'the linked tty is asked too');
      const probe = denied.registry.get(GADGET_ID)?.usb?.probe;
      assert.equal(probe?.result, 'permission-denied', 'the udev fix, not "nothing answered on ttyACM0"');
    } finally {
      await denied.lane.stop();
    }

    // Nothing serves the interface: hello times out, and the interface is released.
    const silent = await rig(gadget, new SimulatedBulkDevice());
    try {
      assert.equal(silent.adapter.bulkOpens.length, 1);
      assert.equal(silent.device.isClaimed, false, 'released after the probe');
      assert.equal(silent.device.log.closes, silent.device.log.opens);
      const row = silent.registry.get(GADGET_ID)!;
      assert.equal(row.usb?.probe?.result, 'no-answer');
      await silent.lane.round();
      await silent.lane.settled();
      assert.equal(silent.adapter.bulkOpens.length, 1, 'a silent interface waits for a replug, like a silent tty');
    } finally {
      await silent.lane.stop();
    }
  });

  test('while a session holds the device (usb:<busPath> leased) neither its interface nor its tty is opened', async () => {
    const held = new Set(['usb:1-3']);
    const inUse = (p: SerialPath | UsbPath): boolean => held.has(p.transport === 'usb' ? `usb:${p.busPath}` : p.path);
    const recording = readUsbRecording(fixture('fieldline-reference-gadget'));
    const jetson = readUsbRecording(fixture('jetson-orin-nano-recovery'));
    const r = await rig(
      { ...recording, devices: [...recording.devices, ...jetson.devices], access: jetson.access },
      new SimulatedBulkDevice(),
      inUse,
    );
    try {
      assert.equal(r.adapter.bulkOpens.length, 0);
      assert.deepEqual(r.asked, []);
      held.clear();
      await r.lane.round();
      await r.lane.settled();
      assert.deepEqual(
        r.adapter.bulkOpens.map((t) => t.busPath),
        ['1-3'],
        'asked once the session let go; never the recovery-mode device',
      );
      assert.deepEqual(r.asked, ['/dev/ttyACM0']);
    } finally {
      await r.lane.stop();
    }
  });

  test('a session that takes its lease while a probe has the interface open waits for released(), then finds it free', async () => {
    const held = new Set<string>();
    const inUse = (p: SerialPath | UsbPath): boolean => held.has(p.transport === 'usb' ? `usb:${p.busPath}` : p.path);
    const device = new SimulatedBulkDevice();
    const adapter = new ReplayBusWithBulk([bulkOnly()], device);
    const lane = new UsbLane({
      adapter,
      catalog,
      listPorts: async () => [],
      sysfs: null,
      registry: new DeviceRegistry(),
      now: () => 1000,
      timeoutMs: 150,
      inUse,
      bulk: { pollTimeoutMs: 20 },
    });
    await lane.start();
    try {
      // Nothing answers behind this interface: the probe holds it until hello times out.
      while (!device.isClaimed) await new Promise((r) => setImmediate(r));
      const usbPath: UsbPath = { transport: 'usb', busPath: '1-3', vendorId: '1d6b', productId: '0104', via: 'usb' };
      held.add('usb:1-3');
      await lane.released(usbPath);
      assert.equal(device.isClaimed, false, 'the probe let go of the interface');
      await lane.round();
      await lane.settled();
      assert.equal(adapter.bulkOpens.length, 1, 'and no probe claims it while the lease is held');
      await lane.released({ transport: 'serial', path: '/dev/ttyACM9', baudRate: 115200, via: 'probe' });
    } finally {
      await lane.stop();
    }
  });
});
