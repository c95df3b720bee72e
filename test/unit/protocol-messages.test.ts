import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeCbor, MAX_CBOR_DEPTH } from '../../core/protocol/cbor.js';
import { decodeMessage, encodeMessage } from '../../core/protocol/messages.js';
import { encodeCbor } from '../../core/protocol/cbor.js';

describe('CBOR limits on untrusted bytes', () => {
  test('100,000 nested arrays give a caught depth error, not a stack overflow', () => {
    const result = decodeCbor(new Uint8Array(100_000).fill(0x81));
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /depth/i);
  });
  test('a declared 4 GiB array length gives a caught error, not an allocation', () => {
    const result = decodeCbor(new Uint8Array([0x9a, 0xff, 0xff, 0xff, 0xff]));
    assert.equal(result.ok, false);
  });
  test('a declared 4 GiB byte string gives a caught error', () => {
    const result = decodeCbor(new Uint8Array([0x5a, 0xff, 0xff, 0xff, 0xff, 0x00]));
    assert.equal(result.ok, false);
  });
  test(`nesting to ${MAX_CBOR_DEPTH} levels is accepted, one more is not`, () => {
    const nested = (levels: number) => Buffer.concat([new Uint8Array(levels).fill(0x81), new Uint8Array([0x01])]);
    assert.equal(decodeCbor(nested(MAX_CBOR_DEPTH)).ok, true);
    assert.equal(decodeCbor(nested(MAX_CBOR_DEPTH + 1)).ok, false);
  });
  test('duplicate map keys are rejected', () => {
    // {"a": 1, "a": 2}
    const result = decodeCbor(new Uint8Array([0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02]));
    assert.equal(result.ok, false);
  });
  test('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const result = decodeMessage(bytes);
        assert.equal(typeof result.ok, 'boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('message envelopes', () => {
  test('request, response, error and event round-trip', () => {
    const messages = [
      { kind: 'request', id: 7, method: 'status', params: { verbose: true } },
      { kind: 'response', id: 7, result: { uptime: 12 } },
      { kind: 'error', id: 8, error: { code: 'unknown_method', message: 'unknown method "x"' } },
      { kind: 'event', event: 'log', data: { line: 'booted' } },
    ] as const;
    for (const message of messages) {
      const decoded = decodeMessage(encodeMessage(message));
      assert.deepEqual(decoded, { ok: true, message });
    }
  });
  test('each malformed shape is rejected with a specific reason', () => {
    const cases: [unknown, RegExp][] = [
      [[1, 2], /not a CBOR map/],
      [{ id: -1, method: 'x' }, /unsigned integer/],
      [{ id: 1, method: '' }, /method/],
      [{ id: 1, method: 'x', params: [1] }, /params/],
      [{ id: 1 }, /neither "result" nor "error"/],
      [{ id: 1, error: { code: 5 } }, /"code" and "message"/],
      [{ foo: 1 }, /no "method" or "event"/],
    ];
    for (const [value, reason] of cases) {
      const decoded = decodeMessage(encodeCbor(value));
      assert.equal(decoded.ok, false, JSON.stringify(value));
      assert.match(!decoded.ok ? decoded.reason : '', reason);
    }
  });
});

test('a Node Buffer is encoded as a CBOR byte string', () => {
  const decoded = decodeCbor(encodeCbor({ nonce: Buffer.from([1, 2, 3]) }));
  assert.deepEqual(decoded, { ok: true, value: { nonce: new Uint8Array([1, 2, 3]) } });
});
