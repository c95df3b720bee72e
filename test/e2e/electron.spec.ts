/**
 * The desktop shell, end to end: Playwright launches the built Electron app.
 *
 * Runs only where the Electron binary exists. `npm install` never downloads it (it is fetched
 * on first launch, which needs the internet), so on an offline machine this spec skips and says
 * why. It never calls require('electron') to find out: that would start the download.
 *
 * One reference agent runs on loopback; the app's discovery is narrowed to `lo` and a private
 * UDP probe port, and the app keeps its data in a temporary directory, so the run touches no
 * network but loopback and no state but its own.
 */
import { test, expect, _electron, type ElectronApplication } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { findElectronBinary, type ElectronPresence } from '../../cli/electron-binary.js';
import { AppPage } from './pages/app-page.js';

const root = join(import.meta.dirname, '..', '..');
const mainScript = join(root, 'dist', 'electron', 'main.js');
const preloadScript = join(root, 'dist', 'electron', 'preload.cjs');

const electronBinary = (): ElectronPresence => findElectronBinary(root);

function freeUdpLikePort(): Promise<number> {
  // Any port the kernel hands out for TCP is a fine private number for the UDP probe too.
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const presence = electronBinary();

test.describe('Electron shell', () => {
  test.skip(!presence.ok, `Electron binary not present on this machine: ${presence.ok ? '' : presence.reason}`);

  let app: ElectronApplication | null = null;
  let agent: RunningAgent | null = null;
  let dir = '';
  let dataDir = '';

  test.beforeAll(async () => {
    for (const built of [mainScript, preloadScript]) {
      if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` before the Electron e2e spec`);
    }
    dir = mkdtempSync(join(tmpdir(), 'fieldline-electron-e2e-'));
    dataDir = join(dir, 'app');
    const udpPort = await freeUdpLikePort();
    agent = await startAgent({
      stateDir: join(dir, 'gateway'),
      device: { name: 'electron-e2e-gateway', serial: 'E2E-ELECTRON-1' },
      tcp: { host: '127.0.0.1', port: 0 },
      mdns: false,
      udp: { port: udpPort, interfaces: ['127.0.0.1'] },
    });
    app = await _electron.launch({
      args: [mainScript, `--data-dir=${dataDir}`, '--interfaces=lo', `--udp-port=${udpPort}`],
      cwd: root,
    });
  });

  test.afterAll(async () => {
    await app?.close();
    await agent?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('opens a sandboxed, context-isolated window that lists the gateway on loopback', async ({}, testInfo) => {
    if (!app || !agent) throw new Error('the app or the gateway did not start');
    const page = await app.firstWindow();
    expect(page.url()).toBe('app://fieldline/index.html');

    // Context isolation and sandbox: no Node in the page, only the contract's API.
    // The spec compiles without the DOM library: `globalThis` is the page's window here.
    const surface = await page.evaluate(() => {
      const w = globalThis as unknown as Record<string, unknown>;
      const api = w.fieldline as Record<string, unknown> | undefined;
      return {
        require: typeof w.require,
        process: typeof w.process,
        module: typeof w.module,
        fieldline: typeof api,
        keys: api ? Object.keys(api).sort() : [],
        devicesList: typeof (api?.devices as Record<string, unknown> | undefined)?.list,
      };
    });
    expect(surface).toEqual({
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
      fieldline: 'object',
      keys: ['app', 'devices', 'discovery', 'on', 'profile'],
      devicesList: 'function',
    });

    // The API reaches the engine in its utility process and comes back.
    const info = await page.evaluate(() =>
      (globalThis as unknown as { fieldline: { app: { info(): Promise<{ host: string; dataDir: string }> } } }).fieldline.app.info(),
    );
    expect(info).toEqual(expect.objectContaining({ host: 'electron', dataDir }));

    // Guards: no popups, no navigation away from the app (loopback only, never the internet).
    type PageWindow = { open(url: string): unknown; location: { href: string } };
    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).open('http://127.0.0.1:9/') === null)).toBe(true);
    await page.evaluate(() => {
      (globalThis as unknown as PageWindow).location.href = 'http://127.0.0.1:9/';
    });
    await expect.poll(() => page.url()).toBe('app://fieldline/index.html');

    const shell = new AppPage(page);
    if ((await shell.landing()) === 'first-run') {
      await shell.firstRun.createProfile('E2E Technician', 'Fieldline QA');
      await shell.firstRun.continueButton.click();
    }
    await expect(shell.devices.root).toBeVisible();
    await expect(shell.devices.row(agent.id)).toBeVisible();
    expect((await shell.devices.rowInfo(shell.devices.row(agent.id))).name).toBe('electron-e2e-gateway');
    await page.screenshot({ path: testInfo.outputPath('electron-devices.png') });
    // By now a navigation that slipped past the guard would have replaced the page.
    expect(page.url()).toBe('app://fieldline/index.html');
  });
});
