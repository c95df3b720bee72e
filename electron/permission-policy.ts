/**
 * What the page may ask the browser for: nothing, except writing to the clipboard from the app's
 * own main frame (the Copy buttons use navigator.clipboard.writeText). Serial, USB and HID are
 * refused by name: the engine reaches devices directly, never through the page, and a page
 * that could ask for them could pick a technician's gateway.
 *
 * Pure so that test/unit/electron-permission-policy.test.ts exercises every permission Electron
 * names; security-guards.ts wires it into the session's handlers.
 */
import { isAppUrl } from './app-url.js';

export interface PermissionAsk {
  readonly permission: string;
  /** The requesting frame's URL (request handler) or origin (check handler); '' when unknown. */
  readonly requestingUrl: string;
  readonly isMainFrame: boolean;
}

export type PermissionDecision = { readonly grant: boolean; readonly reason: string };

/** Granted only to the app's own page in its main frame. */
const APP_PAGE_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/** Refused even to the app's own page, with the reason logged. */
const DEVICE_PERMISSIONS: ReadonlySet<string> = new Set(['serial', 'usb', 'hid', 'bluetooth', 'smart-card', 'nfc']);

export function decidePermission({ permission, requestingUrl, isMainFrame }: PermissionAsk): PermissionDecision {
  if (DEVICE_PERMISSIONS.has(permission)) {
    return { grant: false, reason: `"${permission}": the engine talks to devices, the page never does` };
  }
  if (!APP_PAGE_PERMISSIONS.has(permission)) return { grant: false, reason: `"${permission}": the app needs no such permission` };
  if (!isMainFrame) return { grant: false, reason: `"${permission}": asked by a subframe` };
  // A check handler gets an origin ("app://fieldline"), a request handler the frame's URL.
  if (!isAppUrl(requestingUrl))
    return { grant: false, reason: `"${permission}": asked by ${requestingUrl || 'an unknown page'}, not the app` };
  return { grant: true, reason: `"${permission}" for the app's own page` };
}

/** Device pickers (select-serial-port, select-usb-device, select-hid-device) and device grants. */
export function decideDevicePermission(deviceType: string): PermissionDecision {
  return { grant: false, reason: `"${deviceType}" devices: the engine talks to devices, the page never does` };
}
