/**
 * The agent's discovery announcements on loopback: UDP probe answers and mDNS/DNS-SD.
 *
 * Everything stays on lo: probes go to 127.0.0.1 / 127.255.255.255 and every mDNS socket here
 * sends on the 127.0.0.1 interface. Other test runs may announce on lo at the same time, so
 * answers are matched by the ids of the agents started here.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import makeMdns from 'multicast-dns';
import dnsPacket, { type Answer } from 'dns-packet';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { emulatedDevice } from '../../agent/emulate.js';
import {
  decodeAnnounce,
  decodeTxt,
  encodeProbe,
  MDNS_SERVICE,
  PROBE_NONCE_BYTES,
  type Announcement,
} from '../../core/protocol/announce.js';

const LOOPBACK = '127.0.0.1';

/** Sends one probe and collects decodable announces until `until` says enough. */
async function probe(
  address: string,
  port: number,
  until: (found: Announcement[]) => boolean,
): Promise<{ found: Announcement[]; rejected: string[] }> {
  const socket = dgram.createSocket('udp4');
  const nonce = new Uint8Array(randomBytes(PROBE_NONCE_BYTES));
  const found: Announcement[] = [];
  const rejected: string[] = [];
  try {
    await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
    socket.setBroadcast(true);
    return await new Promise((resolve, reject) => {
      socket.on('message', (msg) => {
        const decoded = decodeAnnounce(new Uint8Array(msg));
        if (!decoded.ok) rejected.push(decoded.reason);
        else if (Buffer.compare(Buffer.from(decoded.value.nonce), Buffer.from(nonce)) !== 0) rejected.push('nonce mismatch');
        else found.push(decoded.value.announcement);
        if (until(found)) resolve({ found, rejected });
      });
      socket.send(encodeProbe(nonce), port, address, (err) => err && reject(err));
    });
  } finally {
    socket.close();
  }
}

/**
 * Whether multicast loops back on lo here: it does on Linux hosts and netns we tried, but a
 * kernel or container setup may refuse to join a group on lo. Sends only on 127.0.0.1.
 */
async function loopbackMulticastWorks(): Promise<boolean> {
  const rx = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const tx = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve) => rx.bind(0, '0.0.0.0', resolve));
    rx.addMembership('224.0.0.251', LOOPBACK);
    await new Promise<void>((resolve) => tx.bind(0, LOOPBACK, resolve));
    tx.setMulticastInterface(LOOPBACK);
    const token = randomBytes(8);
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 2000);
      rx.on('message', (msg) => {
        if (msg.equals(token)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      tx.send(token, rx.address().port, '224.0.0.251', (err) => {
        if (err) {
          clearTimeout(timer);
          resolve(false);
        }
      });
    });
  } catch {
    return false;
  } finally {
    rx.close();
    tx.close();
  }
}

interface Sighting {
  readonly announcement: Announcement;
  readonly instance: string;
  readonly addresses: readonly string[];
  readonly ttl: number;
}

/** Reads every `_fieldline._tcp` service out of one mDNS response packet. */
function sightings(records: readonly Answer[]): Sighting[] {
  const out: Sighting[] = [];
  for (const ptr of records) {
    if (ptr.type !== 'PTR' || ptr.name !== MDNS_SERVICE) continue;
    const instance = ptr.data;
    const srv = records.find((r) => r.type === 'SRV' && r.name === instance);
    const txt = records.find((r) => r.type === 'TXT' && r.name === instance);
    if (srv?.type !== 'SRV' || txt?.type !== 'TXT') continue;
    const entries = (Array.isArray(txt.data) ? txt.data : [txt.data]).map((e) => (typeof e === 'string' ? e : new Uint8Array(e)));
    const decoded = decodeTxt(entries, srv.data.port);
    if (!decoded.ok) continue;
    const addresses = records.flatMap((r) => (r.type === 'A' && r.name === srv.data.target ? [r.data] : []));
    out.push({ announcement: decoded.value, instance, addresses, ttl: ptr.ttl ?? -1 });
  }
  return out;
}

describe('UDP probe answers on loopback', { timeout: 20_000 }, () => {
  let dir: string;
  const agents: RunningAgent[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fieldline-agent-udp-'));
    const first = await startAgent({
      stateDir: path.join(dir, 'a'),
      device: emulatedDevice(0, 2),
      tcp: { host: LOOPBACK, port: 0 },
      mdns: false,
      udp: { port: 0, bindAddress: '0.0.0.0', interfaces: [LOOPBACK] },
    });
    agents.push(first);
    // A second agent on the same probe port: both must be able to bind it.
    agents.push(
      await startAgent({
        stateDir: path.join(dir, 'b'),
        device: emulatedDevice(1, 2),
        tcp: { host: LOOPBACK, port: 0 },
        mdns: false,
        udp: { port: first.udpPort!, bindAddress: '0.0.0.0', interfaces: [LOOPBACK] },
      }),
    );
  });

  after(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await rm(dir, { recursive: true, force: true });
  });

  test('a unicast probe to 127.0.0.1 gets a decodable announce carrying an agent id, port and model', async () => {
    const port = agents[0]!.udpPort!;
    assert.equal(agents[1]!.udpPort, port, 'both agents share the probe port');
    const { found, rejected } = await probe(LOOPBACK, port, (f) => f.length >= 1);
    assert.deepEqual(rejected, []);
    const a = found[0]!;
    // A unicast datagram reaches one of the sockets sharing the port.
    const agent = agents.find((x) => x.id === a.id);
    assert.ok(agent, `the answer ${a.id.slice(0, 12)} comes from an agent started here`);
    assert.deepEqual(a, agent.announcement());
    assert.equal(a.port, agent.tcpPort);
    assert.equal(a.tls, true);
  });

  test('a broadcast probe to 127.255.255.255 reaches every agent sharing the port', async () => {
    const ids = new Set(agents.map((a) => a.id));
    const { found } = await probe('127.255.255.255', agents[0]!.udpPort!, (f) => [...ids].every((id) => f.some((x) => x.id === id)));
    assert.deepEqual(new Set(found.map((f) => f.id)), ids);
    assert.deepEqual(new Set(found.map((f) => f.model)), new Set(['EdgeBox X1', 'EdgeBox X2']));
  });
});

describe('mDNS / DNS-SD on loopback', { timeout: 20_000 }, () => {
  let dir: string;
  let agent: RunningAgent | null = null;
  let browser: makeMdns.MulticastDNS;
  const packets: Answer[][] = [];
  const waiters: (() => void)[] = [];
  const name = `agent-test-${randomBytes(3).toString('hex')}`;

  const waitFor = (predicate: () => Sighting | undefined): Promise<Sighting> =>
    new Promise((resolve) => {
      const check = (): boolean => {
        const hit = predicate();
        if (hit) resolve(hit);
        return hit !== undefined;
      };
      if (check()) return;
      const waiter = (): void => {
        if (check()) waiters.splice(waiters.indexOf(waiter), 1);
      };
      waiters.push(waiter);
    });
  const seen = (filter: (s: Sighting) => boolean): Sighting | undefined => packets.flatMap(sightings).find(filter);
  let skip: string | false = false;

  before(async () => {
    if (!(await loopbackMulticastWorks())) {
      skip = 'multicast does not loop back on lo on this machine; the UDP probe tests above cover discovery on loopback';
      return;
    }
    dir = await mkdtemp(path.join(tmpdir(), 'fieldline-agent-mdns-'));
    browser = makeMdns({ interface: LOOPBACK, bind: '0.0.0.0', reuseAddr: true });
    browser.on('warning', () => {});
    browser.on('response', (packet) => {
      packets.push([...packet.answers, ...packet.additionals]);
      for (const w of [...waiters]) w();
    });
    await new Promise<void>((resolve) => browser.once('ready', () => resolve()));
  });

  after(async () => {
    if (skip) return;
    await agent?.close();
    await new Promise<void>((resolve) => browser.destroy(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  test('the agent announces itself unasked at start, then answers a PTR query with SRV, TXT and A', async (t) => {
    if (skip) return t.skip(skip);
    const started = await startAgent({
      stateDir: path.join(dir, 'state'),
      device: { ...emulatedDevice(2, 3), name, config: { hostname: name, site: '', timezone: 'UTC', network: { interfaces: [] } } },
      tcp: { host: LOOPBACK, port: 0 },
      mdns: { interfaces: [LOOPBACK] },
      udp: false,
    });
    agent = started;
    assert.deepEqual(
      started.mdnsInterfaces.map((i) => i.error ?? 'ok'),
      ['ok'],
      'the announcer is listening on 127.0.0.1',
    );
    const unasked = await waitFor(() => seen((s) => s.announcement.id === started.id));
    assert.equal(unasked.announcement.port, started.tcpPort);

    const before = packets.length;
    browser.query([{ name: MDNS_SERVICE, type: 'PTR' }]);
    const answered = await waitFor(() =>
      packets
        .slice(before)
        .flatMap(sightings)
        .find((s) => s.announcement.id === started.id),
    );
    assert.equal(answered.instance, `${name}.${MDNS_SERVICE}`);
    assert.deepEqual(answered.announcement, started.announcement());
    assert.equal(answered.announcement.model, 'Sentinel S3');
    assert.deepEqual(answered.addresses, [LOOPBACK]);
    assert.ok(answered.ttl > 0);
  });

  test('a legacy unicast query (not from port 5353) gets a direct answer with its id echoed', async (t) => {
    if (skip) return t.skip(skip);
    assert.ok(agent);
    const socket = dgram.createSocket('udp4');
    try {
      await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
      // Keeps the query on lo: never let the kernel pick the default (LAN) interface.
      socket.setMulticastInterface(LOOPBACK);
      const id = 0x4242;
      const query = dnsPacket.encode({ type: 'query', id, questions: [{ name: `${name}.${MDNS_SERVICE}`, type: 'TXT' }] });
      const reply = await new Promise<dnsPacket.Packet>((resolve, reject) => {
        socket.on('message', (msg) => {
          const packet = dnsPacket.decode(msg);
          if (packet.id === id && packet.answers?.some((a) => a.name === `${name}.${MDNS_SERVICE}`)) resolve(packet);
        });
        socket.send(query, 5353, '224.0.0.251', (err) => err && reject(err));
      });
      const txt = reply.answers?.find((a) => a.type === 'TXT');
      assert.ok(txt && txt.ttl !== undefined && txt.ttl <= 10, 'legacy answers carry a short TTL');
    } finally {
      socket.close();
    }
  });

  test('closing the agent sends a goodbye (TTL 0) for its service', async (t) => {
    if (skip) return t.skip(skip);
    assert.ok(agent);
    const id = agent.id;
    const before = packets.length;
    await agent.close();
    agent = null;
    const goodbye = await waitFor(() =>
      packets
        .slice(before)
        .flatMap(sightings)
        .find((s) => s.announcement.id === id && s.ttl === 0),
    );
    assert.equal(goodbye.ttl, 0);
  });
});
