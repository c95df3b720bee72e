/**
 * Upload formats and uploader policy as pure functions: the native batch (strict parse naming the
 * field or entry), the idempotency key, OTLP/HTTP JSON both ways, full-jitter backoff and which
 * endpoints are allowed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../core/audit/backoff.js';
import { batchKey, encodeBatch, idempotencyKey, isIdempotencyKey, makeBatch, parseBatch, type AuditBatch } from '../../core/audit/batch.js';
import { signCheckpoint } from '../../core/audit/checkpoint.js';
import { GENESIS_PREV, sealEntry, type AuditEntry } from '../../core/audit/entry.js';
import { EMPTY_OTLP_REQUEST, encodeOtlp, parseOtlp } from '../../core/audit/otlp.js';
import { checkBatch } from '../../core/audit/receiver/checks.js';
import { checkEndpoint } from '../../core/audit/sync-state.js';
import { generateIdentity, toHex } from '../../core/protocol/identity.js';

const key = generateIdentity();

function chain(count: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = GENESIS_PREV;
  for (let seq = 1; seq <= count; seq++) {
    const entry = sealEntry({
      v: 1,
      log: key.id,
      seq,
      time: 1_790_000_000_000 + seq,
      mono: seq * 10,
      session: '0123456789abcdef',
      technician: seq === 1 ? null : { keyId: 'a'.repeat(64), name: 'Ana Técnica' },
      site: null,
      device: seq === 1 ? null : 'd'.repeat(64),
      action: seq === 1 ? 'audit.log-created' : 'flash.install',
      phase: seq === 1 ? 'event' : seq % 2 ? 'result' : 'intent',
      intent: seq > 1 && seq % 2 ? seq - 1 : null,
      params: seq === 1 ? { publicKey: toHex(key.publicKey) } : { bundle: 'b'.repeat(64), note: 'ünïcode ✓' },
      result: seq > 1 && seq % 2 ? (seq % 3 ? 'ok' : 'failed') : null,
      error: seq > 1 && seq % 2 && !(seq % 3) ? { code: 'health', message: 'health check failed' } : null,
      app: 'fieldline/0.1.0',
      prev,
    });
    out.push(entry);
    prev = entry.hash;
  }
  return out;
}

function batch(count = 12): AuditBatch {
  const entries = chain(count);
  const last = entries[entries.length - 1]!;
  return makeBatch(entries, signCheckpoint(key, last.seq, last.hash, 1_790_000_001_000));
}

test('the idempotency key is the chain range plus the last hash, and only that shape is accepted', () => {
  const b = batch();
  const key1 = batchKey(b);
  assert.equal(key1, `${key.id}:1-12:${b.entries[11]!.hash.slice(0, 16)}`);
  assert.equal(key1, idempotencyKey(b.log, 1, 12, b.entries[11]!.hash));
  assert.equal(isIdempotencyKey(key1), true);
  for (const bad of ['', 'x', `${key.id}:0-12:${'a'.repeat(16)}`, `${key.id}:1-12:${'A'.repeat(16)}`, `${key.id}:1-12`])
    assert.equal(isIdempotencyKey(bad), false, bad);
});

test('a batch survives encode → parse unchanged and passes the receiver checks', () => {
  const b = batch();
  const parsed = parseBatch(encodeBatch(b));
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.batch, b);
  assert.equal(checkBatch(parsed.batch), null);
});

test('parseBatch names what is wrong', () => {
  const good = JSON.parse(encodeBatch(batch()).toString()) as Record<string, unknown> & { entries: Record<string, unknown>[] };
  const cases: [unknown, RegExp][] = [
    ['[1]', /must be a JSON object/],
    [{ ...good, extra: 1 }, /unknown field "extra"/],
    [{ ...good, type: 'x' }, /^type: /],
    [{ ...good, v: 2 }, /^v: /],
    [{ ...good, log: 'LOG' }, /^log: /],
    [{ ...good, first: 0 }, /^first: /],
    [{ ...good, last: 11 }, /12 entries for #1–#11/],
    [{ ...good, entries: {} }, /^entries: must be an array/],
    [{ ...good, entries: good.entries.map((e, i) => (i === 5 ? { ...e, seq: 99 } : e)) }, /^entries\[5\]: seq is 99, expected 6/],
    [
      { ...good, entries: good.entries.map((e, i) => (i === 2 ? { ...e, log: 'f'.repeat(64) } : e)) },
      /^entries\[2\] \(#3\): log is not the batch's log/,
    ],
    [{ ...good, entries: good.entries.map((e, i) => (i === 7 ? { ...e, time: -1 } : e)) }, /^entries\[7\] \(#8\): time: /],
    [{ ...good, checkpoint: { ...(good.checkpoint as object), signature: 'zz' } }, /^checkpoint\.signature: /],
  ];
  for (const [value, reason] of cases) {
    const parsed = parseBatch(typeof value === 'string' ? value : JSON.stringify(value));
    assert.equal(parsed.ok, false);
    assert.match(!parsed.ok ? parsed.reason : '', reason);
  }
  const tooMany = parseBatch(encodeBatch(batch()), 5);
  assert.deepEqual(!tooMany.ok && [tooMany.status, tooMany.reason], [413, 'entries: 12 entries, more than the 5 a batch may hold']);
});

test('OTLP/HTTP JSON: one record per entry plus the checkpoint, severity from the result, lossless back', () => {
  const b = batch();
  const request = JSON.parse(encodeOtlp(b, 'fieldline/0.1.0').toString()) as {
    resourceLogs: {
      resource: { attributes: { key: string }[] };
      scopeLogs: { scope: { name: string }; logRecords: Record<string, unknown>[] }[];
    }[];
  };
  const records = request.resourceLogs[0]!.scopeLogs[0]!.logRecords;
  assert.equal(records.length, 13);
  assert.equal(records[0]!.timeUnixNano, '1790000000001000000');
  assert.equal(records[8]!.severityText, 'WARN'); // #9 failed
  assert.equal(records[4]!.severityText, 'INFO'); // #5 ok
  assert.equal(records[12]!.eventName, 'fieldline.audit.checkpoint');
  assert.match(
    String((records[4]!.body as { stringValue: string }).stringValue),
    /^#5 flash\.install result ok device dddddddddddd by Ana Técnica$/,
  );
  const back = parseOtlp(encodeOtlp(b));
  assert.ok(back.ok && !('empty' in back));
  assert.deepEqual(back.batch, b);
  assert.deepEqual(parseOtlp(EMPTY_OTLP_REQUEST), { ok: true, empty: true });
  const tampered = JSON.parse(encodeOtlp(b).toString()) as typeof request;
  const attrs = tampered.resourceLogs[0]!.scopeLogs[0]!.logRecords[4]!.attributes as { key: string; value: { intValue?: string } }[];
  attrs.find((a) => a.key === 'fieldline.audit.seq')!.value.intValue = '77';
  const refused = parseOtlp(JSON.stringify(tampered));
  assert.match(!refused.ok ? refused.reason : '', /logRecords\[4\]: attribute fieldline\.audit\.seq disagrees/);
  const noCheckpoint = JSON.parse(encodeOtlp(b).toString()) as typeof request;
  noCheckpoint.resourceLogs[0]!.scopeLogs[0]!.logRecords.pop();
  assert.match(((p) => (!p.ok ? p.reason : ''))(parseOtlp(JSON.stringify(noCheckpoint))), /no fieldline\.audit\.checkpoint record/);
});

test('backoff: full jitter under a ceiling that doubles from 1 s to the 5 min cap', () => {
  assert.equal(backoffDelay(1, { random: () => 0.999999 }), 999);
  assert.equal(backoffDelay(2, { random: () => 0.5 }), 1000);
  assert.equal(backoffDelay(4, { random: () => 0.5 }), 4000);
  assert.equal(backoffDelay(20, { random: () => 0.5 }), 150_000);
  assert.equal(backoffDelay(5000, { random: () => 0.999999 }), 299_999);
  assert.equal(backoffDelay(3, { random: () => 0 }), 0);
  assert.equal(backoffDelay(3, { baseMs: 2, capMs: 5, random: () => 0.99 }), 4);
});

test('endpoints: https anywhere, plain http only to this machine', () => {
  assert.equal(checkEndpoint('https://audit.example.com/fieldline/'), 'https://audit.example.com/fieldline');
  assert.equal(checkEndpoint('http://127.0.0.1:8473'), 'http://127.0.0.1:8473');
  assert.equal(checkEndpoint('http://[::1]:8473'), 'http://[::1]:8473');
  assert.equal(checkEndpoint('http://localhost:4318'), 'http://localhost:4318');
  assert.throws(() => checkEndpoint('http://10.0.0.5:8473'), /plain http is allowed only to this machine/);
  assert.throws(() => checkEndpoint('ftp://x'), /not supported/);
  assert.throws(() => checkEndpoint('https://user:pw@x'), /credentials/);
  assert.throws(() => checkEndpoint('nope'), /not a URL/);
});
