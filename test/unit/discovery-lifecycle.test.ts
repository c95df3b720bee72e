/**
 * Discovery's start/stop life cycle and its report, on loopback only and with no gateway around.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { discoveryReport, type DiscoveryReport } from '../../core/api/schemas.js';
import { DeviceRegistry, Discovery } from '../../core/discovery/index.js';

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

test('start and stop are idempotent, the report follows, and it matches the API schema', { timeout: 20_000 }, async () => {
  const registry = new DeviceRegistry();
  const discovery = new Discovery(registry, {
    interfaces: ['lo'],
    udpPort: await freeUdpPort(),
    mdns: false,
    listSerialPorts: async () => {
      throw new Error('spawn udevadm ENOENT');
    },
  });
  const reports: DiscoveryReport[] = [];
  discovery.on('report', (r) => reports.push(r));
  const first = await discovery.start();
  assert.equal(first.running, true);
  assert.equal(typeof first.startedAt, 'number');
  assert.equal((await discovery.start()).running, true, 'a second start is harmless');
  const lo = first.interfaces.find((i) => i.name === 'lo')!;
  assert.equal(lo.used, true);
  assert.equal(lo.kind, 'loopback');
  assert.ok(
    first.interfaces.filter((i) => i.name !== 'lo').every((i) => !i.used),
    'nothing but lo is used',
  );

  const deadline = Date.now() + 10_000;
  while (!reports.some((r) => r.hints.some((h) => h.code === 'no-lan-answers')) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 25));
  const latest = reports.at(-1)!;
  assert.ok(
    latest.hints.some((h) => h.code === 'no-lan-answers'),
    JSON.stringify(latest),
  );
  assert.ok(latest.hints.some((h) => h.code === 'serial-list-failed' && /udevadm ENOENT/.test(h.message)));
  assert.equal(discoveryReport.safeParse(latest).success, true);

  const stopped = await discovery.stop();
  assert.equal(stopped.running, false);
  assert.equal(reports.at(-1)!.running, false, 'stopping is reported');
  assert.equal((await discovery.stop()).running, false, 'a second stop is harmless');
});

test('stop while start is still opening sockets leaves nothing running', { timeout: 20_000 }, async () => {
  const discovery = new Discovery(new DeviceRegistry(), { interfaces: ['lo'], udpPort: await freeUdpPort(), serial: false });
  const starting = discovery.start();
  const stopped = await discovery.stop();
  await starting;
  assert.equal(discovery.isRunning, false);
  assert.equal(stopped.running, false);
  // The test process would not exit if a socket or a timer were left behind.
});

test('a restarted discovery runs again', { timeout: 20_000 }, async () => {
  const discovery = new Discovery(new DeviceRegistry(), { interfaces: ['lo'], udpPort: await freeUdpPort(), serial: false, mdns: false });
  await discovery.start();
  await discovery.stop();
  const again = await discovery.start();
  assert.equal(again.running, true);
  assert.equal(again.interfaces.find((i) => i.name === 'lo')!.used, true);
  await discovery.stop();
});
