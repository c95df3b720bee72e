/**
 * Electron main process: composes the shell from its parts and owns the app's lifetime.
 *
 * Order matters: the app scheme and the sandbox must be declared before `ready`; the guards
 * must be in place before the first window exists; the engine starts alongside the window so
 * that discovery is already running when the page asks for devices.
 */
import { join } from 'node:path';
import { app, safeStorage, session, type BrowserWindow } from 'electron';
import { keychainKeyBundle } from '../core/audit/key-handoff.js';
import { shippedUsbCatalog } from '../core/discovery/usb/usb-catalog.js';
import { defaultDataDir } from '../core/store/paths.js';
import { installAppMenu } from './app-menu.js';
import { appPaths } from './app-paths.js';
import { APP_ENTRY_URL, registerAppScheme, serveAppScheme } from './app-protocol.js';
import { EngineHost } from './engine-host.js';
import { catalogLinks, ExternalLinks } from './external-links.js';
import { chooseKeyProtection, keyProtectionArgs, keyProtectionFacts } from './key-protection.js';
import { parseLaunchOptions } from './launch-options.js';
import { QuitGuard } from './quit-guard.js';
import { installSecurityGuards } from './security-guards.js';
import { claimSingleInstance } from './single-instance.js';
import { createMainWindow } from './window.js';

const log = (scope: string) => (line: string) => console.log(`[${scope}] ${line}`);

/**
 * The documents Help opens (never a website): docs/ beside dist/ in a checkout; in a packaged app
 * the builder copies them to resources/docs (outside the asar, so the system viewer can open them).
 */
const docsDir = (): string => (app.isPackaged ? join(process.resourcesPath, 'docs') : join(appPaths.rendererDir, '..', '..', 'docs'));

let mainWindow: BrowserWindow | null = null;
/** Web contents ids of the app's own windows: the only ones given an engine port. */
const appWindows = new Set<number>();

function openWindow(host: EngineHost, guard: QuitGuard, dataDir: string): void {
  const window = createMainWindow({ preload: appPaths.preload, url: APP_ENTRY_URL, dataDir, log: log('window') });
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  const contentsId = window.webContents.id;
  appWindows.add(contentsId);
  window.on('closed', () => appWindows.delete(contentsId));
  guard.guardWindow(window);
  host.attach(window.webContents);
  mainWindow = window;
}

async function start(): Promise<void> {
  await app.whenReady();
  // The only links ever opened outside the app: https links the app itself ships.
  const externalLinks = new ExternalLinks(catalogLinks({ entries: shippedUsbCatalog() }));
  installSecurityGuards(session.defaultSession, { externalLinks, log: log('security') });
  serveAppScheme(appPaths.rendererDir);
  const { options, problems } = parseLaunchOptions(process.argv);
  for (const problem of problems) log('main')(`ignored switch: ${problem}`);
  // The same data directory as the `fieldline` CLI, so both see one technician profile.
  const launch = { ...options, dataDir: options.dataDir ?? defaultDataDir() };
  // Keys are sealed with the OS keychain where there is a real one, else with a passphrase.
  const keys = chooseKeyProtection(keyProtectionFacts(safeStorage, process.platform, launch.dataDir));
  log('main')(keys.message);
  const host = new EngineHost({
    enginePath: appPaths.engineProcess,
    launch,
    log: log('engine-host'),
    trustedWindows: appWindows,
    keyProtectionArgs: keyProtectionArgs(keys),
    ...(keys.mode === 'keychain' ? { auditKeyPem: () => keychainKeyBundle(launch.dataDir, safeStorage) } : {}),
  });
  // Asks before quitting while jobs run, and stops the engine cleanly either way.
  const guard = new QuitGuard(host, () => mainWindow, log('quit'));
  installAppMenu({ send: (command, paths) => host.sendCommand(command, paths), docsDir: docsDir(), log: log('menu') });
  host.start();
  openWindow(host, guard, launch.dataDir);
  app.on('activate', () => {
    // macOS: clicking the dock icon with no window open brings one back.
    if (mainWindow === null) openWindow(host, guard, launch.dataDir);
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
  start().catch((err: unknown) => {
    console.error(`[main] Fieldline could not start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    app.exit(1);
  });
}
