/**
 * The agent's DNS-SD records and the subnet test that picks which interface answers.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTxt, encodeTxt, MDNS_SERVICE } from '../../core/protocol/announce.js';
import { answerQuestions, instanceLabel, SERVICES_ENUMERATION, serviceRecords } from '../../agent/mdns-records.js';
import { inSubnet } from '../../agent/net-interfaces.js';

const announcement = {
  id: 'a'.repeat(64),
  name: 'gw-07',
  vendor: 'Acme',
  model: 'EdgeBox X1',
  fw: '2.4.1',
  sn: 'EBX1-7',
  port: 48621,
  tls: true,
};
const records = serviceRecords({ name: 'gw-07', hostname: 'gw-07', port: 48621, address: '10.77.0.7', txt: encodeTxt(announcement) });

describe('DNS-SD records', () => {
  test('a PTR browse gets the PTR, with SRV, TXT and A as additionals in the same packet', () => {
    const reply = answerQuestions([{ name: MDNS_SERVICE, type: 'PTR' }], records);
    assert.ok(reply);
    assert.deepEqual(
      reply.answers.map((a) => a.type),
      ['PTR'],
    );
    assert.deepEqual(reply.additionals.map((a) => a.type).sort(), ['A', 'SRV', 'TXT']);
    const srv = reply.additionals.find((a) => a.type === 'SRV');
    assert.ok(srv?.type === 'SRV');
    assert.deepEqual(srv.data, { port: 48621, target: 'gw-07.local', priority: 0, weight: 0 });
    const txt = reply.additionals.find((a) => a.type === 'TXT');
    assert.ok(txt?.type === 'TXT' && Array.isArray(txt.data));
    const decoded = decodeTxt(
      txt.data.map((b) => (typeof b === 'string' ? b : new Uint8Array(b))),
      48621,
    );
    assert.deepEqual(decoded, { ok: true, value: announcement });
  });

  test('names match case-insensitively; ANY and service enumeration are answered', () => {
    assert.deepEqual(
      answerQuestions([{ name: 'GW-07._FIELDLINE._TCP.LOCAL', type: 'SRV' }], records)?.answers.map((a) => a.type),
      ['SRV'],
    );
    const anyType = 'ANY' as unknown as 'A';
    assert.deepEqual(
      answerQuestions([{ name: 'gw-07.local', type: anyType }], records)?.answers.map((a) => a.type),
      ['A'],
    );
    assert.deepEqual(
      answerQuestions([{ name: SERVICES_ENUMERATION, type: 'PTR' }], records)?.answers.map((a) => (a.type === 'PTR' ? a.data : null)),
      [MDNS_SERVICE],
    );
  });

  test('questions about other services get no answer at all', () => {
    assert.equal(
      answerQuestions(
        [
          { name: '_http._tcp.local', type: 'PTR' },
          { name: 'other.local', type: 'A' },
        ],
        records,
      ),
      null,
    );
  });

  test('instance labels are one DNS label of at most 63 bytes', () => {
    assert.equal(instanceLabel('line.3 gateway'), 'line-3 gateway');
    assert.ok(Buffer.byteLength(instanceLabel('é'.repeat(60)), 'utf8') <= 63);
  });
});

describe('which interface a source address belongs to', () => {
  const lo = { name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0', internal: true };
  const bridge = { name: 'flbr0', address: '10.77.0.1', netmask: '255.255.255.0', internal: false };
  test('loopback covers 127/8; a /24 bridge covers its own subnet only', () => {
    assert.ok(inSubnet('127.0.0.1', lo) && inSubnet('127.4.5.6', lo));
    assert.ok(!inSubnet('10.77.0.9', lo));
    assert.ok(inSubnet('10.77.0.200', bridge));
    assert.ok(!inSubnet('10.77.1.2', bridge) && !inSubnet('192.0.2.2', bridge));
    assert.ok(!inSubnet('not-an-ip', bridge));
  });
});
