/**
 * The USB lane over replayed buses: which gateways the registry shows, in which mode, over which
 * paths; hot-plug; access errors. The serial probe is the one boundary replaced here (by recorded
 * hello answers): test/integration/usb-lane.test.ts runs the real probe against a real agent.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Device, DeviceChange, DeviceDescriptor } from '../../core/api/schemas.js';
import { device as deviceSchema } from '../../core/api/schemas.js';
import { DeviceRegistry, pathKey } from '../../core/discovery/registry.js';
import type { ProbeCandidate, SerialProbeOutcome } from '../../core/discovery/serial-probe.js';
import { recordedSysfs, type ListedSerialPort } from '../../core/discovery/usb/link.js';
import { readUsbRecording, ReplayUsbAdapter, type UsbRecording } from '../../core/discovery/usb/replay-adapter.js';
import { mergeUsbCatalogs, shippedUsbCatalog } from '../../core/discovery/usb/usb-catalog.js';
import { standInId, UsbLane, type UsbLaneSources } from '../../core/discovery/usb/usb-lane.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'usb');
const fixture = (name: string): string => join(fixtures, `${name}.json`);
const catalog = mergeUsbCatalogs(shippedUsbCatalog(), []);
const ports = (JSON.parse(readFileSync(fixture('serialport-list'), 'utf8')) as { ports: ListedSerialPort[] }).ports;
const sysfs = recordedSysfs(JSON.parse(readFileSync(fixture('sysfs-tree'), 'utf8')) as Parameters<typeof recordedSysfs>[0]);

const GATEWAY_ID = 'c0ffee'.padEnd(64, '0');

function descriptor(id = GATEWAY_ID): DeviceDescriptor {
  return {
    protocol: 1,
    id,
    publicKey: '00'.repeat(32),
    name: 'gw-bench-3',
    vendor: 'Fieldline',
    model: 'Reference gateway',
    hardwareRevision: 'r1',
    serial: 'FLREF0001',
    firmware: { version: '2.3.0', activeSlot: 'a' },
    slots: [],
    models: [],
    accelerators: [],
    capabilities: [],
    maxFrame: 8192,
  };
}

/** Recorded hello answers by port; every other port stays silent. */
function recordedProbe(answers: Record<string, DeviceDescriptor | SerialProbeOutcome>): {
  probe: (c: ProbeCandidate) => Promise<SerialProbeOutcome>;
  asked: ProbeCandidate[];
} {
  const asked: ProbeCandidate[] = [];
  return {
    asked,
    probe: async (c) => {
      asked.push(c);
      const answer = answers[c.path];
      if (answer && 'result' in answer) return answer;
      if (answer) return { result: 'found', baudRate: c.baudRates[0]!, descriptor: answer };
      return { result: 'no-answer', detail: `nothing answered FGP hello on ${c.path} at ${c.baudRates.join(', ')} baud` };
    },
  };
}

interface Rig {
  lane: UsbLane;
  registry: DeviceRegistry;
  changes: DeviceChange[];
  asked: ProbeCandidate[];
}

async function rig(
  sources: Partial<UsbLaneSources> & Pick<UsbLaneSources, 'adapter'>,
  answers: Record<string, DeviceDescriptor | SerialProbeOutcome> = {},
): Promise<Rig> {
  const registry = new DeviceRegistry();
  const changes: DeviceChange[] = [];
  registry.on('change', (c) => changes.push(c));
  const { probe, asked } = recordedProbe(answers);
  let t = 1000;
  const lane = new UsbLane({
    catalog,
    listPorts: async () => ports,
    sysfs,
    ...sources,
    registry,
    now: () => (t += 10),
    timeoutMs: 100,
    probe,
  });
  await lane.start();
  await lane.settled();
  return { lane, registry, changes, asked };
}

const byBusPath = (devices: readonly Device[]): Map<string, Device> =>
  new Map(devices.filter((d) => d.usb).map((d) => [d.usb!.busPath, d]));

describe('USB lane', () => {
  test('a field bench: one gateway merged under its real id, the rest listed with their mode and next step', async () => {
    const adapter = ReplayUsbAdapter.fromFiles(
      [
        'ftdi-ft232r',
        'silabs-cp2102',
        'fieldline-reference-gadget',
        'jetson-l4t-devmode',
        'jetson-orin-nano-recovery',
        'logitech-receiver-unknown',
      ].map(fixture),
    );
    const { lane, registry, asked } = await rig({ adapter }, { '/dev/ttyACM0': descriptor() });
    try {
      const devices = registry.list();
      for (const d of devices) assert.ok(deviceSchema.safeParse(d).success, `${d.name} fits the device schema`);
      const at = byBusPath(devices);
      assert.deepEqual([...at.keys()].sort(), ['1-1', '1-2', '1-3', '1-4', '1-5.2'], 'the unknown receiver (1-6) is not a gateway');

      const gw = at.get('1-3')!;
      assert.equal(gw.id, GATEWAY_ID, 'the gateway that answered hello is listed under its real id');
      assert.equal(gw.name, 'gw-bench-3');
      assert.deepEqual(
        gw.paths.map((p) => p.transport),
        ['usb', 'serial'],
      );
      const usbPath = gw.paths[0]!;
      assert.ok(usbPath.transport === 'usb');
      assert.equal(usbPath.busPath, '1-3');
      assert.deepEqual(usbPath.fgp, { interfaceNumber: 4, endpointIn: 0x85, endpointOut: 0x03 });
      assert.deepEqual(gw.paths[1], { transport: 'serial', path: '/dev/ttyACM0', baudRate: 115200, via: 'probe' });
      assert.equal(gw.usb?.mode, 'running');
      assert.deepEqual(gw.usb?.serialPorts, ['/dev/ttyACM0']);
      assert.deepEqual(gw.usb?.networkInterfaces, ['usb0']);
      assert.ok(gw.descriptor, 'the hello answer is kept');
      assert.equal(devices.filter((d) => d.usb?.busPath === '1-3').length, 1, 'no stand-in left beside the gateway');

      const recovery = at.get('1-4')!;
      assert.equal(recovery.id, standInId({ vendorId: '0955', productId: '7523', busPath: '1-4' }));
      assert.equal(recovery.usb?.mode, 'recovery');
      assert.match(recovery.usb!.nextStep, /l4t_initrd_flash\.sh/);
      assert.match(recovery.usb!.meaning, /Force Recovery Mode/);
      assert.equal(recovery.usb?.error?.code, 'access');
      assert.match(recovery.usb!.error!.fix, /ATTRS\{idVendor\}=="0955"/);
      assert.equal(recovery.usb?.probe?.result, 'not-probed');
      assert.deepEqual(recovery.paths, [{ transport: 'usb', busPath: '1-4', vendorId: '0955', productId: '7523', via: 'usb' }]);

      const ftdi = at.get('1-1')!;
      assert.equal(ftdi.usb?.mode, 'uart-bridge');
      assert.equal(ftdi.usb?.probe?.result, 'no-answer');
      assert.match(ftdi.usb!.probe!.detail, /\/dev\/ttyUSB0 at 115200, 921600 baud/);
      assert.equal(ftdi.id, standInId({ vendorId: '0403', productId: '6001', serial: 'A10K5XYZ', busPath: '1-1' }));

      const devmode = at.get('1-5.2')!;
      assert.equal(devmode.usb?.mode, 'usb-device-mode');
      assert.deepEqual(devmode.usb?.networkInterfaces, ['usb1']);
      assert.deepEqual(devmode.usb?.serialPorts, ['/dev/ttyACM1']);

      assert.deepEqual(
        asked.map((c) => c.path).sort(),
        ['/dev/ttyACM0', '/dev/ttyACM1', '/dev/ttyUSB0', '/dev/ttyUSB1'],
        'every linked port asked once; never the recovery device, never the built-in UART',
      );
      assert.deepEqual([...lane.serialPortPaths()].sort(), ['/dev/ttyACM0', '/dev/ttyACM1', '/dev/ttyUSB0', '/dev/ttyUSB1']);
      assert.deepEqual(lane.report(), { devices: 5 });
    } finally {
      await lane.stop();
    }
  });

  test('a round keeps the gateway fresh by asking again and leaves silent ports alone', async () => {
    const adapter = ReplayUsbAdapter.fromFiles([fixture('ftdi-ft232r'), fixture('fieldline-reference-gadget')]);
    const { lane, registry, asked } = await rig({ adapter }, { '/dev/ttyACM0': descriptor() });
    try {
      const before = registry.get(GATEWAY_ID)!.lastSeen;
      asked.length = 0;
      await lane.round();
      await lane.settled();
      assert.deepEqual(
        asked.map((c) => [c.path, c.baudRates]),
        [['/dev/ttyACM0', [115200]]],
        'the gateway at the baud rate it answered at; the silent FTDI not again',
      );
      assert.ok(registry.get(GATEWAY_ID)!.lastSeen > before);
    } finally {
      await lane.stop();
    }
  });

  test('busy FGP interface and permission errors are shown with their message and fix', async () => {
    const adapter = ReplayUsbAdapter.fromFiles([fixture('fieldline-reference-gadget'), fixture('gadget-busy')]);
    const permission: SerialProbeOutcome = {
      result: 'permission-denied',
      detail: '/dev/ttyACM0: permission denied',
      fix: 'Add yourself to the dialout group (sudo usermod -aG dialout $USER), then log out and in again.',
    };
    const { lane, registry } = await rig({ adapter }, { '/dev/ttyACM0': permission });
    try {
      const gadget = byBusPath(registry.list()).get('1-3')!;
      assert.equal(gadget.usb?.error?.code, 'busy');
      assert.equal(gadget.usb?.error?.message, 'USB device 1d6b:0104 is in use by another program or a kernel driver');
      assert.match(gadget.usb!.error!.fix, /close the other program/);
      assert.equal(gadget.usb?.probe?.result, 'permission-denied');
      assert.match(gadget.usb!.probe!.fix!, /dialout/);
      assert.equal(gadget.descriptor, undefined, 'no FGP identity: a stand-in');
    } finally {
      await lane.stop();
    }
  });

  test('hot-plug: attach and detach update the registry in order, a stand-in goes with its cable', async () => {
    const adapter = ReplayUsbAdapter.fromFiles([fixture('hotplug-sequence')]);
    const { lane, registry, changes } = await rig({ adapter }, { '/dev/ttyACM0': descriptor() });
    try {
      assert.equal(registry.size, 0);
      await adapter.replayEvents();
      await lane.settled();
      const ftdiId = standInId({ vendorId: '0403', productId: '6001', serial: 'A10K5XYZ', busPath: '1-1' });
      const jetsonId = standInId({ vendorId: '0955', productId: '7523', busPath: '1-4' });
      const seen = changes.map((c) => `${c.kind} ${c.device.usb?.busPath ?? ''} ${c.device.id === GATEWAY_ID ? 'gateway' : 'stand-in'}`);
      assert.deepEqual(
        seen.filter((s) => !s.startsWith('updated')),
        [
          'appeared 1-1 stand-in',
          'appeared 1-4 stand-in',
          'removed 1-1 stand-in',
          'appeared 1-3 stand-in',
          'removed 1-3 stand-in',
          'appeared 1-3 gateway',
        ],
      );
      assert.equal(registry.get(ftdiId), undefined);
      assert.equal(registry.get(jetsonId)?.usb?.mode, 'recovery');
      assert.equal(registry.get(GATEWAY_ID)?.state, 'online');
    } finally {
      await lane.stop();
    }
  });

  test('a watched recording: rewriting the file plugs and unplugs; a pulled gateway goes lost, a bad file is reported', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fieldline-usb-lane-'));
    const file = join(dir, 'bus.json');
    const kit = readUsbRecording(fixture('field-kit-recording'));
    const write = async (r: UsbRecording | string): Promise<void> => {
      await writeFile(`${file}.tmp`, typeof r === 'string' ? r : JSON.stringify(r));
      await rename(`${file}.tmp`, file);
    };
    const onlyJetson: UsbRecording = { ...kit, devices: kit.devices.filter((d) => d.busPath === '1-4') };
    await write(onlyJetson);
    const adapter = ReplayUsbAdapter.watchingFile(file);
    const { lane, registry } = await rig(
      { adapter, listPorts: async () => adapter.serialPorts(), sysfs: adapter.sysfs(), replay: file, replayError: () => adapter.loadError },
      { '/dev/ttyACM0': descriptor() },
    );
    const until = async (what: string, ok: () => boolean): Promise<void> => {
      for (let i = 0; i < 400 && !ok(); i++) {
        await new Promise((r) => setTimeout(r, 25));
        await lane.settled();
      }
      assert.ok(ok(), what);
    };
    try {
      assert.deepEqual([...byBusPath(registry.list()).keys()], ['1-4']);
      await write(kit);
      await until('the gadget is plugged in', () => registry.get(GATEWAY_ID)?.state === 'online');
      assert.deepEqual(registry.get(GATEWAY_ID)!.paths.map(pathKey), [
        pathKey({ transport: 'usb', busPath: '1-3', vendorId: '1d6b', productId: '0104', serial: 'FLREF0001', via: 'usb' }),
        pathKey({ transport: 'serial', path: '/dev/ttyACM0', baudRate: 115200, via: 'probe' }),
      ]);
      await write('{ "source": ');
      await until('a broken file is reported', () => /not valid JSON/.test(lane.report().error ?? ''));
      assert.equal(registry.get(GATEWAY_ID)?.state, 'online', 'a broken file changes nothing on the bus');
      await write(onlyJetson);
      await until('the gadget is unplugged', () => registry.get(GATEWAY_ID)?.state === 'lost');
      assert.equal(registry.get(GATEWAY_ID)?.usb?.attached, false, 'the row says the cable was pulled');
      assert.equal(lane.report().error, undefined);
      assert.equal(byBusPath(registry.list()).get('1-1'), undefined, 'the FTDI stand-in went with its cable');
    } finally {
      await lane.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('pulling the cable takes the LAN path on its USB network interface too; another LAN path keeps the gateway online', async () => {
    const kit = readUsbRecording(fixture('field-kit-recording'));
    const adapter = new ReplayUsbAdapter([kit]);
    const { lane, registry } = await rig(
      { adapter, listPorts: async () => adapter.serialPorts(), sysfs: adapter.sysfs() },
      { '/dev/ttyACM0': descriptor() },
    );
    try {
      const gw = registry.get(GATEWAY_ID)!;
      assert.deepEqual(gw.usb?.networkInterfaces, ['usb0']);
      const lan = (iface: string, host: string) => ({
        id: GATEWAY_ID,
        name: gw.name,
        vendor: gw.vendor,
        model: gw.model,
        serial: gw.serial,
        firmware: gw.firmware,
        path: { transport: 'tcp' as const, host, port: 48621, tls: true, via: 'mdns' as const, iface },
        at: 5000,
      });
      // As the LAN lane reports the same agent on the USB network link and on the site network.
      registry.sight(lan('usb0', '192.168.7.2'));
      registry.sight(lan('eth0', '10.0.0.9'));
      assert.equal(registry.get(GATEWAY_ID)!.paths.length, 4);
      await adapter.load([{ ...kit, devices: kit.devices.filter((d) => d.busPath !== '1-3') }]);
      await lane.settled();
      const after = registry.get(GATEWAY_ID)!;
      assert.equal(after.state, 'online');
      assert.deepEqual(
        after.paths.map((p) => (p.transport === 'tcp' ? p.iface : p.transport)),
        ['eth0'],
      );
      assert.equal(after.usb, undefined, 'no longer a USB device');
    } finally {
      await lane.stop();
    }
  });

  test('a gateway that falls silent with its cable in: its own row goes lost (no second row), and comes back', async () => {
    const adapter = ReplayUsbAdapter.fromFiles([fixture('fieldline-reference-gadget')]);
    const answers: Record<string, DeviceDescriptor | SerialProbeOutcome> = { '/dev/ttyACM0': descriptor() };
    const registry = new DeviceRegistry();
    const lane = new UsbLane({
      adapter,
      catalog,
      listPorts: async () => ports,
      sysfs,
      registry,
      now: () => 1000,
      timeoutMs: 100,
      probe: async (c) => recordedProbe(answers).probe(c),
    });
    await lane.start();
    try {
      await lane.settled();
      assert.equal(registry.get(GATEWAY_ID)?.state, 'online');
      delete answers['/dev/ttyACM0'];
      await lane.round();
      await lane.settled();
      const rows = registry.list();
      assert.equal(rows.length, 1, 'the lost gateway stands for the device: no stand-in beside it');
      assert.equal(rows[0]!.id, GATEWAY_ID);
      assert.equal(rows[0]!.state, 'lost');
      assert.equal(rows[0]!.usb?.attached, true, 'the cable is still in');
      assert.match(rows[0]!.usb!.probe!.detail, /stopped answering/);
      answers['/dev/ttyACM0'] = descriptor();
      await lane.round();
      await lane.settled();
      assert.equal(registry.get(GATEWAY_ID)?.state, 'online', 'asked again each round, so a reboot is noticed');
      assert.equal(registry.list().length, 1);
      delete answers['/dev/ttyACM0'];
      await lane.round();
      await lane.settled();
      await adapter.load([]);
      await lane.settled();
      assert.equal(registry.get(GATEWAY_ID)?.usb?.attached, false, 'then unplugged');
      assert.equal(registry.list().length, 1);
    } finally {
      await lane.stop();
    }
  });

  test('no USB bus: the lane says why and lists nothing', async () => {
    const { lane, registry } = await rig({ adapter: ReplayUsbAdapter.fromFiles([fixture('no-usb-bus')]) });
    try {
      assert.equal(registry.size, 0);
      assert.match(lane.report().error!, /no USB access on this machine: getDevices error/);
    } finally {
      await lane.stop();
    }
  });
});
