/**
 * The UDP prober against real datagrams on loopback: good replies are believed, bad ones counted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { decodeProbe, encodeAnnounce, type Announcement } from '../../core/protocol/announce.js';
import { encodeCbor } from '../../core/protocol/cbor.js';
import { listInterfaces } from '../../core/discovery/interfaces.js';
import { UdpProber } from '../../core/discovery/udp-prober.js';

const announcement: Announcement = {
  id: 'c'.repeat(64),
  name: 'gw-udp',
  vendor: 'Acme',
  model: 'EdgeBox',
  fw: '1.2.3',
  sn: 'SN9',
  port: 48621,
  tls: true,
};
const lo = listInterfaces().find((i) => i.kind === 'loopback' && i.address === '127.0.0.1')!;

describe('UDP prober on loopback', () => {
  let responder: dgram.Socket;
  let prober: UdpProber;
  let lastProbe: { nonce: Uint8Array; port: number } | null = null;
  const probeSeen: ((p: { nonce: Uint8Array; port: number }) => void)[] = [];

  before(async () => {
    responder = dgram.createSocket({ type: 'udp4' });
    // Bound to the wildcard address because a broadcast to 127.255.255.255 is not delivered to 127.0.0.1 sockets.
    await new Promise<void>((resolve) => responder.bind(0, '0.0.0.0', resolve));
    responder.on('message', (msg, rinfo) => {
      // A plain Uint8Array: cbor2 would encode a Buffer nonce as {type:'Buffer',data} (see report).
      const probe = decodeProbe(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
      if (!probe.ok) return;
      lastProbe = { nonce: probe.value, port: rinfo.port };
      probeSeen.shift()?.(lastProbe);
    });
    prober = new UdpProber(lo, responder.address().port);
    await prober.start();
  });

  after(async () => {
    await prober.stop();
    responder.close();
  });

  function send(bytes: Uint8Array, port: number): void {
    responder.send(bytes, port, '127.0.0.1');
  }
  const nextProbe = (): Promise<{ nonce: Uint8Array; port: number }> => new Promise((resolve) => probeSeen.push(resolve));

  test('a probe goes to the loopback broadcast address and a valid reply is an announcement', async () => {
    assert.equal(prober.target, '127.255.255.255');
    const seen = nextProbe();
    prober.probe();
    const probe = await seen;
    const answered = once(prober, 'announce');
    send(encodeAnnounce(probe.nonce, announcement), probe.port);
    const [got, host] = (await answered) as [Announcement, string];
    assert.deepEqual(got, announcement);
    assert.equal(host, '127.0.0.1');
    assert.equal(prober.stats.replies, 1);
  });

  test('bad datagrams are counted with a reason and never believed', async () => {
    assert.ok(lastProbe, 'a probe was seen');
    const { nonce, port } = lastProbe;
    const good = encodeAnnounce(nonce, announcement);
    const badOnes: Uint8Array[] = [
      new Uint8Array(0),
      new Uint8Array([1, 2, 3]),
      Buffer.from('hello world, not FGPD'),
      Uint8Array.from([...good.subarray(0, 4), 0x09, ...good.subarray(5)]), // unknown format version
      Uint8Array.from([...good.subarray(0, 5), 0x01, ...good.subarray(6)]), // a probe, not an announce
      Uint8Array.from([...good.subarray(0, 6), 0xff, 0xff, 0xff]), // broken CBOR
      Uint8Array.from([...good.subarray(0, 6), ...new Uint8Array(encodeCbor({ nonce, ...announcement, id: 'short' }))]),
      Uint8Array.from([...good.subarray(0, 6), ...new Uint8Array(encodeCbor({ nonce, ...announcement, port: 70000 }))]),
      Uint8Array.from([...good.subarray(0, 6), ...new Uint8Array(2000).fill(0x41)]), // oversized
      Uint8Array.from([...good.subarray(0, 6), ...new Uint8Array(0x81).fill(0x81)]), // deep nesting
    ];
    const before = prober.stats.bad.malformed;
    const badEvents: string[] = [];
    prober.on('bad', (_kind, reason) => badEvents.push(reason));
    for (const bytes of badOnes) send(bytes, port);
    // An announce answering a nonce this end never sent (a replay or a forged reply).
    send(encodeAnnounce(new Uint8Array(16).fill(7), { ...announcement, name: 'forged' }), port);
    // A good one last: once it arrives every earlier datagram has been handled (loopback keeps order).
    const answered = once(prober, 'announce');
    send(good, port);
    const [got] = (await answered) as [Announcement];
    assert.equal(got.name, 'gw-udp', 'the forged announce was not believed');
    assert.equal(prober.stats.bad.malformed - before, badOnes.length);
    assert.equal(prober.stats.bad['unknown-nonce'], 1);
    assert.equal(badEvents.length, badOnes.length + 1);
    assert.ok(badEvents.some((r) => /FGPD/.test(r)));
    assert.ok(badEvents.some((r) => /format version 9/.test(r)));
    assert.ok(badEvents.some((r) => /over 1200/.test(r)));
    assert.ok(badEvents.some((r) => /id must be 64/.test(r)));
    assert.ok(badEvents.some((r) => /did not send/.test(r)));
  });

  test('a reply from outside the interface subnet is ignored', () => {
    assert.equal(prober.handleDatagram(encodeAnnounce(lastProbe!.nonce, announcement), '192.0.2.50'), null);
    assert.equal(prober.stats.bad['foreign-source'], 1);
  });

  test('nonces of older probes stay valid for a few rounds only', async () => {
    const first = nextProbe();
    prober.probe();
    const old = await first;
    for (let i = 0; i < 4; i++) {
      const seen = nextProbe();
      prober.probe();
      await seen;
    }
    assert.equal(prober.handleDatagram(encodeAnnounce(old.nonce, announcement), '127.0.0.1'), null);
    assert.equal(prober.stats.bad['unknown-nonce'], 2);
  });
});
