/**
 * The bundle library through the real engine and the real web host: import, verify, refuse with
 * the exact reason, re-verify on trust changes, remove; and the upload endpoint's guards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { BundleSummary, BundlesChange } from '../../core/api/schemas.js';
import { dispatch } from '../../core/api/dispatch.js';
import { createEngine } from '../../core/engine/engine.js';
import type { Engine } from '../../core/engine/engine-types.js';
import { cookieName } from '../../cli/serve/access-token.js';
import { startWebHost, type WebHost } from '../../cli/serve/web-host.js';
import { demoImageSigner, makeDemoBundles, type DemoBundles } from '../helpers/demo-bundles.js';

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

function post(port: number, path: string, headers: Record<string, string>, body: Readable | Buffer | null): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    // The server may answer and close before the whole body is written (413): that is the point.
    req.on('error', (err) => (/EPIPE|ECONNRESET/.test((err as NodeJS.ErrnoException).code ?? '') ? undefined : reject(err)));
    if (body === null) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

async function call<T>(engine: Engine, method: string, params: unknown): Promise<T> {
  const outcome = await dispatch(engine.handlers, method, params);
  if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), outcome.error);
  return outcome.value as T;
}

async function callError(engine: Engine, method: string, params: unknown): Promise<{ code: string; message: string; fix?: string }> {
  const outcome = await dispatch(engine.handlers, method, params);
  assert.equal(outcome.ok, false, `${method} should have failed`);
  return (outcome as { ok: false; error: { code: string; message: string; fix?: string } }).error;
}

/** Files in the upload staging folder: must be empty whenever no upload is running. */
async function incomingFiles(dataDir: string): Promise<string[]> {
  return readdir(join(dataDir, 'bundles', 'incoming')).catch(() => []);
}

async function untilEmpty(dataDir: string): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const left = await incomingFiles(dataDir);
    if (left.length === 0) return left;
    await delay(50);
  }
  return incomingFiles(dataDir);
}

describe('bundle library', () => {
  let dir: string;
  let dataDir: string;
  let engine: Engine;
  let bundles: DemoBundles;
  const changes: BundlesChange[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fieldline-bundle-library-'));
    dataDir = join(dir, 'data');
    bundles = await makeDemoBundles(dir);
    engine = await createEngine({ dataDir, host: 'cli' });
    engine.subscribe((event, data) => {
      if (event === 'bundles.changed') changes.push(data as BundlesChange);
    });
  });

  after(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  let good: BundleSummary;
  let bad: BundleSummary;

  test('a good bundle is verified and a tampered one refused with payload_hash_mismatch; both stay listed', async () => {
    good = await call<BundleSummary>(engine, 'bundles.import', { path: bundles.good });
    bad = await call<BundleSummary>(engine, 'bundles.import', { path: bundles.tampered });

    assert.equal(good.status, 'verified', JSON.stringify(good.reason));
    assert.equal(good.reason, null);
    assert.equal(good.name, 'Gateway OS');
    assert.equal(good.kind, 'os-image');
    assert.equal(good.version, '1.4.0');
    assert.equal(good.fileName, 'gw-os-1.4.0.flb');
    assert.equal(good.size, (await stat(bundles.good)).size);
    assert.deepEqual(good.hardware, [{ model: 'Emulated gateway', revisions: [] }]);
    assert.equal(good.signers.length, 1);
    assert.equal(good.signers[0]!.keyId, demoImageSigner().keyId);
    assert.equal(good.signers[0]!.counted, true);

    assert.equal(bad.status, 'refused');
    assert.equal(bad.reason?.code, 'payload_hash_mismatch');
    assert.match(bad.reason?.message ?? '', /rootfs\.img/);
    assert.notEqual(bad.id, good.id);

    const list = await call<BundleSummary[]>(engine, 'bundles.list', {});
    assert.deepEqual(new Set(list.map((b) => b.id)), new Set([good.id, bad.id]));
    // Each copy is kept under its SHA-256; the staging folder is left empty.
    const kept = (await readdir(join(dataDir, 'bundles'))).filter((f) => f.endsWith('.flb')).sort();
    assert.deepEqual(kept, [`${good.id}.flb`, `${bad.id}.flb`].sort());
    assert.deepEqual(await incomingFiles(dataDir), []);
    assert.deepEqual(
      changes.filter((c) => c.reason === 'imported').map((c) => c.id),
      [good.id, bad.id],
    );
  });

  test('details carry every check, the signers and the manifest', async () => {
    const detail = await call<{
      bundle: BundleSummary;
      checks: { status: string; code?: string; message: string }[];
      manifest: { name: string; payloads: { path: string; sha256: string }[] } | null;
      manifestJson: string | null;
    }>(engine, 'bundles.get', { id: bad.id });
    assert.equal(detail.bundle.id, bad.id);
    const failed = detail.checks.filter((c) => c.status === 'fail');
    assert.equal(failed[0]?.code, 'payload_hash_mismatch');
    assert.ok(
      detail.checks.some((c) => c.status === 'pass'),
      'the signature checks before the payloads pass',
    );
    assert.equal(detail.manifest?.name, 'Gateway OS');
    assert.deepEqual(detail.manifest?.payloads.map((p) => p.path).sort(), ['NOTES.txt', 'rootfs.img']);
    assert.match(detail.manifestJson ?? '', /"schema": "fieldline\.bundle\/v1"/);

    const unknown = await callError(engine, 'bundles.get', { id: 'a'.repeat(64) });
    assert.equal(unknown.code, 'bundle_unknown');
    const malformed = await callError(engine, 'bundles.get', { id: 'nope' });
    assert.equal(malformed.code, 'invalid_params');
  });

  test('importing a path that is not a file says so', async () => {
    const missing = await callError(engine, 'bundles.import', { path: join(dir, 'no-such.flb') });
    assert.equal(missing.code, 'file_not_found');
    assert.ok(missing.fix);
    const folder = await callError(engine, 'bundles.import', { path: dir });
    assert.equal(folder.code, 'not_a_file');
  });

  test('revoking the signing key refuses the good bundle on re-verification; trust.list shows the revocation', async () => {
    const signer = demoImageSigner().keyId;
    const trust = await call<{ keys: { keyId: string; source: string; revokedAt: number | null }[]; thresholds: Record<string, number> }>(
      engine,
      'trust.list',
      {},
    );
    const demo = trust.keys.find((k) => k.keyId === signer);
    assert.equal(demo?.source, 'demo-root');
    assert.equal(demo?.revokedAt, null);
    assert.ok(trust.thresholds['os-image']! >= 1);

    const before = changes.length;
    const revoked = await call<{ keyId: string; revokedAt: number | null; revokedReason: string | null }>(engine, 'trust.revoke', {
      keyId: signer,
      reason: 'laptop lost',
    });
    assert.equal(revoked.keyId, signer);
    assert.notEqual(revoked.revokedAt, null);
    assert.equal(revoked.revokedReason, 'laptop lost');

    // Re-verification runs after the change; its event says when it is done.
    for (let i = 0; i < 200 && !changes.slice(before).some((c) => c.reason === 'reverified'); i++) await delay(25);
    assert.ok(
      changes.slice(before).some((c) => c.reason === 'reverified' && c.id === null),
      'a reverified event',
    );
    const now = (await call<BundleSummary[]>(engine, 'bundles.list', {})).find((b) => b.id === good.id);
    assert.equal(now?.status, 'refused');
    assert.equal(now?.reason?.code, 'key_revoked');
    assert.match(now?.reason?.message ?? '', /laptop lost/);
  });

  test('trust.import adds an organisation key; bad keys and unknown ids are refused clearly', async () => {
    const publicKey = 'ab'.repeat(32);
    const key = await call<{ keyId: string; source: string; roles: string[]; expiresAt: number | null }>(engine, 'trust.import', {
      publicKey,
      name: 'Acme release key',
      roles: ['model-signer'],
      expiresAt: Date.now() + 86_400_000,
    });
    assert.match(key.keyId, /^[0-9a-f]{64}$/);
    assert.equal(key.source, 'imported');
    assert.deepEqual(key.roles, ['model-signer']);
    assert.notEqual(key.expiresAt, null);

    const short = await callError(engine, 'trust.import', { publicKey: 'abcd', name: 'x', roles: ['image-signer'] });
    assert.equal(short.code, 'invalid_params');
    assert.match(short.message, /64 hex digits/);
    const noRole = await callError(engine, 'trust.import', { publicKey, name: 'x', roles: [] });
    assert.match(noRole.message, /at least one role/);

    assert.deepEqual(await call(engine, 'trust.remove', { keyId: key.keyId }), { keyId: key.keyId });
    const gone = await callError(engine, 'trust.remove', { keyId: key.keyId });
    assert.equal(gone.code, 'key_unknown');
  });

  test('removing a bundle deletes its library copy', async () => {
    assert.deepEqual(await call(engine, 'bundles.remove', { id: bad.id }), { id: bad.id });
    const list = await call<BundleSummary[]>(engine, 'bundles.list', {});
    assert.equal(
      list.some((b) => b.id === bad.id),
      false,
    );
    await assert.rejects(stat(join(dataDir, 'bundles', `${bad.id}.flb`)), { code: 'ENOENT' });
    assert.equal((await callError(engine, 'bundles.remove', { id: bad.id })).code, 'bundle_unknown');
  });
});

describe('bundle upload endpoint', () => {
  const LIMIT = 1024 * 1024;
  let dir: string;
  let dataDir: string;
  let engine: Engine;
  let host: WebHost;
  let bundles: DemoBundles;
  let cookie: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fieldline-bundle-upload-'));
    dataDir = join(dir, 'data');
    const staticDir = join(dir, 'static');
    await mkdir(staticDir);
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    bundles = await makeDemoBundles(dir);
    engine = await createEngine({ dataDir, host: 'web' });
    host = await startWebHost({ engine, staticDir, uploadLimit: LIMIT });
    cookie = `${cookieName(host.port)}=${host.token}`;
  });

  after(async () => {
    await host.close();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  const headersFor = (extra: Record<string, string> = {}): Record<string, string> => ({
    Host: `127.0.0.1:${host.port}`,
    Cookie: cookie,
    'Content-Type': 'application/octet-stream',
    ...extra,
  });

  test('without the token nothing is accepted', async () => {
    const size = (await stat(bundles.good)).size;
    const reply = await post(
      host.port,
      '/api/bundles?name=gw.flb',
      { Host: `127.0.0.1:${host.port}`, 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
      createReadStream(bundles.good),
    );
    assert.equal(reply.status, 401);
    assert.match(reply.body, /access token/);
    const wrong = await post(host.port, '/api/bundles?name=gw.flb&token=nope', headersFor({ Cookie: '' }), Buffer.from('x'));
    assert.equal(wrong.status, 401);
    assert.deepEqual(await untilEmpty(dataDir), []);
    assert.deepEqual(await call<BundleSummary[]>(engine, 'bundles.list', {}), []);
  });

  test('a streamed upload with the token is imported, verified and answered with its summary', async () => {
    const size = (await stat(bundles.good)).size;
    const reply = await post(
      host.port,
      `/api/bundles?name=${encodeURIComponent('Gateway OS 1.4.0.flb')}`,
      headersFor({ 'Content-Length': String(size) }),
      createReadStream(bundles.good),
    );
    assert.equal(reply.status, 200, reply.body);
    assert.match(String(reply.headers['content-type']), /application\/json/);
    const summary = JSON.parse(reply.body) as BundleSummary;
    assert.equal(summary.status, 'verified');
    assert.equal(summary.fileName, 'Gateway OS 1.4.0.flb');
    assert.equal(summary.size, size);
    assert.deepEqual(await untilEmpty(dataDir), []);
    const listed = await call<BundleSummary[]>(engine, 'bundles.list', {});
    assert.deepEqual(
      listed.map((b) => b.id),
      [summary.id],
    );
  });

  test('a tampered upload is listed as refused with its reason', async () => {
    const reply = await post(host.port, '/api/bundles?name=t.flb', headersFor(), createReadStream(bundles.tampered));
    assert.equal(reply.status, 200, reply.body);
    const summary = JSON.parse(reply.body) as BundleSummary;
    assert.equal(summary.status, 'refused');
    assert.equal(summary.reason?.code, 'payload_hash_mismatch');
  });

  test('a declared length over the limit is refused with 413 before anything is written', async () => {
    const reply = await post(host.port, '/api/bundles?name=big.flb', headersFor({ 'Content-Length': String(LIMIT + 1) }), null);
    assert.equal(reply.status, 413);
    const body = JSON.parse(reply.body) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'upload_too_large');
    assert.deepEqual(await untilEmpty(dataDir), []);
  });

  test('a chunked body that grows past the limit is cut off with 413 and its partial file removed', async () => {
    const { Readable } = await import('node:stream');
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    let sent = 0;
    const endless = new Readable({
      read() {
        sent += chunk.length;
        // Well past the limit, but finite so a broken server cannot hang the test.
        this.push(sent > LIMIT * 4 ? null : chunk);
      },
    });
    const reply = await post(host.port, '/api/bundles?name=stream.flb', headersFor({ 'Transfer-Encoding': 'chunked' }), endless);
    assert.equal(reply.status, 413);
    assert.match(reply.body, /upload_too_large/);
    assert.deepEqual(await untilEmpty(dataDir), []);
  });

  test('an upload is streamed to disk as it arrives, and a client that disconnects leaves nothing behind', async () => {
    const req = request({
      host: '127.0.0.1',
      port: host.port,
      path: '/api/bundles?name=cut.flb',
      method: 'POST',
      headers: headersFor({ 'Content-Length': String(LIMIT) }),
    });
    const closed = new Promise<void>((resolve) => {
      req.on('error', () => resolve());
      req.on('close', () => resolve());
    });
    req.write(Buffer.alloc(LIMIT / 4, 1));
    // The first quarter is on disk before the rest is even sent: the body is not held in memory.
    let staged: string[] = [];
    for (let i = 0; i < 200 && staged.length === 0; i++) {
      staged = await incomingFiles(dataDir);
      if (staged.length === 0) await delay(25);
    }
    assert.equal(staged.length, 1, 'a staging file while the upload runs');
    for (let i = 0; i < 200 && (await stat(join(dataDir, 'bundles', 'incoming', staged[0]!))).size < LIMIT / 4; i++) await delay(25);
    assert.equal((await stat(join(dataDir, 'bundles', 'incoming', staged[0]!))).size, LIMIT / 4);
    req.destroy();
    await closed;
    assert.deepEqual(await untilEmpty(dataDir), []);
  });

  test('another origin and a non-octet-stream body are refused; a non-bundle is listed as refused', async () => {
    const foreign = await post(host.port, '/api/bundles', headersFor({ Origin: 'http://evil.example' }), Buffer.from('x'));
    assert.equal(foreign.status, 403);
    const form = await post(host.port, '/api/bundles', headersFor({ 'Content-Type': 'text/plain' }), Buffer.from('x'));
    assert.equal(form.status, 415);
    const notBundle = await post(host.port, '/api/bundles?name=junk.flb', headersFor(), Buffer.from('not a tar archive at all'));
    assert.equal(notBundle.status, 200);
    const junk = JSON.parse(notBundle.body) as BundleSummary;
    assert.equal(junk.status, 'refused');
    assert.ok(junk.reason?.code, 'a refused upload names its reason');
    assert.deepEqual(await untilEmpty(dataDir), []);
  });
});
