/**
 * The page's defences, in real Chromium through `fieldline serve`: a gateway that announces
 * itself with HTML in its name gets that name shown as text and nothing runs; the page holds no
 * Node globals and no raw IPC; `window.fieldline`, when a host provides it, is exactly the
 * contract's API; and the served page carries its Content-Security-Policy header.
 *
 * Network safety: the gateway listens on 127.0.0.1 only, announces nothing (no mDNS, no UDP),
 * and is added by its loopback address.
 */
import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { events, methods } from '../../core/api/contract.js';
import { parseCsp } from '../../electron/content-policy.js';
import { startDemo, type Demo } from './fixtures/start-demo.js';
import { AppPage } from './pages/app-page.js';

/** Both classic payloads: an event handler on an element and an inline script. */
const XSS_NAME = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;

let demo: Demo | null = null;
let agent: RunningAgent | null = null;
let dir = '';

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fieldline-security-e2e-'));
  agent = await startAgent({
    stateDir: join(dir, 'gateway'),
    device: { name: XSS_NAME, serial: 'E2E-XSS-1' },
    tcp: { host: '127.0.0.1', port: 0 },
    mdns: false,
    udp: false,
  });
  demo = await startDemo({ gateways: 0 });
});

test.afterAll(async () => {
  await demo?.stop();
  await agent?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the served page carries a strict Content-Security-Policy header', async ({ page }) => {
  if (!demo) throw new Error('fieldline serve did not start');
  const response = await page.goto(demo.url);
  expect(response, 'the page loaded').not.toBeNull();
  const header = response!.headers()['content-security-policy'];
  expect(header, `CSP header on ${demo.url}`).toBeTruthy();
  const csp = parseCsp(header!);
  expect(csp.get('script-src')).toEqual(["'self'"]);
  expect(csp.get('object-src')).toEqual(["'none'"]);
  expect(header).not.toMatch(/unsafe-|https?:|\*\./);
  // Every connect-src besides 'self' is this very server's WebSocket on loopback.
  for (const source of csp.get('connect-src') ?? []) expect(source).toMatch(/^'self'$|^ws:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+$/);
});

test('a gateway named with HTML shows the name as text and runs nothing', async ({ page }, testInfo) => {
  if (!demo || !agent) throw new Error('fieldline serve or the gateway did not start');
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });

  const app = new AppPage(page);
  await app.open(demo.url);
  if ((await app.landing()) === 'first-run') {
    await app.firstRun.createProfile('E2E Technician', 'Fieldline QA');
    await app.firstRun.continueButton.click();
  }
  await expect(app.devices.root).toBeVisible();

  await app.devices.addForm.add(`127.0.0.1:${agent.tcpPort!}`);
  // The panel and the list show the payload as the literal text it is.
  await expect(app.devices.panel.name).toHaveText(XSS_NAME);
  await expect(app.devices.row(agent.id)).toBeVisible();
  expect((await app.devices.rowInfo(app.devices.row(agent.id))).name).toBe(XSS_NAME);
  await page.screenshot({ path: testInfo.outputPath('xss-name.png') });

  // Nothing of the payload became markup: no <img src=x>, no injected <script>, nothing ran.
  const dom = await page.evaluate(() => {
    const d = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document;
    return {
      images: d.querySelectorAll('img[src="x"], img[onerror]').length,
      inlineScripts: d.querySelectorAll('script:not([src])').length,
      xss: (globalThis as unknown as { __xss?: unknown }).__xss ?? null,
    };
  });
  expect(dom).toEqual({ images: 0, inlineScripts: 0, xss: null });
  expect(dialogs).toEqual([]);
  expect(violations, 'no CSP violation was even attempted').toEqual([]);
});

test('the page has no Node globals or raw IPC, and window.fieldline (when present) is only the contract', async ({ page }) => {
  if (!demo) throw new Error('fieldline serve did not start');
  const app = new AppPage(page);
  await app.open(demo.url);
  await app.landing();
  const surface = await page.evaluate(() => {
    const w = globalThis as unknown as Record<string, unknown>;
    const api = w.fieldline as Record<string, unknown> | undefined;
    const namespaces: Record<string, string[]> = {};
    if (api) {
      for (const key of Object.keys(api)) {
        const value = api[key];
        namespaces[key] = typeof value === 'object' && value !== null ? Object.keys(value).sort() : [typeof value];
      }
    }
    return {
      globals: ['require', 'process', 'module', 'Buffer', 'ipcRenderer', 'electron', 'global', '__dirname'].map((name) => [
        name,
        typeof w[name],
      ]),
      fieldline: api === undefined ? null : namespaces,
    };
  });
  expect(Object.fromEntries(surface.globals)).toEqual({
    require: 'undefined',
    process: 'undefined',
    module: 'undefined',
    Buffer: 'undefined',
    ipcRenderer: 'undefined',
    electron: 'undefined',
    global: 'undefined',
    __dirname: 'undefined',
  });
  if (surface.fieldline !== null) {
    const expected: Record<string, string[]> = { on: ['function'] };
    for (const method of Object.keys(methods)) {
      const [namespace, name] = method.split('.') as [string, string];
      (expected[namespace] ??= []).push(name);
    }
    for (const list of Object.values(expected)) list.sort();
    expect(surface.fieldline).toEqual(expected);
  }
  // The contract's events are what `on` may subscribe to; a sanity check that the import is live.
  expect(Object.keys(events).length).toBeGreaterThan(0);
});
