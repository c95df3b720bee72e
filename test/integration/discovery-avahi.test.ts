/**
 * Interop with a real mDNS implementation (avahi): it sees our agent, and we see its services.
 *
 * avahi-daemon runs on a private D-Bus restricted to a private test bridge, with one agent in a
 * network namespace on that bridge. avahi cannot use loopback (no multicast flag), so without
 * network namespaces this suite is skipped and says why.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeviceRegistry, Discovery } from '../../core/discovery/index.js';
import { startNetnsFleet, type NetnsFleet } from '../helpers/agent-in-netns.js';
import { avahiBrowse, avahiPublish, avahiUnavailableReason, parseResolvedLine, startAvahi, type Avahi } from '../helpers/avahi.js';
import { cleanupPrefix, createTestLan, netnsUnavailableReason, testPrefix, type TestLan } from '../helpers/netns.js';

const prefix = testPrefix('a');
const netnsReason = await netnsUnavailableReason(prefix);
const avahiReason = netnsReason ? null : await avahiUnavailableReason();
const skip = netnsReason
  ? `needs network namespaces for a bridge avahi can use (${netnsReason})`
  : avahiReason
    ? `avahi is not available: ${avahiReason}`
    : false;

test('avahi-browse -p lines are parsed, escapes included', () => {
  const line = '=;fl1-br;IPv4;gw\\03201;_fieldline._tcp;local;gw-01.local;10.77.5.10;48621;"tls=1" "id=ab\\059cd" "v=1"';
  assert.deepEqual(parseResolvedLine(line), {
    iface: 'fl1-br',
    name: 'gw 01',
    type: '_fieldline._tcp',
    host: 'gw-01.local',
    address: '10.77.5.10',
    port: 48621,
    txt: ['tls=1', 'id=ab;cd', 'v=1'],
  });
  assert.equal(parseResolvedLine('+;fl1-br;IPv4;gw;_fieldline._tcp;local'), null);
});

describe('mDNS interop with avahi', { skip }, () => {
  let dir = '';
  let lan: TestLan | null = null;
  let fleet: NetnsFleet | null = null;
  let avahi: Avahi | null = null;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fieldline-avahi-'));
    lan = await createTestLan(prefix, 1);
    fleet = await startNetnsFleet(lan, dir);
    avahi = await startAvahi(dir, lan.bridge, `${prefix}avahi`);
  });

  after(async () => {
    await avahi?.stop().catch(() => undefined);
    await fleet?.close().catch(() => undefined);
    await lan?.destroy().catch(() => undefined);
    await cleanupPrefix(prefix);
    await rm(dir, { recursive: true, force: true });
  });

  test('avahi-browse -rtp _fieldline._tcp sees the agent with its address, port and TXT keys', { timeout: 60_000 }, async (t) => {
    const agent = fleet!.agents[0]!;
    t.diagnostic(`avahi-daemon on ${lan!.bridge}; agent ${agent.name} at ${agent.address}:${agent.port}`);
    const services = await avahiBrowse(avahi!, '_fieldline._tcp', {
      enough: (s) => s.some((x) => x.txt.includes(`id=${agent.id}`)),
      timeoutMs: 20_000,
    });
    const seen = services.find((s) => s.txt.includes(`id=${agent.id}`));
    assert.ok(seen, `avahi-browse saw: ${JSON.stringify(services)}`);
    assert.equal(seen.name, agent.name);
    assert.equal(seen.address, agent.address);
    assert.equal(seen.port, agent.port);
    assert.equal(seen.iface, lan!.bridge);
    for (const key of ['v=1', 'tls=1', `name=${agent.name}`]) assert.ok(seen.txt.includes(key), `TXT has ${key}: ${seen.txt.join(' ')}`);
    assert.ok(seen.txt.some((e) => /^model=.+/.test(e)) && seen.txt.some((e) => /^fw=.+/.test(e)));
  });

  test('Fieldline discovery finds a service published with avahi-publish', { timeout: 60_000 }, async (t) => {
    const id = randomBytes(32).toString('hex');
    const published = await avahiPublish(avahi!, 'avahi-published-gw', '_fieldline._tcp', 48699, [
      'v=1',
      `id=${id}`,
      'name=avahi-published-gw',
      'vendor=Avahi Interop',
      'model=Published by avahi',
      'fw=9.9.9',
      'sn=AV-0001',
      'tls=1',
    ]);
    const registry = new DeviceRegistry();
    const discovery = new Discovery(registry, { interfaces: [lan!.bridge], udp: false, serial: false });
    try {
      await discovery.start();
      const deadline = Date.now() + 20_000;
      while (!registry.get(id) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      const device = registry.get(id);
      assert.ok(device, `not found; report: ${JSON.stringify(discovery.report())}; stats: ${JSON.stringify(discovery.stats())}`);
      t.diagnostic(`found ${device.name} at ${JSON.stringify(device.paths)}`);
      assert.equal(device.name, 'avahi-published-gw');
      assert.equal(device.vendor, 'Avahi Interop');
      assert.equal(device.model, 'Published by avahi');
      assert.equal(device.firmware, '9.9.9');
      assert.equal(device.serial, 'AV-0001');
      assert.deepEqual(device.paths, [
        { transport: 'tcp', host: lan!.bridgeAddress, port: 48699, tls: true, via: 'mdns', iface: lan!.bridge },
      ]);
      // The agent on the same bridge is found too: avahi's records and ours share the network.
      const agentId = fleet!.agents[0]!.id;
      const agentDeadline = Date.now() + 10_000;
      while (!registry.get(agentId) && Date.now() < agentDeadline) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.ok(registry.get(agentId), 'the agent is found alongside the avahi service');
    } finally {
      await discovery.stop();
      await published.stop();
    }
  });
});
