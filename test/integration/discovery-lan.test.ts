/**
 * LAN discovery against 20 real reference agents: by mDNS and UDP together, and each alone.
 *
 * Where network namespaces are allowed, each agent runs in its own namespace with its own
 * address on a private bridge (10.77.x.0/24) and discovery is narrowed to that bridge. The same
 * suite also runs on loopback (all agents in this process, discovery narrowed to `lo`), which
 * is all that runs where namespaces are not allowed; each test name says which ran. Other test
 * runs may announce on lo at the same time, so only the ids started here are counted.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { startEmulation, type Emulation } from '../../agent/emulate.js';
import type { Device, DeviceChange } from '../../core/api/schemas.js';
import { DeviceRegistry, Discovery, type DiscoveryOptions } from '../../core/discovery/index.js';
import { startNetnsFleet } from '../helpers/agent-in-netns.js';
import { cleanupPrefix, createTestLan, netnsUnavailableReason, testPrefix } from '../helpers/netns.js';

const COUNT = 20;
const prefix = testPrefix('d');
const netnsReason = await netnsUnavailableReason(prefix);

interface AgentRef {
  readonly id: string;
  readonly address: string;
  readonly port: number;
}

interface LanUnderTest {
  readonly where: string;
  readonly iface: string;
  readonly udpPort: number;
  readonly agents: readonly AgentRef[];
  /** The agent stops answering. */
  stop(id: string): Promise<void>;
  /** The same agent (same key, same id) comes back. */
  restart(id: string): Promise<void>;
  close(): Promise<void>;
}

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function netnsLan(stateRoot: string): Promise<LanUnderTest> {
  const lan = await createTestLan(prefix, COUNT);
  try {
    const fleet = await startNetnsFleet(lan, stateRoot);
    const nsOf = (id: string): string => fleet.agents.find((a) => a.id === id)!.ns;
    return {
      where: `network namespaces (bridge ${lan.bridge}, ${lan.subnet}.0/24, one agent per namespace)`,
      iface: lan.bridge,
      udpPort: 48620,
      agents: fleet.agents,
      stop: (id) => fleet.crash(nsOf(id)),
      restart: (id) => fleet.restart(nsOf(id)),
      close: async () => {
        await fleet.close();
        await lan.destroy();
      },
    };
  } catch (err) {
    await lan.destroy();
    throw err;
  }
}

async function loopbackLan(stateRoot: string): Promise<LanUnderTest> {
  // One probe port for all agents here, away from the default one other runs may use.
  const udpPort = await freeUdpPort();
  const emulation: Emulation = await startEmulation({ count: COUNT, baseDir: stateRoot, interfaces: ['127.0.0.1'], udpPort });
  const restarted: RunningAgent[] = [];
  const byId = (id: string): RunningAgent => emulation.gateways.find((g) => g.agent.id === id)!.agent;
  return {
    where: 'loopback (all agents in this process, discovery narrowed to lo)',
    iface: 'lo',
    udpPort,
    agents: emulation.gateways.map((g) => ({ id: g.agent.id, address: '127.0.0.1', port: g.agent.tcpPort ?? 0 })),
    stop: (id) => byId(id).close(),
    restart: async (id) => {
      restarted.push(
        await startAgent({
          stateDir: byId(id).stateDir,
          tcp: { host: '127.0.0.1', port: 0 },
          mdns: { interfaces: ['127.0.0.1'] },
          udp: { port: udpPort, bindAddress: '0.0.0.0', interfaces: ['127.0.0.1'] },
        }),
      );
    },
    close: async () => {
      await Promise.all(restarted.map((a) => a.close()));
      await emulation.close();
    },
  };
}

async function waitFor(what: string, check: () => boolean, describeState: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; now: ${describeState()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function ours(registry: DeviceRegistry, lan: LanUnderTest): Device[] {
  const ids = new Set(lan.agents.map((a) => a.id));
  return registry.list().filter((d) => ids.has(d.id));
}

async function discover(
  lan: LanUnderTest,
  options: DiscoveryOptions,
  until: (devices: Device[]) => boolean,
): Promise<{ registry: DeviceRegistry; discovery: Discovery }> {
  const registry = new DeviceRegistry();
  const discovery = new Discovery(registry, { interfaces: [lan.iface], udpPort: lan.udpPort, serial: false, ...options });
  await discovery.start();
  try {
    await waitFor(
      'the agents are found',
      () => until(ours(registry, lan)),
      () => `${ours(registry, lan).length} of ${COUNT} found; ${JSON.stringify(discovery.report().interfaces.filter((i) => i.used))}`,
    );
  } catch (err) {
    await discovery.stop();
    throw err;
  }
  return { registry, discovery };
}

function suite(mode: 'netns' | 'loopback'): void {
  const skip =
    mode === 'netns' && netnsReason
      ? `network namespaces are not allowed here (${netnsReason}): the loopback suite below runs instead`
      : false;
  describe(`LAN discovery of ${COUNT} agents — ${mode === 'netns' ? 'in network namespaces' : 'on loopback'}`, { skip }, () => {
    let stateRoot = '';
    let lan: LanUnderTest | null = null;

    before(async () => {
      stateRoot = await mkdtemp(path.join(tmpdir(), `fieldline-discovery-${mode}-`));
      lan = mode === 'netns' ? await netnsLan(stateRoot) : await loopbackLan(stateRoot);
    });

    after(async () => {
      await lan?.close().catch(() => undefined);
      if (mode === 'netns') await cleanupPrefix(prefix);
      await rm(stateRoot, { recursive: true, force: true });
    });

    const say = (t: TestContext): LanUnderTest => {
      assert.ok(lan, 'the test LAN is up');
      t.diagnostic(`ran in ${lan.where}`);
      return lan;
    };

    test(`[${mode}] mDNS and UDP at once find all ${COUNT}, each on both paths, at its own address`, { timeout: 60_000 }, async (t) => {
      const l = say(t);
      const both = (d: Device): boolean => d.paths.some((p) => p.via === 'mdns') && d.paths.some((p) => p.via === 'udp');
      const { registry, discovery } = await discover(l, {}, (devices) => devices.length === COUNT && devices.every(both));
      const report = await discovery.stop();
      const devices = ours(registry, l);
      assert.equal(devices.length, COUNT);
      for (const agent of l.agents) {
        const device = devices.find((d) => d.id === agent.id)!;
        assert.equal(device.state, 'online');
        for (const p of device.paths) {
          assert.equal(p.transport, 'tcp');
          if (p.transport !== 'tcp') continue;
          assert.equal(p.host, agent.address);
          assert.equal(p.port, agent.port);
          assert.equal(p.tls, true);
          assert.equal(p.iface, l.iface);
        }
      }
      const used = report.interfaces.filter((i) => i.used);
      assert.deepEqual(
        used.map((i) => i.name),
        [l.iface],
        'discovery stayed on the chosen interface',
      );
      assert.ok(used[0]!.mdnsAnswers >= COUNT && used[0]!.udpAnswers >= COUNT, JSON.stringify(used[0]));
      assert.equal(used[0]!.kind, mode === 'netns' ? 'namespace-bridge' : 'loopback');
      assert.equal(report.running, false);
    });

    test(`[${mode}] mDNS alone finds all ${COUNT}`, { timeout: 60_000 }, async (t) => {
      const l = say(t);
      const { registry, discovery } = await discover(l, { udp: false }, (devices) => devices.length === COUNT);
      const report = await discovery.stop();
      const devices = ours(registry, l);
      assert.equal(devices.length, COUNT);
      assert.ok(devices.every((d) => d.paths.every((p) => p.via === 'mdns')));
      assert.equal(report.interfaces.find((i) => i.used)!.udpAnswers, 0);
    });

    test(`[${mode}] the UDP probe alone finds all ${COUNT}`, { timeout: 60_000 }, async (t) => {
      const l = say(t);
      const { registry, discovery } = await discover(l, { mdns: false }, (devices) => devices.length === COUNT);
      const report = await discovery.stop();
      const devices = ours(registry, l);
      assert.equal(devices.length, COUNT);
      assert.ok(devices.every((d) => d.paths.every((p) => p.via === 'udp')));
      assert.equal(report.interfaces.find((i) => i.used)!.mdnsAnswers, 0);
      assert.deepEqual(
        devices.map((d) => d.name).sort(),
        Array.from({ length: COUNT }, (_, i) => `gw-${String(i + 1).padStart(2, '0')}`),
        'names come from the announcements',
      );
    });

    test(
      `[${mode}] an agent that stops answering becomes lost (kept, not removed) and comes back online`,
      { timeout: 60_000 },
      async (t) => {
        const l = say(t);
        const { registry, discovery } = await discover(
          l,
          { probeIntervalMs: 300, lostAfterMs: 1500 },
          (devices) => devices.length === COUNT,
        );
        const changes: DeviceChange[] = [];
        registry.on('change', (c) => changes.push(c));
        try {
          const victim = l.agents[3]!;
          await l.stop(victim.id);
          await waitFor(
            'the stopped agent is lost',
            () => registry.get(victim.id)?.state === 'lost',
            () => JSON.stringify(registry.get(victim.id)),
          );
          assert.equal(ours(registry, l).length, COUNT, 'a lost device stays listed');
          assert.ok(changes.some((c) => c.kind === 'lost' && c.device.id === victim.id));
          assert.ok(registry.get(victim.id)!.paths.length > 0, 'a lost device keeps how it was reached');
          const others = ours(registry, l).filter((d) => d.id !== victim.id);
          assert.ok(
            others.every((d) => d.state === 'online'),
            'the other agents stay online',
          );

          await l.restart(victim.id);
          await waitFor(
            'the restarted agent is online again',
            () => registry.get(victim.id)?.state === 'online',
            () => JSON.stringify(registry.get(victim.id)),
          );
          assert.ok(changes.some((c) => c.kind === 'updated' && c.device.id === victim.id && c.device.state === 'online'));
        } finally {
          await discovery.stop();
        }
      },
    );

    test(`[${mode}] nobody on the probe port and no mDNS: the report explains what was tried`, { timeout: 30_000 }, async (t) => {
      const l = say(t);
      const registry = new DeviceRegistry();
      const discovery = new Discovery(registry, {
        interfaces: [l.iface, 'fl-no-such0'],
        udpPort: await freeUdpPort(),
        mdns: false,
        serial: false,
      });
      await discovery.start();
      try {
        await waitFor(
          'the report has a "no answers" hint',
          () => discovery.report().hints.some((h) => h.code === 'no-lan-answers'),
          () => JSON.stringify(discovery.report()),
        );
        const report = discovery.report();
        assert.equal(report.devicesFound, 0);
        const missing = report.interfaces.find((i) => i.name === 'fl-no-such0')!;
        assert.equal(missing.used, false);
        assert.match(missing.error ?? '', /no such interface/);
        const hint = report.hints.find((h) => h.code === 'no-lan-answers')!;
        assert.match(hint.message, new RegExp(l.iface));
        assert.match(hint.fix, /fieldline info <ip>/);
      } finally {
        await discovery.stop();
      }
    });
  });
}

suite('netns');
suite('loopback');
