/**
 * The canonical encoding that audit hashes cover: RFC 8785 key order and number/string forms,
 * and every value it refuses instead of silently changing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, CanonicalJsonError } from '../../core/audit/canonical.js';
import { auditEntrySchema, entryHash, parseEntry, sealEntry, GENESIS_PREV, type UnsignedEntry } from '../../core/audit/entry.js';

describe('canonicalJson', () => {
  test('sorts keys by UTF-16 code units at every depth, without whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    // U+10000 is the surrogate pair D800 DC00: it sorts before U+E000 by code unit (not by code point).
    assert.equal(canonicalJson({ '\uE000': 1, '\u{10000}': 2, a: 3, B: 4 }), '{"B":4,"a":3,"\u{10000}":2,"\uE000":1}');
  });

  test('writes strings and numbers as ECMAScript JSON.stringify does (RFC 8785)', () => {
    assert.equal(canonicalJson('é€😀'), '"é€😀"'); // non-ASCII stays as UTF-8, not \u escapes
    assert.equal(canonicalJson('a"b\\c\n\u0001\u007f'), '"a\\"b\\\\c\\n\\u0001\u007f"');
    assert.equal(
      canonicalJson([-0, 1e-7, 0.1, 2.5e-300, 123456789, -5, Number.MAX_SAFE_INTEGER]),
      '[0,1e-7,0.1,2.5e-300,123456789,-5,9007199254740991]',
    );
    assert.equal(canonicalJson([true, false, null, []]), '[true,false,null,[]]');
    assert.equal(canonicalJson(Object.assign(Object.create(null) as object, { x: 1 })), '{"x":1}');
  });

  const refusals: [string, unknown, RegExp][] = [
    ['NaN', { a: Number.NaN }, /^\$\.a: NaN has no JSON form/],
    ['Infinity', [Infinity], /^\$\[0\]: Infinity has no JSON form/],
    ['an unsafe integer', { n: 2 ** 53 }, /beyond 2\^53/],
    ['a huge integer-valued number', [1e21], /beyond 2\^53/],
    ['a lone surrogate in a string', { s: 'x\uD800' }, /lone UTF-16 surrogate/],
    ['a lone surrogate in a key', { ['\uDC00']: 1 }, /key .* lone UTF-16 surrogate/],
    ['undefined', { u: undefined }, /^\$\.u: undefined has no JSON form/],
    ['a Date', { d: new Date(0) }, /a Date is not a plain JSON object/],
    ['a Map', new Map(), /a Map is not a plain JSON object/],
    ['a bigint', { b: 1n }, /bigint has no JSON form/],
    ['a function', [() => 1], /function has no JSON form/],
  ];
  for (const [what, value, reason] of refusals) {
    test(`refuses ${what}, naming the path`, () => {
      assert.throws(
        () => canonicalJson(value),
        (err: unknown) => err instanceof CanonicalJsonError && reason.test(err.message),
      );
    });
  }
});

describe('audit entry v1', () => {
  const base: UnsignedEntry = {
    v: 1,
    log: 'a'.repeat(64),
    seq: 2,
    time: 1_767_225_600_000,
    mono: 15,
    session: '0123456789abcdef',
    technician: null,
    site: null,
    device: null,
    action: 'flash.transfer',
    phase: 'event',
    intent: null,
    params: {},
    result: null,
    error: null,
    app: 'fieldline/0.1.0',
    prev: GENESIS_PREV,
  };

  test('hash covers every field but hash; sealing and parsing round-trip', () => {
    const entry = sealEntry(base);
    assert.equal(entry.hash, entryHash(entry));
    assert.notEqual(entryHash({ ...base, mono: 16 }), entry.hash);
    const parsed = parseEntry(JSON.parse(JSON.stringify(entry)));
    assert.ok(parsed.ok);
    assert.equal(canonicalJson(parsed.entry), canonicalJson(entry));
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown field', { extra: 1 }, /Unrecognized key/i],
    ['a seq of 0', { seq: 0 }, /^seq:/],
    ['an uppercase action', { action: 'Flash' }, /^action: must be dotted lowercase words/],
    ['a log that is not hex', { log: 'z'.repeat(64) }, /^log: must be 64 lowercase hex digits/],
    ['an intent with a result', { phase: 'intent', result: 'ok' }, /^result: an intent has no result/],
    ['a result without result', { phase: 'result', intent: 1 }, /^result: a result entry needs a result/],
    ['a result that names a later intent', { phase: 'result', result: 'ok', intent: 5 }, /^intent: a result must follow its intent/],
    ['an event naming an intent', { intent: 1 }, /^intent: only a result entry names an intent/],
    ['a fractional time', { time: 1.5 }, /^time:/],
    ['a short session', { session: 'abc' }, /^session: must be 16 lowercase hex digits/],
    ['an unknown result', { phase: 'result', intent: 1, result: 'maybe' }, /^result:/],
  ];
  for (const [what, change, reason] of refused) {
    test(`parseEntry refuses ${what}, naming the field`, () => {
      const value = { ...sealEntry(base), ...change };
      const parsed = parseEntry(value);
      assert.equal(parsed.ok, false);
      assert.match((parsed as { reason: string }).reason, reason);
      assert.equal(auditEntrySchema.safeParse(value).success, false);
    });
  }
});
