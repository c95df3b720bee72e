/**
 * Serial discovery against a real agent behind a socat pty pair, and against silent ports.
 *
 * `SerialPort.list()` never shows ptys, so the ports are named, as a technician would; the
 * listing is injected with recorded descriptors to show catalog matching in the same run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulation, type Emulation } from '../../agent/emulate.js';
import { openPtyPair, type PtyPair } from '../../agent/socat-pty.js';
import { device as deviceSchema, discoveryReport } from '../../core/api/schemas.js';
import { DeviceRegistry, Discovery, probeSerialPort } from '../../core/discovery/index.js';
import { closeSerial, openSerial } from '../../core/transport/serial.js';

describe('serial discovery over socat ptys', () => {
  let dir = '';
  let emulation: Emulation | null = null;
  let silent: PtyPair | null = null;
  let gatewayPort = '';

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fieldline-discovery-serial-'));
    emulation = await startEmulation({ count: 1, serialGateways: 1, baseDir: path.join(dir, 'gateways') });
    gatewayPort = emulation.gateways[0]!.serial!.clientPath;
    // A pty pair nobody serves: what a console cable to a powered-off gateway looks like.
    silent = await openPtyPair(path.join(dir, 'nobody.tty'), path.join(dir, 'silent.tty'));
  });

  after(async () => {
    await emulation?.close().catch(() => undefined);
    await silent?.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  test('the agent behind a pty is found when the port is named, with its verified descriptor', { timeout: 30_000 }, async () => {
    const agent = emulation!.gateways[0]!.agent;
    const registry = new DeviceRegistry();
    const discovery = new Discovery(registry, {
      mdns: false,
      udp: false,
      serialPorts: [gatewayPort],
      // Recorded from a laptop: an FTDI cable that is not plugged into anything here.
      listSerialPorts: async () => [{ path: path.join(dir, 'ttyUSB-recorded'), vendorId: '0403', productId: '6001', manufacturer: 'FTDI' }],
    });
    await discovery.start();
    try {
      const deadline = Date.now() + 15_000;
      const settled = (): boolean => discovery.report().serialPorts.every((p) => p.result !== 'pending');
      while ((!registry.get(agent.id) || !settled()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      const device = registry.get(agent.id);
      assert.ok(device, `not found; report: ${JSON.stringify(discovery.report())}`);
      assert.deepEqual(device.paths, [{ transport: 'serial', path: gatewayPort, baudRate: 115200, via: 'probe' }]);
      assert.equal(device.name, agent.name);
      assert.equal(device.descriptor?.id, agent.id, 'the hello descriptor is stored');
      assert.equal(device.descriptor?.hardwareRevision, agent.descriptor().hardwareRevision);
      assert.equal(deviceSchema.safeParse(device).success, true);

      const report = discovery.report();
      assert.equal(discoveryReport.safeParse(report).success, true);
      const named = report.serialPorts.find((p) => p.path === gatewayPort)!;
      assert.equal(named.reason, 'named');
      assert.equal(named.result, 'found');
      assert.deepEqual(named.baudRates, [115200, 921600]);
      const recorded = report.serialPorts.find((p) => p.path.endsWith('ttyUSB-recorded'))!;
      assert.equal(recorded.reason, 'catalog');
      assert.equal(recorded.catalogEntry, 'FTDI FT232R USB UART');
      assert.equal(recorded.result, 'error');
      assert.match(recorded.detail ?? '', /does not exist/);
      assert.equal(report.devicesFound, 1);
    } finally {
      await discovery.stop();
    }
    // The probe closed the port: a session can open it (with its lock) right away.
    const port = await openSerial({ path: gatewayPort, baudRate: 115200 });
    await closeSerial(port);
  });

  test('a pty with nothing behind it is no-answer at both baud rates, and the port is closed afterwards', { timeout: 30_000 }, async () => {
    const outcome = await probeSerialPort({ path: silent!.clientPath, reason: 'named', baudRates: [115200, 921600] }, { timeoutMs: 300 });
    assert.equal(outcome.result, 'no-answer');
    assert.match(outcome.result === 'no-answer' ? outcome.detail : '', /115200, 921600 baud/);
    // Not left open or locked: opening it again with an exclusive lock works.
    const port = await openSerial({ path: silent!.clientPath, baudRate: 115200 });
    assert.equal(port.isOpen, true);
    await closeSerial(port);
  });

  test('a port held by another program is reported busy, not probed, and stays with its owner', { timeout: 30_000 }, async () => {
    const holder = await openSerial({ path: silent!.clientPath, baudRate: 115200 });
    try {
      const outcome = await probeSerialPort({ path: silent!.clientPath, reason: 'named', baudRates: [115200, 921600] }, { timeoutMs: 300 });
      assert.equal(outcome.result, 'busy');
      assert.match(outcome.result === 'busy' ? (outcome.fix ?? '') : '', /Close the other program/);
      assert.equal(holder.isOpen, true);
    } finally {
      await closeSerial(holder);
    }
  });

  test(
    'a found gateway whose port is then held by a session stays online while probes find the port busy',
    { timeout: 30_000 },
    async () => {
      const agent = emulation!.gateways[0]!.agent;
      const registry = new DeviceRegistry();
      const discovery = new Discovery(registry, {
        mdns: false,
        udp: false,
        serialPorts: [gatewayPort],
        probeIntervalMs: 200,
        lostAfterMs: 1000,
        serialTimeoutMs: 300,
        listSerialPorts: async () => [],
      });
      await discovery.start();
      try {
        const waitUntil = async (what: string, check: () => boolean): Promise<void> => {
          const deadline = Date.now() + 15_000;
          while (!check()) {
            if (Date.now() > deadline)
              throw new Error(
                `timed out until ${what}: ${JSON.stringify(registry.get(agent.id))} ${JSON.stringify(discovery.report().serialPorts)}`,
              );
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
        };
        await waitUntil('found', () => registry.get(agent.id)?.state === 'online');
        // Our own session (as the engine would open it) holds the port while probes keep coming.
        const session = await openSerial({ path: gatewayPort, baudRate: 115200 });
        const seenBefore = registry.get(agent.id)!.lastSeen;
        try {
          await waitUntil('several probe rounds met the busy port', () => registry.get(agent.id)!.lastSeen > seenBefore + 1000);
          assert.equal(registry.get(agent.id)!.state, 'online', 'busy with our session is not gone');
          assert.equal(discovery.report().serialPorts[0]!.result, 'found');
        } finally {
          await closeSerial(session);
        }
      } finally {
        await discovery.stop();
      }
    },
  );

  test('a named silent port shows in the report as no-answer with a hint', { timeout: 30_000 }, async () => {
    const registry = new DeviceRegistry();
    const discovery = new Discovery(registry, {
      mdns: false,
      udp: false,
      serialPorts: [silent!.clientPath],
      serialTimeoutMs: 300,
      listSerialPorts: async () => [],
    });
    await discovery.start();
    try {
      const deadline = Date.now() + 15_000;
      while (discovery.report().serialPorts[0]?.result !== 'no-answer' && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 25));
      const report = discovery.report();
      assert.equal(report.serialPorts[0]?.result, 'no-answer', JSON.stringify(report));
      assert.ok(report.hints.some((h) => h.code === 'serial-no-answer' && h.message.includes(silent!.clientPath)));
      assert.equal(registry.size, 0);
    } finally {
      await discovery.stop();
    }
  });
});
