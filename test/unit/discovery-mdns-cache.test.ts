import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTxt, type Announcement } from '../../core/protocol/announce.js';
import { MdnsCache, type MdnsRecord } from '../../core/discovery/mdns-cache.js';

const announcement: Announcement = {
  id: 'd'.repeat(64),
  name: 'gw-7',
  vendor: 'Acme',
  model: 'EdgeBox',
  fw: '3.1.0',
  sn: 'SN7',
  port: 48621,
  tls: true,
};
const instance = 'gw-7._fieldline._tcp.local';
// dns-packet decodes TXT strings as Buffers.
const txt = (a: Announcement): Buffer[] => encodeTxt(a).map((s) => Buffer.from(s));
const ptr: MdnsRecord = { name: '_fieldline._tcp.local', type: 'PTR', ttl: 4500, data: instance };
const srv: MdnsRecord = { name: instance, type: 'SRV', ttl: 120, data: { port: 48621, target: 'gw-7.local', priority: 0, weight: 0 } };
const a: MdnsRecord = { name: 'gw-7.local', type: 'A', ttl: 120, data: '10.77.1.7' };
const inBridge = (ip: string): boolean => ip.startsWith('10.77.1.');

describe('mDNS resolution', () => {
  test('a full answer (PTR + SRV + TXT + A) resolves to the announcement and the A address', () => {
    const cache = new MdnsCache();
    const result = cache.ingest([ptr, srv, { name: instance, type: 'TXT', data: txt(announcement) }, a], '10.77.1.7', inBridge);
    assert.deepEqual(result.resolved, [{ instance, announcement, host: '10.77.1.7' }]);
    assert.deepEqual(result.missing, []);
  });

  test('names are matched without regard to case or a trailing dot', () => {
    const cache = new MdnsCache();
    const result = cache.ingest(
      [
        { ...ptr, name: '_FieldLine._TCP.local.', data: 'GW-7._fieldline._tcp.local.' },
        { ...srv, name: 'gw-7._FIELDLINE._tcp.local', data: { port: 48621, target: 'GW-7.local.' } },
        { name: 'gw-7._fieldline._tcp.local', type: 'TXT', data: txt(announcement) },
        { ...a, name: 'gw-7.LOCAL' },
      ],
      '10.77.1.7',
      inBridge,
    );
    assert.equal(result.resolved.length, 1);
    assert.equal(result.resolved[0]!.host, '10.77.1.7');
  });

  test('a PTR alone asks for SRV and TXT; the later answer completes the service', () => {
    const cache = new MdnsCache();
    const first = cache.ingest([ptr], '10.77.1.7', inBridge);
    assert.deepEqual(first, { resolved: [], missing: [instance], rejected: [] });
    const second = cache.ingest([srv, { name: instance, type: 'TXT', data: txt(announcement) }], '10.77.1.7', inBridge);
    assert.equal(second.resolved.length, 1);
  });

  test('without a usable A record the packet source is the host', () => {
    const cache = new MdnsCache();
    const result = cache.ingest(
      [ptr, srv, { name: instance, type: 'TXT', data: txt(announcement) }, { ...a, data: '192.168.50.9' }],
      '10.77.1.7',
      inBridge,
    );
    assert.equal(result.resolved[0]!.host, '10.77.1.7');
  });

  test('a TXT without Fieldline keys (another service using the name) is rejected with the reason', () => {
    const cache = new MdnsCache();
    const result = cache.ingest([ptr, srv, { name: instance, type: 'TXT', data: [Buffer.from('path=/')] }], '10.77.1.7', inBridge);
    assert.equal(result.resolved.length, 0);
    assert.equal(result.rejected.length, 1);
    assert.match(result.rejected[0]!.reason, /v=\(missing\)/);
    const badId = cache.ingest([{ name: instance, type: 'TXT', data: txt({ ...announcement, id: 'xyz' }) }], '10.77.1.7', inBridge);
    assert.match(badId.rejected[0]!.reason, /id must be 64/);
  });

  test('other services, malformed data and unrelated records are ignored without throwing', () => {
    const cache = new MdnsCache();
    const result = cache.ingest(
      [
        { name: '_http._tcp.local', type: 'PTR', data: 'printer._http._tcp.local' },
        { name: '_fieldline._tcp.local', type: 'PTR', data: 'not-our-service.local' },
        { name: '_fieldline._tcp.local', type: 'PTR', data: 42 },
        { name: instance, type: 'SRV', data: 'garbage' },
        { name: instance, type: 'TXT', data: { not: 'txt' } },
        { name: 'x.local', type: 'AAAA', data: 'fe80::1' },
      ],
      '10.77.1.7',
      inBridge,
    );
    assert.deepEqual(result, { resolved: [], missing: [], rejected: [] });
  });

  test('a goodbye (TTL 0) forgets the service', () => {
    const cache = new MdnsCache();
    cache.ingest([ptr, srv, { name: instance, type: 'TXT', data: txt(announcement) }], '10.77.1.7', inBridge);
    assert.equal(cache.size, 1);
    cache.ingest([{ ...ptr, ttl: 0 }], '10.77.1.7', inBridge);
    assert.equal(cache.size, 0);
  });

  test('a changed TXT (firmware update) resolves to the new announcement', () => {
    const cache = new MdnsCache();
    cache.ingest([ptr, srv, { name: instance, type: 'TXT', data: txt(announcement) }], '10.77.1.7', inBridge);
    const updated = cache.ingest([{ name: instance, type: 'TXT', data: txt({ ...announcement, fw: '4.0.0' }) }], '10.77.1.7', inBridge);
    assert.equal(updated.resolved[0]!.announcement.fw, '4.0.0');
  });

  test('a flood of made-up instances stays bounded', () => {
    const cache = new MdnsCache();
    for (let i = 0; i < 5000; i++) cache.ingest([{ ...ptr, data: `x${i}._fieldline._tcp.local` }], '10.77.1.7', inBridge);
    assert.ok(cache.size <= 4096);
  });
});
