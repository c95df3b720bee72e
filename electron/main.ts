/**
 * Electron main process: composes the shell from its parts and owns the app's lifetime.
 *
 * Order matters: the app scheme and the sandbox must be declared before `ready`; the guards
 * must be in place before the first window exists; the engine starts alongside the window so
 * that discovery is already running when the page asks for devices.
 */
import { app, safeStorage, session, type BrowserWindow } from 'electron';
import { sealedAuditKeyPem } from '../core/audit/key-handoff.js';
import { defaultDataDir } from '../core/store/paths.js';
import { installAppMenu } from './app-menu.js';
import { appPaths } from './app-paths.js';
import { APP_ENTRY_URL, isAppUrl, registerAppScheme, serveAppScheme } from './app-protocol.js';
import { EngineHost } from './engine-host.js';
import { parseLaunchOptions } from './launch-options.js';
import { installSecurityGuards } from './security-guards.js';
import { claimSingleInstance } from './single-instance.js';
import { createMainWindow } from './window.js';

const log = (scope: string) => (line: string) => console.log(`[${scope}] ${line}`);

let mainWindow: BrowserWindow | null = null;
let engine: EngineHost | null = null;
let quitting = false;

function openWindow(host: EngineHost): void {
  const window = createMainWindow({ preload: appPaths.preload, url: APP_ENTRY_URL, log: log('window') });
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  host.attach(window.webContents);
  mainWindow = window;
}

async function start(): Promise<void> {
  await app.whenReady();
  installSecurityGuards(session.defaultSession, { isAppUrl, log: log('security') });
  serveAppScheme(appPaths.rendererDir);
  installAppMenu();
  const { options, problems } = parseLaunchOptions(process.argv);
  for (const problem of problems) log('main')(`ignored switch: ${problem}`);
  // The same data directory as the `fieldline` CLI, so both see one technician profile.
  const launch = { ...options, dataDir: options.dataDir ?? defaultDataDir() };
  const host = new EngineHost({
    enginePath: appPaths.engineProcess,
    launch,
    log: log('engine-host'),
    // The audit key at rest is sealed with the OS keychain where Electron offers one.
    ...(safeStorage.isEncryptionAvailable() ? { auditKeyPem: () => sealedAuditKeyPem(launch.dataDir, safeStorage) } : {}),
  });
  engine = host;
  host.start();
  openWindow(host);
  app.on('activate', () => {
    // macOS: clicking the dock icon with no window open brings one back.
    if (mainWindow === null) openWindow(host);
  });
}

registerAppScheme();
app.enableSandbox();

if (!claimSingleInstance(() => mainWindow)) {
  app.quit();
} else {
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', (event) => {
    if (quitting || engine === null) return;
    // Give the engine a moment to close SQLite and its sessions before the process ends.
    event.preventDefault();
    quitting = true;
    void engine.stop().finally(() => app.quit());
  });
  start().catch((err: unknown) => {
    console.error(`[main] Fieldline could not start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    app.exit(1);
  });
}
