/**
 * The web host (`fieldline serve`) in front of the real engine: token, cookie, CSP, static
 * files, WebSocket API, Origin and Host checks, path traversal, message size.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { MAX_CALL_BYTES } from '../../core/api/rpc.js';
import { createEngine } from '../../core/engine/engine.js';
import type { Engine } from '../../core/engine/engine-types.js';
import { cookieName } from '../../cli/serve/access-token.js';
import { startWebHost, type WebHost } from '../../cli/serve/web-host.js';
import { runServeCommand } from '../../cli/serve/serve-command.js';

interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** A raw HTTP request: node:http sends the path as given, so traversal attempts reach the host. */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

type Opened = { ok: true; ws: WebSocket } | { ok: false; status: number; body: string };

function openWs(url: string, headers: Record<string, string> = {}): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ ok: true, ws }));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ ok: false, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    ws.once('error', (err) => {
      if (!('statusCode' in err)) reject(err);
    });
  });
}

function nextMessage(ws: WebSocket, matches: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer): void => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (!matches(message)) return;
      ws.off('message', onMessage);
      resolve(message);
    };
    ws.on('message', onMessage);
  });
}

async function call(ws: WebSocket, id: number, method: string, params: unknown): Promise<Record<string, unknown>> {
  const reply = nextMessage(ws, (m) => m.type === 'result' && m.id === id);
  ws.send(JSON.stringify({ type: 'call', id, method, params }));
  return reply;
}

describe('web host', () => {
  let dir: string;
  let engine: Engine;
  let host: WebHost;
  let wsBase: string;
  const openSockets: WebSocket[] = [];
  const INDEX = '<!doctype html><title>Fieldline test page</title>';
  const SECRET = 'outside the static folder';

  const track = (opened: Opened): Opened => {
    if (opened.ok) openSockets.push(opened.ws);
    return opened;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fieldline-web-host-'));
    const staticDir = join(dir, 'static');
    await mkdir(join(staticDir, 'assets'), { recursive: true });
    await writeFile(join(staticDir, 'index.html'), INDEX);
    await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log("app");');
    await writeFile(join(dir, 'secret.txt'), SECRET);
    // The real engine, with discovery off: nothing here sends network traffic beyond loopback HTTP.
    engine = await createEngine({ dataDir: join(dir, 'data'), host: 'web' });
    host = await startWebHost({ engine, port: 0, staticDir });
    wsBase = `ws://127.0.0.1:${host.port}/api`;
  });

  after(async () => {
    for (const ws of openSockets) ws.terminate();
    await host.close();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('prints a loopback URL with a random 32-byte token', () => {
    assert.match(host.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    assert.equal(new URL(host.url).searchParams.get('token'), host.token);
  });

  test('a request without the token gets 401 and a plain explanation', async () => {
    const reply = await get(host.port, '/');
    assert.equal(reply.status, 401);
    assert.match(String(reply.headers['content-type']), /^text\/plain/);
    assert.match(reply.body, /access token/);
    assert.match(reply.body, /\?token=/);
    assert.doesNotMatch(reply.body, /Fieldline test page/);
  });

  test('a wrong token gets 401 saying the token changes on every start', async () => {
    const reply = await get(host.port, '/?token=not-the-token');
    assert.equal(reply.status, 401);
    assert.match(reply.body, /changes every time/);
  });

  test('the token in the URL becomes an HttpOnly SameSite=Strict cookie and is stripped by a redirect', async () => {
    const reply = await get(host.port, `/?token=${host.token}`);
    assert.equal(reply.status, 303);
    assert.equal(reply.headers.location, '/');
    const cookie = String(reply.headers['set-cookie']);
    assert.ok(cookie.startsWith(`${cookieName(host.port)}=${host.token};`), cookie);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
  });

  test('with the cookie the page is served with a CSP and security headers', async () => {
    const reply = await get(host.port, '/', { cookie: `${cookieName(host.port)}=${host.token}` });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, INDEX);
    assert.equal(reply.headers['content-type'], 'text/html; charset=utf-8');
    const csp = String(reply.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${host.port}`));
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
    assert.equal(reply.headers['referrer-policy'], 'no-referrer');
  });

  test('assets are served with their content type', async () => {
    const reply = await get(host.port, '/assets/app.js', { cookie: `${cookieName(host.port)}=${host.token}` });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(reply.body, 'console.log("app");');
  });

  test('paths that leave the static folder are refused', async () => {
    const cookie = { cookie: `${cookieName(host.port)}=${host.token}` };
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e%5csecret.txt',
      '/assets/%00app.js',
    ]) {
      const reply = await get(host.port, path, cookie);
      assert.ok(reply.status === 404 || reply.status === 400, `${path} gave ${reply.status}`);
      assert.doesNotMatch(reply.body, new RegExp(SECRET), path);
    }
  });

  test('a foreign Host header (DNS rebinding) is refused', async () => {
    const reply = await get(host.port, `/?token=${host.token}`, { host: `attacker.example:${host.port}` });
    assert.equal(reply.status, 421);
  });

  test('only GET and HEAD are served', async () => {
    const reply = await get(host.port, '/', { cookie: `${cookieName(host.port)}=${host.token}` }, 'POST');
    assert.equal(reply.status, 405);
  });

  test('a WebSocket without the token is refused with 401', async () => {
    const opened = track(await openWs(wsBase));
    assert.equal(opened.ok, false);
    if (!opened.ok) assert.equal(opened.status, 401);
  });

  test('a WebSocket from another site (bad Origin) is refused even with the cookie', async () => {
    const opened = track(await openWs(wsBase, { origin: 'http://evil.example', cookie: `${cookieName(host.port)}=${host.token}` }));
    assert.equal(opened.ok, false);
    if (!opened.ok) assert.equal(opened.status, 403);
  });

  test('with the token a call round-trips to the engine', async () => {
    const opened = track(await openWs(`${wsBase}?token=${host.token}`));
    assert.ok(opened.ok);
    const reply = await call(opened.ws, 1, 'profile.get', {});
    assert.deepEqual(reply, { type: 'result', id: 1, ok: true, value: null });
    const info = await call(opened.ws, 2, 'app.info', {});
    assert.equal(info.ok, true);
    assert.equal((info.value as { host: string }).host, 'web');
  });

  test('a page of this host (same Origin, cookie) can use the API', async () => {
    const opened = track(
      await openWs(wsBase, { origin: `http://127.0.0.1:${host.port}`, cookie: `${cookieName(host.port)}=${host.token}` }),
    );
    assert.ok(opened.ok);
    const created = await call(opened.ws, 7, 'profile.create', { name: 'Dana Field', organisation: 'Acme Grid' });
    assert.equal(created.ok, true);
    assert.equal((created.value as { name: string }).name, 'Dana Field');
  });

  test('an invalid call gets an invalid_params error envelope, and the connection stays usable', async () => {
    const opened = track(await openWs(`${wsBase}?token=${host.token}`));
    assert.ok(opened.ok);
    const reply = await call(opened.ws, 3, 'devices.info', { id: 'not-a-device-id' });
    assert.equal(reply.ok, false);
    const error = reply.error as { code: string; message: string };
    assert.equal(error.code, 'invalid_params');
    assert.match(error.message, /64 lowercase hex digits/);
    const after = await call(opened.ws, 4, 'devices.list', {});
    assert.deepEqual(after.value, []);
  });

  test('an unknown method and a malformed envelope get error envelopes', async () => {
    const opened = track(await openWs(`${wsBase}?token=${host.token}`));
    assert.ok(opened.ok);
    const unknown = await call(opened.ws, 5, 'devices.format', {});
    assert.equal((unknown.error as { code: string }).code, 'unknown_method');
    const bad = nextMessage(opened.ws, (m) => m.id === -1);
    opened.ws.send('{not json');
    assert.equal(((await bad).error as { code: string }).code, 'bad_message');
  });

  test('a message larger than MAX_CALL_BYTES closes the connection with 1009', async () => {
    const opened = track(await openWs(`${wsBase}?token=${host.token}`));
    assert.ok(opened.ok);
    const closed = new Promise<number>((resolve) => opened.ws.once('close', (code) => resolve(code)));
    opened.ws.send(JSON.stringify({ type: 'call', id: 9, method: 'devices.list', params: { pad: 'x'.repeat(MAX_CALL_BYTES) } }));
    assert.equal(await closed, 1009);
  });
});

const RUNNING = 'Fieldline is running at ';

/** The printed link, or a failure with everything printed if the command ended first. */
async function runningUrl(out: readonly string[], running: Promise<number>): Promise<URL> {
  let ended: number | null = null;
  void running.then((code) => (ended = code));
  for (;;) {
    const line = out.find((l) => l.startsWith(RUNNING));
    if (line !== undefined) return new URL(line.slice(RUNNING.length));
    if (ended !== null) assert.fail(`fieldline serve exited with ${ended} before printing its link:\n${out.join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('fieldline serve command', () => {
  let dir: string;
  let staticDir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fieldline-serve-cmd-'));
    staticDir = join(dir, 'static');
    await mkdir(staticDir);
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>served</title>');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('prints the running line with the token, serves until stopped, exits 0', async () => {
    const out: string[] = [];
    const opened: string[] = [];
    let stop = (): void => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const running = runServeCommand(
      ['--port', '0', '--data-dir', join(dir, 'data'), '--interfaces', 'lo'],
      (options) => createEngine(options),
      {
        out: (line) => out.push(line),
        err: (line) => out.push(line),
        stopped,
        staticDir,
        openBrowser: (url) => (opened.push(url), true),
      },
    );
    const url = await runningUrl(out, running);
    assert.equal(url.hostname, '127.0.0.1');
    assert.deepEqual(opened, [url.toString()]);
    const port = Number(url.port);
    const token = url.searchParams.get('token')!;
    const page = await get(port, '/', { cookie: `${cookieName(port)}=${token}` });
    assert.equal(page.status, 200);
    assert.match(page.body, /served/);
    const ws = await openWs(`ws://127.0.0.1:${port}/api?token=${token}`);
    assert.ok(ws.ok);
    const report = await call(ws.ws, 1, 'discovery.report', {});
    const interfaces = (report.value as { interfaces: { name: string; used: boolean }[] }).interfaces
      .filter((i) => i.used)
      .map((i) => i.name);
    assert.deepEqual(interfaces, ['lo'], 'discovery is narrowed to the interfaces given on the command line');
    ws.ws.terminate();
    stop();
    assert.equal(await running, 0);
    await assert.rejects(get(port, '/'), 'the server is closed after stopping');
  });

  test('--no-open does not start a browser', async () => {
    const out: string[] = [];
    const opened: string[] = [];
    let stop = (): void => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const running = runServeCommand(
      ['--no-open', '--data-dir', join(dir, 'data2'), '--interfaces', 'lo'],
      (options) => createEngine(options),
      {
        out: (line) => out.push(line),
        err: (line) => out.push(line),
        stopped,
        staticDir,
        openBrowser: (url) => (opened.push(url), true),
      },
    );
    await runningUrl(out, running);
    stop();
    assert.equal(await running, 0);
    assert.deepEqual(opened, []);
  });

  test('bad flags exit 2 with a specific message and start nothing', async () => {
    for (const [argv, pattern] of [
      [['--port', 'eighty'], /--port must be a number from 0 to 65535/],
      [['--port', '70000'], /--port must be a number/],
      [['--frobnicate'], /Unknown option '--frobnicate'/],
    ] as const) {
      const err: string[] = [];
      let engines = 0;
      const code = await runServeCommand(
        argv,
        async () => {
          engines++;
          throw new Error('must not start');
        },
        { out: () => {}, err: (line) => err.push(line), staticDir },
      );
      assert.equal(code, 2, argv.join(' '));
      assert.match(err.join('\n'), pattern);
      assert.equal(engines, 0);
    }
  });

  test('a missing UI build says how to build it', async () => {
    const err: string[] = [];
    const code = await runServeCommand(['--no-open'], async () => assert.fail('must not start'), {
      out: () => {},
      err: (line) => err.push(line),
      staticDir: join(dir, 'does-not-exist'),
      stopped: Promise.resolve(),
    });
    assert.equal(code, 1);
    assert.match(err.join('\n'), /the user interface is not built/);
    assert.match(err.join('\n'), /npm run build/);
  });
});
