/**
 * The main window: sandboxed, context-isolated, no Node in the page.
 *
 * The page gets exactly one capability, `window.fieldline` from the preload. It opens where the
 * technician left it (window-state.ts), else sized to fit a 1366×768 field laptop with its
 * taskbar, and never smaller than the Devices view can use.
 */
import { BrowserWindow, nativeTheme, screen } from 'electron';
import { debounced, loadWindowState, placeWindow, saveWindowState, type WindowState } from './window-state.js';

export interface WindowOptions {
  readonly preload: string;
  readonly url: string;
  /** Where window-state.json lives (the data folder). */
  readonly dataDir: string;
  readonly log: (line: string) => void;
}

const PREFERRED = { width: 1280, height: 800 } as const;
const MINIMUM = { width: 960, height: 600 } as const;
/** Moves and resizes arrive many per second while dragging; save once it settles. */
const SAVE_AFTER_MS = 500;

function currentState(window: BrowserWindow): WindowState {
  // The normal bounds, so that un-maximizing next time gives back the size the technician chose.
  return { bounds: window.getNormalBounds(), maximized: window.isMaximized(), fullscreen: window.isFullScreen() };
}

export function createMainWindow({ preload, url, dataDir, log }: WindowOptions): BrowserWindow {
  const primaryId = screen.getPrimaryDisplay().id;
  const displays = screen.getAllDisplays().map((d) => ({ workArea: d.workArea, primary: d.id === primaryId }));
  const placement = placeWindow(loadWindowState(dataDir, log), displays, PREFERRED, MINIMUM);
  const window = new BrowserWindow({
    ...placement.bounds,
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
  if (placement.maximized) window.maximize();
  if (placement.fullscreen) window.setFullScreen(true);
  const save = debounced(() => {
    if (!window.isDestroyed()) saveWindowState(dataDir, currentState(window), log);
  }, SAVE_AFTER_MS);
  window.on('move', save.schedule);
  window.on('resize', save.schedule);
  window.on('maximize', save.schedule);
  window.on('unmaximize', save.schedule);
  window.on('enter-full-screen', save.schedule);
  window.on('leave-full-screen', save.schedule);
  window.on('close', save.flush);
  window.once('ready-to-show', () => window.show());
  window.webContents.on('preload-error', (_event, path, error) => log(`preload ${path} failed: ${error.message}`));
  window.webContents.on('render-process-gone', (_event, details) =>
    log(`renderer gone: ${details.reason} (exit code ${details.exitCode})`),
  );
  window.loadURL(url).catch((err: unknown) => log(`could not load ${url}: ${err instanceof Error ? err.message : String(err)}`));
  return window;
}
