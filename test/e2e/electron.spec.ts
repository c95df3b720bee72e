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
import { test, expect, _electron, type ElectronApplication, type Page } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { findElectronBinary, type ElectronPresence } from '../../cli/electron-binary.js';
import { methods } from '../../core/api/contract.js';
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

  const PASSPHRASE = 'electron e2e passphrase';

  /**
   * Where the keyring is basic_text (a CI box) the keys are sealed with a passphrase: choose one
   * the first time, give it after a restart of the engine.
   */
  async function passKeyGate(page: Page): Promise<void> {
    const setup = page.getByTestId('passphrase-setup');
    const unlock = page.getByTestId('unlock-screen');
    await expect(setup.or(unlock).or(page.getByTestId('first-run')).or(page.getByTestId('devices-view'))).toBeVisible();
    if (await setup.isVisible()) {
      await page.getByTestId('setup-passphrase').fill(PASSPHRASE);
      await page.getByTestId('setup-confirm').fill(PASSPHRASE);
      await page.getByTestId('setup-submit').click();
    } else if (await unlock.isVisible()) {
      await page.getByTestId('passphrase-input').fill(PASSPHRASE);
      await page.getByTestId('unlock-submit').click();
    }
  }

  test('starts with the expected webPreferences; the page has only the contract', async () => {
    if (!app) throw new Error('the app did not start');
    const page = await app.firstWindow();
    expect(page.url()).toBe('app://fieldline/index.html');

    // The main process's own view of the window: what the renderer was created with.
    // getLastWebPreferences is in Electron's runtime but not in its typings.
    type WithPrefs = { getLastWebPreferences?: () => Record<string, unknown> | null };
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const contents = BrowserWindow.getAllWindows()[0]?.webContents as unknown as WithPrefs | undefined;
      const p = contents?.getLastWebPreferences?.() ?? null;
      return p
        ? {
            contextIsolation: p.contextIsolation,
            sandbox: p.sandbox,
            nodeIntegration: p.nodeIntegration,
            nodeIntegrationInSubFrames: p.nodeIntegrationInSubFrames,
            webSecurity: p.webSecurity,
            allowRunningInsecureContent: p.allowRunningInsecureContent,
            webviewTag: p.webviewTag,
          }
        : null;
    });
    expect(prefs).toEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });

    // Context isolation and sandbox: no Node in the page, only the contract's API.
    // The spec compiles without the DOM library: `globalThis` is the page's window here.
    const surface = await page.evaluate(() => {
      const w = globalThis as unknown as Record<string, unknown>;
      const api = w.fieldline as Record<string, Record<string, unknown>> | undefined;
      const methods: string[] = [];
      for (const [ns, group] of Object.entries(api ?? {})) {
        if (typeof group === 'function') methods.push(ns);
        else for (const name of Object.keys(group)) methods.push(`${ns}.${name}`);
      }
      return { require: typeof w.require, process: typeof w.process, module: typeof w.module, methods: methods.sort() };
    });
    expect(surface).toEqual({
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
      methods: [...Object.keys(methods), 'on'].sort(),
    });
  });

  test('lists the gateway on loopback and keeps the page on the app', async ({}, testInfo) => {
    if (!app || !agent) throw new Error('the app or the gateway did not start');
    const page = await app.firstWindow();
    await passKeyGate(page);

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

  test('a crashed engine is reported in the page and restarts', async () => {
    if (!app || !agent) throw new Error('the app or the gateway did not start');
    const page = await app.firstWindow();
    const killed = await app.evaluate(({ app: electronApp }) => {
      const engine = electronApp.getAppMetrics().find((m) => m.type === 'Utility' && (m.serviceName ?? m.name) === 'Fieldline engine');
      if (!engine) return false;
      process.kill(engine.pid, 'SIGKILL');
      return true;
    });
    expect(killed, 'the engine runs in a utility process named "Fieldline engine"').toBe(true);
    await expect(page.getByTestId('engine-banner')).toBeVisible();
    await expect(page.getByTestId('engine-banner-title')).toContainText('engine stopped');
    // Back: the banner clears and the API answers from the new engine process.
    await expect(page.getByTestId('engine-banner')).toBeHidden({ timeout: 60_000 });
    await passKeyGate(page);
    await expect(new AppPage(page).devices.row(agent.id)).toBeVisible();
  });
});
