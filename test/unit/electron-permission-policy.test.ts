/**
 * Permission requests and checks: denied by default, devices always, and the clipboard write
 * only to the app's own main frame.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideDevicePermission, decidePermission } from '../../electron/permission-policy.js';

/** Every permission name Electron 45's session handlers can receive (electron.d.ts). */
const ELECTRON_PERMISSIONS = [
  'ar',
  'automatic-fullscreen',
  'background-fetch',
  'background-sync',
  'captured-surface-control',
  'clipboard-read',
  'clipboard-sanitized-write',
  'deprecated-sync-clipboard-read',
  'display-capture',
  'fileSystem',
  'fullscreen',
  'geolocation',
  'geolocation-approximate',
  'hand-tracking',
  'hid',
  'idle-detection',
  'keyboardLock',
  'local-fonts',
  'local-network',
  'local-network-access',
  'loopback-network',
  'media',
  'mediaKeySystem',
  'midi',
  'midiSysex',
  'nfc',
  'notifications',
  'openExternal',
  'payment-handler',
  'periodic-background-sync',
  'persistent-storage',
  'pointerLock',
  'screen-wake-lock',
  'sensors',
  'serial',
  'smart-card',
  'speaker-selection',
  'storage-access',
  'system-wake-lock',
  'top-level-storage-access',
  'usb',
  'vr',
  'web-app-installation',
  'web-printing',
  'window-management',
  'unknown',
] as const;

const APP = 'app://fieldline/index.html';

describe('decidePermission', () => {
  test('denies every permission but the clipboard write, even to the app page', () => {
    const granted = ELECTRON_PERMISSIONS.filter(
      (permission) => decidePermission({ permission, requestingUrl: APP, isMainFrame: true }).grant,
    );
    assert.deepEqual(granted, ['clipboard-sanitized-write']);
  });

  test('serial, USB and HID are refused with the reason, from any origin', () => {
    for (const permission of ['serial', 'usb', 'hid']) {
      for (const requestingUrl of [APP, 'app://fieldline', 'https://attacker.test/', '']) {
        const decision = decidePermission({ permission, requestingUrl, isMainFrame: true });
        assert.equal(decision.grant, false);
        assert.match(decision.reason, /engine talks to devices/);
      }
    }
  });

  test('the clipboard write is granted to the app origin (check handler) and page (request handler) only', () => {
    const ask = (requestingUrl: string, isMainFrame = true): boolean =>
      decidePermission({ permission: 'clipboard-sanitized-write', requestingUrl, isMainFrame }).grant;
    assert.equal(ask(APP), true);
    assert.equal(ask('app://fieldline'), true);
    assert.equal(ask(APP, false), false);
    for (const url of [
      'https://attacker.test/',
      'app://fieldline.evil/',
      'app://user@fieldline/',
      'file:///x',
      'data:text/html,x',
      '',
      ' app://fieldline/',
    ]) {
      assert.equal(ask(url), false, url);
    }
  });

  test('unknown and hostile permission names are denied', () => {
    for (const permission of ['', 'CLIPBOARD-SANITIZED-WRITE', 'clipboard-sanitized-write ', '__proto__', 'constructor']) {
      assert.equal(decidePermission({ permission, requestingUrl: APP, isMainFrame: true }).grant, false, permission);
    }
  });
});

describe('decideDevicePermission', () => {
  test('no device type is ever granted', () => {
    for (const type of ['serial', 'usb', 'hid', 'bluetooth', '']) assert.equal(decideDevicePermission(type).grant, false);
  });
});
