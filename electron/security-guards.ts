/**
 * The window may show our own files and talk to the engine, and nothing else.
 *
 * Every web contents (the main window, devtools, anything a bug might create) is kept on the
 * app's origin; popups, webviews, downloads, device pickers and permission prompts are refused;
 * every response carries a strict CSP; and the network is closed to the page entirely — the
 * engine, not the renderer, talks to gateways.
 */
import { app, type Session, type WebContents } from 'electron';

/**
 * The renderer's policy. It matches the meta tag in renderer/index.html minus the WebSocket
 * allowance the web host needs: in Electron the API travels over a MessagePort, not a socket.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Schemes the page may never load: the app is offline-first and ships everything it shows. */
const REMOTE_URL_PATTERNS = ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*', 'file:///*'];

export interface GuardOptions {
  readonly isAppUrl: (url: string) => boolean;
  readonly log: (line: string) => void;
}

function guardContents(contents: WebContents, { isAppUrl, log }: GuardOptions): void {
  // Prevent link navigation (and redirects) away from our own pages within our windows.
  const stayHome = (event: { preventDefault(): void }, url: string): void => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    log(`blocked navigation to ${url}`);
  };
  contents.on('will-navigate', stayHome);
  contents.on('will-redirect', stayHome);
  contents.setWindowOpenHandler(({ url }) => {
    log(`blocked a new window for ${url}`);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('blocked a <webview>');
  });
}

function guardSession(session: Session, { log }: GuardOptions): void {
  // The UI needs no camera, notifications, clipboard-read, geolocation or device access: the
  // engine reaches serial and USB devices directly, never through the page.
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log(`denied permission request "${permission}"`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.on('select-serial-port', (event, _ports, _contents, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  session.on('will-download', (event, item) => {
    event.preventDefault();
    log(`blocked a download of ${item.getURL()}`);
  });
  session.webRequest.onBeforeRequest({ urls: REMOTE_URL_PATTERNS }, (details, callback) => {
    log(`blocked ${details.resourceType} request to ${details.url}`);
    callback({ cancel: true });
  });
  // Belt and braces for anything served over a standard scheme; app:// sets the header itself.
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  // Spellcheck dictionaries would be downloaded from the internet.
  session.setSpellCheckerEnabled(false);
}

/** Installs every guard; call once, when the app is ready and before any window exists. */
export function installSecurityGuards(session: Session, options: GuardOptions): void {
  guardSession(session, options);
  app.on('web-contents-created', (_event, contents) => guardContents(contents, options));
}
