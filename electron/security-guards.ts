/**
 * The window may show our own files and talk to the engine, and nothing else.
 *
 * Every web contents (the main window, devtools, anything a bug might create) is kept on the
 * app's origin; popups, webviews, downloads, device pickers and permission prompts are refused;
 * every response carries a strict CSP; and the network is closed to the page entirely — the
 * engine, not the renderer, talks to gateways. The decisions themselves are pure modules
 * (navigation-policy, permission-policy, external-links), tested without Electron.
 */
import { app, shell, type Session, type WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from './content-policy.js';
import { ExternalLinks, openExternalLink } from './external-links.js';
import { APP_ORIGINS, decideNavigation, decideWindowOpen, type AllowedOrigin } from './navigation-policy.js';
import { decideDevicePermission, decidePermission } from './permission-policy.js';

export { CONTENT_SECURITY_POLICY } from './content-policy.js';

/** Schemes the page may never load: the app is offline-first and ships everything it shows. */
const REMOTE_URL_PATTERNS = ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*', 'file:///*'];

export interface GuardOptions {
  /** Origins windows may show; the app's own by default. */
  readonly origins?: readonly AllowedOrigin[];
  /** The https links the app produced; the only URLs ever opened outside it. */
  readonly externalLinks?: ExternalLinks;
  readonly log: (line: string) => void;
}

function guardContents(contents: WebContents, { origins = APP_ORIGINS, externalLinks = new ExternalLinks(), log }: GuardOptions): void {
  // Prevent link navigation (and redirects, and subframe navigation) away from our own pages.
  const stayHome = (event: { preventDefault(): void; readonly url: string }, what: string): void => {
    const decision = decideNavigation(event.url, origins);
    if (decision.allow) return;
    event.preventDefault();
    log(`blocked ${what} to ${event.url}: ${decision.reason}`);
  };
  contents.on('will-navigate', (event) => stayHome(event, 'navigation'));
  contents.on('will-redirect', (event) => stayHome(event, 'redirect'));
  contents.on('will-frame-navigate', (event) => stayHome(event, 'frame navigation'));
  contents.setWindowOpenHandler(({ url }) => {
    const decision = decideWindowOpen(url, externalLinks);
    if (decision.openExternal !== null) openExternalLink(shell, externalLinks, decision.openExternal, log);
    else log(`blocked a new window for ${url}: ${decision.reason}`);
    return { action: decision.action };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('blocked a <webview>');
  });
}

function guardSession(session: Session, { log }: GuardOptions): void {
  // The UI needs no camera, notifications, clipboard-read, geolocation or device access: the
  // engine reaches serial and USB devices directly, never through the page.
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const decision = decidePermission({ permission, requestingUrl: details.requestingUrl, isMainFrame: details.isMainFrame });
    if (!decision.grant) log(`denied permission request ${decision.reason}`);
    callback(decision.grant);
  });
  session.setPermissionCheckHandler(
    (_contents, permission, requestingOrigin, details) =>
      decidePermission({ permission, requestingUrl: details.requestingUrl ?? requestingOrigin, isMainFrame: details.isMainFrame }).grant,
  );
  session.setDevicePermissionHandler((details) => decideDevicePermission(details.deviceType).grant);
  session.on('select-serial-port', (event, _ports, _contents, callback) => {
    event.preventDefault();
    log(`refused a serial port picker: ${decideDevicePermission('serial').reason}`);
    callback('');
  });
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    log(`refused a HID picker: ${decideDevicePermission('hid').reason}`);
    callback();
  });
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    log(`refused a USB picker: ${decideDevicePermission('usb').reason}`);
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
