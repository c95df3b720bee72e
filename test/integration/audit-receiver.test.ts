/**
 * The reference receiver refuses bad input with a clear 4xx and the reason, storing nothing; and
 * it serves HTTPS with a bearer token and with client certificates.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { encodeBatch, makeBatch, batchKey, type AuditBatch } from '../../core/audit/batch.js';
import { signCheckpoint } from '../../core/audit/checkpoint.js';
import { sealEntry, type AuditEntry } from '../../core/audit/entry.js';
import { encodeOtlp } from '../../core/audit/otlp.js';
import { generateIdentity } from '../../core/protocol/identity.js';
import { appendEntries, openLaptop, startTestReceiver, tempDir, type Laptop, type TestReceiver } from '../helpers/audit-fixtures.js';
import { makeTestCerts, type TestCerts } from '../helpers/test-certs.js';

const tmp = tempDir('fl-audit-receiver-');
let laptop: Laptop;
let receiver: TestReceiver;
const TOKEN = 'site-token-7f3a';

before(async () => {
  laptop = openLaptop(join(tmp.dir, 'laptop'));
  appendEntries(laptop.log, 59);
  receiver = await startTestReceiver(join(tmp.dir, 'rx', 'receiver.db'), { token: TOKEN, maxBodyBytes: 64 * 1024, maxEntries: 100 });
});
after(async () => {
  await receiver.stop();
  laptop.close();
  tmp.remove();
});

function entries(first: number, last: number): AuditEntry[] {
  return [...laptop.log.range(first, last)];
}

function batchOf(list: AuditEntry[], key = laptop.key): AuditBatch {
  const last = list[list.length - 1]!;
  return makeBatch(list, signCheckpoint(key, last.seq, last.hash));
}

interface Answer {
  status: number;
  body: { error?: string; reason?: string; seq?: number; accepted?: number; duplicates?: number; message?: string; code?: number };
}

function post(
  path: string,
  body: Buffer | string,
  headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const req = request(
      `${receiver.url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(data.length), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Answer['body'] }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const stored = (): number => receiver.store.count(laptop.log.logId);

test('malformed JSON → 400 naming the parse error; nothing stored', async () => {
  const answer = await post('/v1/audit/batches', '{"type":"fieldline-audit-batch",');
  assert.equal(answer.status, 400);
  assert.equal(answer.body.error, 'malformed');
  assert.match(answer.body.reason ?? '', /body is not JSON/);
  assert.equal(stored(), 0);
});

test('a wrong field in one entry → 400 naming the entry and the field', async () => {
  const batch = batchOf(entries(1, 10));
  const value = JSON.parse(encodeBatch(batch).toString()) as { entries: Record<string, unknown>[] };
  value.entries[3]!.phase = 'maybe';
  const answer = await post('/v1/audit/batches', JSON.stringify(value));
  assert.equal(answer.status, 400);
  assert.match(answer.body.reason ?? '', /^entries\[3\] \(#4\): phase: /);
  assert.equal(stored(), 0);
});

test('an edited entry → 422, its hash does not match; nothing stored', async () => {
  const list = entries(1, 10);
  list[4] = { ...list[4]!, params: { found: 999 } }; // edited, hash left as it was
  const answer = await post('/v1/audit/batches', encodeBatch(batchOf(list)));
  assert.equal(answer.status, 422);
  assert.equal(answer.body.seq, 5);
  assert.match(answer.body.reason ?? '', /#5: hash does not match its content/);
  assert.equal(stored(), 0);
});

test('a checkpoint signed by another key, or with a bad signature → 422 with the reason', async () => {
  const list = entries(1, 10);
  const stranger = batchOf(list, generateIdentity());
  const a = await post('/v1/audit/batches', encodeBatch({ ...stranger, publicKey: batchOf(list).publicKey }));
  assert.equal(a.status, 422);
  assert.match(a.body.reason ?? '', /checkpoint/);
  const good = batchOf(list);
  const forged = { ...good, checkpoint: { ...good.checkpoint, signature: 'ab'.repeat(64) } };
  const b = await post('/v1/audit/batches', encodeBatch(forged));
  assert.equal(b.status, 422);
  assert.match(b.body.reason ?? '', /checkpoint at #10: signature does not verify/);
  assert.equal(stored(), 0);
});

test('a broken chain (an entry replaced and re-hashed) → 409 with the seq; nothing stored', async () => {
  const list = entries(1, 10);
  list[6] = sealEntry({ ...list[6]!, params: { found: 1234 } }); // consistent on its own, breaks #8's link
  const answer = await post('/v1/audit/batches', encodeBatch(batchOf(list)));
  assert.equal(answer.status, 409);
  assert.equal(answer.body.error, 'chain');
  assert.equal(answer.body.seq, 8);
  assert.match(answer.body.reason ?? '', /#8: prev does not link to #7/);
  assert.equal(stored(), 0);
});

test('oversize: too many bytes or too many entries → 413; nothing stored', async () => {
  const huge = Buffer.concat([Buffer.from('{"pad":"'), Buffer.alloc(100 * 1024, 0x61), Buffer.from('"}')]);
  const bytes = await post('/v1/audit/batches', huge);
  assert.equal(bytes.status, 413);
  assert.equal(bytes.body.error, 'oversize');
  // Entry count limit: 100 per batch on this receiver (the body stays small: repeat one entry).
  const value = JSON.parse(encodeBatch(batchOf(entries(1, 1))).toString()) as Record<string, unknown> & { entries: unknown[] };
  const many = await post(
    '/v1/audit/batches',
    JSON.stringify({ ...value, last: 101, entries: Array.from({ length: 101 }, () => value.entries[0]) }),
  );
  assert.equal(many.status, 413);
  assert.match(many.body.reason ?? '', /101 entries, more than the 100/);
  assert.equal(stored(), 0);
});

test('missing or wrong bearer token → 401 with the reason; nothing stored', async () => {
  const body = encodeBatch(batchOf(entries(1, 10)));
  const none = await post('/v1/audit/batches', body, {});
  assert.equal(none.status, 401);
  assert.match(none.body.reason ?? '', /bearer token is required/);
  const wrong = await post('/v1/audit/batches', body, { authorization: 'Bearer nope' });
  assert.equal(wrong.status, 401);
  assert.match(wrong.body.reason ?? '', /not valid/);
  assert.equal(stored(), 0);
});

test('an Idempotency-Key that does not match the batch → 400; the same batch twice → 200 with every entry a duplicate', async () => {
  const batch = batchOf(entries(1, 20));
  const body = encodeBatch(batch);
  const wrongKey = await post('/v1/audit/batches', body, {
    authorization: `Bearer ${TOKEN}`,
    'idempotency-key': `${batch.log}:1-20:${'0'.repeat(16)}`,
  });
  assert.equal(wrongKey.status, 400);
  assert.match(wrongKey.body.reason ?? '', /Idempotency-Key does not match/);
  assert.equal(stored(), 0);
  const headers = { authorization: `Bearer ${TOKEN}`, 'idempotency-key': batchKey(batch) };
  const first = await post('/v1/audit/batches', body, headers);
  assert.deepEqual([first.status, first.body.accepted, first.body.duplicates], [200, 20, 0]);
  const again = await post('/v1/audit/batches', body, headers);
  assert.deepEqual([again.status, again.body.accepted, again.body.duplicates], [200, 0, 20]);
  // Without the key, dedupe is by (log, seq, hash): an overlapping batch stores only what is new.
  const overlap = await post('/v1/audit/batches', encodeBatch(batchOf(entries(11, 30))));
  assert.deepEqual([overlap.status, overlap.body.accepted, overlap.body.duplicates], [200, 10, 10]);
  assert.equal(stored(), 30);
});

test('a batch that does not link to the stored neighbour → 409; OTLP errors carry a google.rpc.Status', async () => {
  // #31–#40 from a fork of this log (same key, other content) cannot follow the stored #30.
  const fork = entries(31, 40).map((e) => ({ ...e }));
  fork[0] = sealEntry({ ...fork[0]!, prev: 'f'.repeat(64) });
  for (let i = 1; i < fork.length; i++) fork[i] = sealEntry({ ...fork[i]!, prev: fork[i - 1]!.hash });
  const answer = await post('/v1/audit/batches', encodeBatch(batchOf(fork)));
  assert.equal(answer.status, 409);
  assert.match(answer.body.reason ?? '', /#31: prev does not link to the stored #30/);
  const otlp = await post('/v1/logs', encodeOtlp(batchOf(fork)));
  assert.equal(otlp.status, 409);
  assert.equal(otlp.body.code, 3); // INVALID_ARGUMENT
  assert.match(otlp.body.message ?? '', /#31: prev does not link/);
  assert.equal(stored(), 30);
});

test('HTTPS with a self-signed CA and a bearer token; then client certificates', async (t) => {
  const certDir = join(tmp.dir, 'certs');
  await import('node:fs').then((fs) => fs.mkdirSync(certDir, { recursive: true }));
  const certs: TestCerts = makeTestCerts(certDir);
  const { readFileSync } = await import('node:fs');
  const read = (f: string): Buffer => readFileSync(f);

  await t.test('server certificate + token', async () => {
    const https = await startTestReceiver(join(tmp.dir, 'rx-https', 'receiver.db'), {
      token: TOKEN,
      tls: { cert: read(certs.serverCert), key: read(certs.serverKey) },
    });
    const uploader = laptop.uploader();
    // Without the CA the certificate is not trusted: the sync fails with that reason.
    uploader.configure({ endpoint: https.url, token: TOKEN });
    const untrusted = await uploader.syncNow();
    assert.equal(untrusted.ok, false);
    assert.match(!untrusted.ok ? untrusted.message : '', /certificate/);
    uploader.configure({ caFile: certs.caCert, token: 'wrong' });
    const refused = await uploader.syncNow();
    assert.match(!refused.ok ? refused.message : '', /refused the credentials \(HTTP 401\)/);
    uploader.configure({ token: TOKEN, batchSize: 25 });
    const outcome = await uploader.syncNow();
    assert.equal(outcome.ok, true, !outcome.ok ? outcome.message : '');
    assert.equal(https.store.count(laptop.log.logId), 60);
    await uploader.stop();
    await https.stop();
  });

  await t.test('client certificate required', async () => {
    const mtls = await startTestReceiver(join(tmp.dir, 'rx-mtls', 'receiver.db'), {
      tls: { cert: read(certs.serverCert), key: read(certs.serverKey), clientCa: read(certs.caCert) },
    });
    const uploader = laptop.uploader();
    uploader.configure({ endpoint: mtls.url, caFile: certs.caCert, token: null });
    const without = await uploader.syncNow();
    assert.match(!without.ok ? without.message : '', /HTTP 401.*client certificate/);
    uploader.configure({ certFile: certs.strangerCert, keyFile: certs.strangerKey });
    const stranger = await uploader.syncNow();
    assert.match(!stranger.ok ? stranger.message : '', /HTTP 401.*client certificate/);
    assert.equal(mtls.store.count(laptop.log.logId), 0);
    uploader.configure({ certFile: certs.clientCert, keyFile: certs.clientKey });
    const outcome = await uploader.syncNow();
    assert.equal(outcome.ok, true, !outcome.ok ? outcome.message : '');
    assert.equal(mtls.store.count(laptop.log.logId), 60);
    await uploader.stop();
    await mtls.stop();
  });
});
