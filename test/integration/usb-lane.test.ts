/**
 * The USB lane end to end below the UI: a recorded USB gadget whose linked serial port is a real
 * socat pty with the reference agent on the other end. The bus is the one boundary replayed (no
 * USB here); the serial probe, the FGP hello and the registry merge are the real ones. A second
 * gadget has only its FGP bulk interface: the replayed endpoint pair of
 * test/helpers/usb-bulk-bridge.ts relays to a pty where the real agent serves FGP, so the lane's
 * bulk hello and the session after it are the real ones too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { loadDemoTechnician } from '../../agent/demo-technician.js';
import { emulatedDevice } from '../../agent/emulate.js';
import { openPtyPair, type PtyPair } from '../../agent/socat-pty.js';
import type { SerialPort } from 'serialport';
import type { DeviceChange, DeviceDescriptor, DevicePath } from '../../core/api/schemas.js';
import { dispatch } from '../../core/api/dispatch.js';
import { Discovery } from '../../core/discovery/discovery.js';
import { DeviceRegistry } from '../../core/discovery/registry.js';
import { readUsbRecording, ReplayUsbAdapter, type UsbRecording } from '../../core/discovery/usb/replay-adapter.js';
import { mergeUsbCatalogs, shippedUsbCatalog } from '../../core/discovery/usb/usb-catalog.js';
import { recordedSysfs } from '../../core/discovery/usb/link.js';
import { standInId, UsbLane } from '../../core/discovery/usb/usb-lane.js';
import { openDeviceSession } from '../../core/engine/device-session.js';
import { authenticate } from '../../core/protocol/client-session.js';
import { createEngine } from '../../core/engine/engine.js';
import { PortLeases } from '../../core/engine/port-leases.js';
import { closeSerial, openSerial } from '../../core/transport/serial.js';
import { bridgeToSerial, bulkOnlyGadget, ReplayBusWithBulk, SimulatedBulkDevice } from '../helpers/usb-bulk-bridge.js';

const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'usb');

describe('USB lane with a real agent on the linked serial port', { timeout: 60_000 }, () => {
  let dir: string;
  let pty: PtyPair;
  let agent: RunningAgent;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fieldline-usb-lane-'));
    pty = await openPtyPair(path.join(dir, 'agent.tty'), path.join(dir, 'ttyACM0'));
    agent = await startAgent({
      stateDir: path.join(dir, 'state'),
      device: emulatedDevice(4, 5),
      trust: [loadDemoTechnician().trustEntry],
      tcp: false,
      mdns: false,
      udp: false,
      serialPath: pty.agentPath,
    });
  });

  after(async () => {
    await agent?.close();
    await pty?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the registry shows one gateway, under the agent id, reachable over USB and serial', async () => {
    const gadget = readUsbRecording(path.join(fixtures, 'fieldline-reference-gadget.json')).devices[0]!;
    const jetson = readUsbRecording(path.join(fixtures, 'jetson-orin-nano-recovery.json'));
    const tty = path.basename(pty.clientPath);
    const adapter = new ReplayUsbAdapter([
      {
        source: 'the reference gadget, its ACM function being the pty the agent serves',
        devices: [gadget],
        access: {},
        events: [],
        serialPorts: [
          { path: pty.clientPath, vendorId: '1d6b', productId: '0104', serialNumber: gadget.serial, manufacturer: 'Fieldline' },
        ],
        sysfs: {
          dirs: { '/sys/class/tty': [tty] },
          links: { [`/sys/class/tty/${tty}/device`]: '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.2' },
        },
      },
      jetson,
    ]);
    const registry = new DeviceRegistry();
    const discovery = new Discovery(registry, {
      mdns: false,
      udp: false,
      serial: false,
      serialTimeoutMs: 2000,
      usb: {
        adapter,
        catalog: mergeUsbCatalogs(shippedUsbCatalog(), []),
        listPorts: async () => adapter.serialPorts(),
        sysfs: adapter.sysfs(),
      },
    });
    await discovery.start();
    try {
      await discovery.usb!.settled();
      const gateways = registry.list().filter((d) => d.usb?.busPath === '1-3');
      assert.equal(gateways.length, 1, 'one device for the gadget, no stand-in beside it');
      const gw = gateways[0]!;
      assert.equal(gw.id, agent.id, "the agent's real id");
      assert.equal(gw.state, 'online');
      assert.deepEqual(
        gw.paths.map((p) =>
          p.transport === 'usb'
            ? `usb ${p.busPath} fgp:${p.fgp?.interfaceNumber}`
            : p.transport === 'serial'
              ? `serial ${p.path}`
              : p.transport,
        ),
        ['usb 1-3 fgp:4', `serial ${pty.clientPath}`],
      );
      assert.equal(gw.descriptor?.id, agent.id, 'the hello answer is kept');
      assert.equal(gw.usb?.mode, 'running');

      const recovery = registry.get(standInId({ vendorId: '0955', productId: '7523', busPath: '1-4' }));
      assert.equal(recovery?.usb?.mode, 'recovery');
      assert.equal(recovery?.usb?.error?.code, 'access');

      const report = discovery.report();
      assert.equal(report.devicesFound, 1, 'the stand-in is not counted as a gateway found');
      assert.deepEqual(report.usb, { devices: 2 });
    } finally {
      await discovery.stop();
    }
  });

  test('the engine runs the lane over FIELDLINE_USB_REPLAY and follows the file: devices.changed on plug and unplug', async () => {
    const gadget = readUsbRecording(path.join(fixtures, 'fieldline-reference-gadget.json')).devices[0]!;
    const tty = path.basename(pty.clientPath);
    const busFile = path.join(dir, 'bus.json');
    const write = async (r: UsbRecording): Promise<void> => {
      await writeFile(`${busFile}.tmp`, JSON.stringify(r));
      await rename(`${busFile}.tmp`, busFile);
    };
    const empty: UsbRecording = { source: 'nothing plugged in', devices: [], access: {}, events: [] };
    await write(empty);
    process.env.FIELDLINE_USB_REPLAY = busFile;
    const engine = await createEngine({ dataDir: path.join(dir, 'app'), host: 'cli', discovery: { interfaces: ['lo'], udpPort: 1 } });
    delete process.env.FIELDLINE_USB_REPLAY;
    const changes: DeviceChange[] = [];
    engine.subscribe((event, data) => {
      if (event === 'devices.changed') changes.push(data as DeviceChange);
    });
    const until = async (what: string, ok: () => boolean): Promise<void> => {
      for (let i = 0; i < 600 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
      assert.ok(ok(), what);
    };
    try {
      const started = await dispatch(engine.handlers, 'discovery.start', { interfaces: ['lo'] });
      assert.ok(started.ok);
      await write({
        source: 'the reference gadget on the pty',
        devices: [gadget],
        access: {},
        events: [],
        serialPorts: [{ path: pty.clientPath, vendorId: '1d6b', productId: '0104', serialNumber: gadget.serial }],
        sysfs: { dirs: {}, links: { [`/sys/class/tty/${tty}/device`]: '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.2' } },
      });
      await until('the gateway appears over USB + serial', () =>
        changes.some((c) => c.device.id === agent.id && c.device.paths.some((p) => p.transport === 'serial')),
      );
      const listed = await dispatch(engine.handlers, 'devices.list', {});
      assert.ok(listed.ok);
      await write(empty);
      await until('unplugging turns it lost', () => changes.some((c) => c.kind === 'lost' && c.device.id === agent.id));
      const report = await dispatch(engine.handlers, 'discovery.report', {});
      assert.ok(report.ok);
      assert.deepEqual((report.value as { usb?: unknown }).usb, { devices: 0, replay: busFile });
    } finally {
      await engine.close();
    }
  });
});

describe('USB lane with the real agent behind the FGP bulk interface', { timeout: 60_000 }, () => {
  let dir: string;
  let pty: PtyPair;
  let agent: RunningAgent;
  let line: SerialPort;
  let device: SimulatedBulkDevice;
  let unbridge: () => void;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fieldline-usb-lane-bulk-'));
    pty = await openPtyPair(path.join(dir, 'agent.tty'), path.join(dir, 'gadget.tty'));
    agent = await startAgent({
      stateDir: path.join(dir, 'state'),
      device: emulatedDevice(4, 6),
      trust: [loadDemoTechnician().trustEntry],
      tcp: false,
      mdns: false,
      udp: false,
      serialPath: pty.agentPath,
    });
    line = await openSerial({ path: pty.clientPath, baudRate: 115200 });
    device = new SimulatedBulkDevice();
    unbridge = bridgeToSerial(device, line);
  });

  after(async () => {
    unbridge?.();
    if (line) await closeSerial(line).catch(() => undefined);
    await agent?.close();
    await pty?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a gadget with only its bulk interface: one gateway under the agent id; a session on its usb path; unplugged, lost', async () => {
    const recording: UsbRecording = {
      source: 'the reference gadget, FGP bulk interface only',
      devices: [bulkOnlyGadget()],
      access: {},
      events: [],
    };
    const adapter = new ReplayBusWithBulk([recording], device);
    // As the engine wires it: a session leases usb:<busPath>, discovery's inUse sees the lease.
    const leases = new PortLeases();
    const leaseKey = (p: DevicePath): string => (p.transport === 'usb' ? `usb:${p.busPath}` : p.transport === 'serial' ? p.path : p.host);
    const registry = new DeviceRegistry();
    const discovery = new Discovery(registry, {
      mdns: false,
      udp: false,
      serial: false,
      serialTimeoutMs: 5000,
      inUse: (p) => leases.isHeld(leaseKey(p)),
      usb: { adapter, catalog: mergeUsbCatalogs(shippedUsbCatalog(), []), listPorts: async () => [], sysfs: null },
    });
    await discovery.start();
    try {
      await discovery.usb!.settled();
      const rows = registry.list();
      assert.equal(rows.length, 1, 'one device for the gadget, no stand-in beside it');
      const gw = rows[0]!;
      assert.equal(gw.id, agent.id, "the agent's real id, proven by hello over bulk transfers");
      assert.equal(gw.state, 'online');
      assert.equal(gw.descriptor?.id, agent.id);
      assert.equal(gw.usb?.mode, 'running');
      assert.equal(gw.usb?.probe, undefined, 'a gateway, not a stand-in');
      assert.deepEqual(gw.paths, [
        {
          transport: 'usb',
          busPath: '1-3',
          vendorId: '1d6b',
          productId: '0104',
          serial: 'FLREF0001',
          fgp: { interfaceNumber: 4, endpointIn: 0x85, endpointOut: 0x03 },
          via: 'usb',
        },
      ]);
      assert.equal(device.isClaimed, false, 'the probe released the interface');
      // Discovery's own early rounds ask again: how often depends on timing, so only "at least once".
      assert.ok(adapter.bulkOpens.length >= 1);
      assert.deepEqual(discovery.report().usb, { devices: 1 });
      assert.equal(discovery.report().devicesFound, 1);

      const usbPath = gw.paths[0]!;
      assert.ok(usbPath.transport === 'usb');
      const release = leases.hold(leaseKey(usbPath));
      // A probe a round started before the lease was taken lets go of the interface first.
      await discovery.usb!.released(usbPath);
      const opensBefore = adapter.bulkOpens.length;
      const session = await openDeviceSession(usbPath, { usb: adapter, expectId: gw.id, timeoutMs: 10_000 });
      try {
        assert.equal(session.descriptor.id, agent.id, 'the session completes hello on the path discovery listed');
        assert.equal(device.isClaimed, true);
        await discovery.usb!.round();
        await discovery.usb!.settled();
        assert.equal(adapter.bulkOpens.length, opensBefore + 1, 'only the session opened it: no probe while the session holds the device');
        assert.equal(registry.get(agent.id)?.state, 'online');
        await authenticate(session.peer, session.descriptor.id, loadDemoTechnician().identity);
        assert.ok(await session.peer.request('status', {}), 'the session still works after the round');
      } finally {
        await session.close();
        release();
      }
      assert.equal(device.isClaimed, false);
      const opensAfter = adapter.bulkOpens.length;
      await discovery.usb!.round();
      await discovery.usb!.settled();
      assert.ok(adapter.bulkOpens.length > opensAfter, 'the gateway is kept fresh over its bulk interface again');
      assert.equal(registry.get(agent.id)?.state, 'online');

      await adapter.load([]);
      await discovery.usb!.settled();
      const lost = registry.get(agent.id)!;
      assert.equal(lost.state, 'lost', 'unplugged: lost');
      assert.equal(lost.usb?.attached, false, 'the row says the cable was pulled');
      assert.equal(registry.size, 1);
    } finally {
      await discovery.stop();
    }
  });

  test('bulk interface and tty both answer: one gateway with both paths, kept fresh over bulk', async () => {
    // The agent serves one line (behind the bulk bridge), so the tty's answer is the one it gave over bulk.
    const usbPath: DevicePath = {
      transport: 'usb',
      busPath: '1-3',
      vendorId: '1d6b',
      productId: '0104',
      serial: 'FLREF0001',
      fgp: { interfaceNumber: 4, endpointIn: 0x85, endpointOut: 0x03 },
      via: 'usb',
    };
    const hello = await openDeviceSession(usbPath, { usb: device, timeoutMs: 10_000 });
    const descriptor: DeviceDescriptor = hello.descriptor;
    await hello.close();

    const gadget = readUsbRecording(path.join(fixtures, 'fieldline-reference-gadget.json'));
    const adapter = new ReplayBusWithBulk([gadget], device);
    const registry = new DeviceRegistry();
    const asked: string[] = [];
    const lane = new UsbLane({
      adapter,
      catalog: mergeUsbCatalogs(shippedUsbCatalog(), []),
      listPorts: async () => [{ path: '/dev/ttyACM0', vendorId: '1d6b', productId: '0104', serialNumber: 'FLREF0001' }],
      sysfs: recordedSysfs({
        dirs: {},
        links: { '/sys/class/tty/ttyACM0/device': '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.2' },
      }),
      registry,
      now: () => Date.now(),
      timeoutMs: 5000,
      probe: async (c) => {
        asked.push(c.path);
        return { result: 'found', baudRate: c.baudRates[0]!, descriptor };
      },
    });
    await lane.start();
    try {
      await lane.settled();
      assert.equal(registry.size, 1);
      const gw = registry.get(agent.id)!;
      assert.deepEqual(
        gw.paths.map((p) =>
          p.transport === 'usb'
            ? `usb ${p.busPath} fgp:${p.fgp?.interfaceNumber}`
            : p.transport === 'serial'
              ? `serial ${p.path}`
              : p.transport,
        ),
        ['usb 1-3 fgp:4', 'serial /dev/ttyACM0'],
      );
      assert.equal(adapter.bulkOpens.length, 1, 'the bulk interface was asked first');
      assert.deepEqual(asked, ['/dev/ttyACM0']);
      await lane.round();
      await lane.settled();
      assert.equal(adapter.bulkOpens.length, 2, 'a round asks the bulk interface');
      assert.deepEqual(asked, ['/dev/ttyACM0'], 'and not the tty: bulk is preferred');
      assert.equal(registry.get(agent.id)?.paths.length, 2);
    } finally {
      await lane.stop();
    }
  });
});
