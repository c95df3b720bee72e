/**
 * The main window: sandboxed, context-isolated, no Node in the page.
 *
 * The page gets exactly one capability, `window.fieldline` from the preload. Sized to fit a
 * 1366×768 field laptop with its taskbar, and never smaller than the Devices view can use.
 */
import { BrowserWindow, nativeTheme, screen } from 'electron';

export interface WindowOptions {
  readonly preload: string;
  readonly url: string;
  readonly log: (line: string) => void;
}

const PREFERRED = { width: 1280, height: 800 } as const;
const MINIMUM = { width: 960, height: 600 } as const;

export function createMainWindow({ preload, url, log }: WindowOptions): BrowserWindow {
  const work = screen.getPrimaryDisplay().workAreaSize;
  const window = new BrowserWindow({
    width: Math.max(MINIMUM.width, Math.min(PREFERRED.width, work.width)),
    height: Math.max(MINIMUM.height, Math.min(PREFERRED.height, work.height)),
    minWidth: MINIMUM.width,
    minHeight: MINIMUM.height,
    title: 'Fieldline',
    show: false,
    // Avoids a white flash before the first paint in a dark theme.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#15171a' : '#ffffff',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.webContents.on('preload-error', (_event, path, error) => log(`preload ${path} failed: ${error.message}`));
  window.webContents.on('render-process-gone', (_event, details) =>
    log(`renderer gone: ${details.reason} (exit code ${details.exitCode})`),
  );
  window.loadURL(url).catch((err: unknown) => log(`could not load ${url}: ${err instanceof Error ? err.message : String(err)}`));
  return window;
}
