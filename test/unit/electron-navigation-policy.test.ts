/**
 * The navigation and window-open policy against hostile URLs: nothing but the app's exact origin
 * stays in a window, and only registered https links leave it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ExternalLinks } from '../../electron/external-links.js';
import { APP_ORIGINS, decideNavigation, decideWindowOpen, type AllowedOrigin } from '../../electron/navigation-policy.js';

const DOCS: AllowedOrigin = { protocol: 'https:', host: 'allowed.example.com', port: '' };
const ORIGINS: readonly AllowedOrigin[] = [...APP_ORIGINS, DOCS];

const allowed = (url: string): boolean => decideNavigation(url, ORIGINS).allow;

describe('decideNavigation', () => {
  test('allows the app itself and an exactly allowed origin', () => {
    for (const url of [
      'app://fieldline/index.html',
      'app://fieldline/',
      'app://fieldline/devices?x=1#top',
      'https://allowed.example.com/',
      'https://allowed.example.com/docs/page',
      // The default port is the same origin; the parser drops it.
      'https://allowed.example.com:443/',
      // Host names are case-insensitive for special schemes; the parser lowers them.
      'https://ALLOWED.example.COM/',
      // Percent-encoding in a special scheme's host decodes to that very host: the same origin.
      'https://allowed%2Eexample%2Ecom/',
    ]) {
      assert.equal(allowed(url), true, url);
    }
  });

  test('app://fieldline/../../etc/passwd stays on the app origin (the protocol handler confines the path)', () => {
    assert.equal(allowed('app://fieldline/../../etc/passwd'), true);
  });

  const hostile: readonly (readonly [string, string])[] = [
    ['https://allowed.example.com.attacker.test/', 'suffix host'],
    ['https://allowed.example.com@attacker.test/', 'userinfo host trick'],
    ['https://user@allowed.example.com/', 'user name'],
    ['https://user:pass@allowed.example.com/', 'user and password'],
    ['https://:pass@allowed.example.com/', 'password only'],
    ['https://allowed.example.com:8443/', 'other port'],
    ['https://allowed.example.com:0/', 'port 0'],
    ['http://allowed.example.com/', 'plain http'],
    ['wss://allowed.example.com/', 'websocket'],
    ['https://attacker.test/allowed.example.com', 'host in path'],
    ['https://attacker.test/?https://allowed.example.com', 'host in query'],
    ['https://allowed.example.com%2eattacker.test/', 'percent-encoded dot'],
    ['https://аllowed.example.com/', 'IDN homograph (Cyrillic а)'],
    ['https://xn--llowed-2nf.example.com/', 'punycode homograph'],
    ['javascript:alert(1)', 'javascript:'],
    ['JaVaScRiPt:alert(1)', 'javascript: in mixed case'],
    ['file:///etc/passwd', 'file:'],
    ['file://allowed.example.com/etc/passwd', 'file: with the allowed host'],
    ['data:text/html,<script>alert(1)</script>', 'data:'],
    ['blob:app://fieldline/0a0b0c0d', 'blob: of the app origin'],
    ['blob:https://allowed.example.com/uuid', 'blob: of the allowed origin'],
    ['about:blank', 'about:'],
    ['chrome://settings', 'chrome:'],
    ['devtools://devtools/bundled/inspector.html', 'devtools:'],
    ['app://fieldline.evil/', 'app host suffix'],
    ['app://evil.fieldline/', 'app host prefix'],
    ['app://fieldline@evil/', 'app userinfo trick'],
    ['app://user@fieldline/', 'app with user name'],
    ['app://fieldline:8080/', 'app with a port'],
    ['app://FIELDLINE/', 'app host in upper case (not how Chromium hands it over)'],
    ['app://field%6cine/', 'percent-encoded app host'],
    ['app:fieldline/index.html', 'app without authority'],
    ['app:///fieldline/index.html', 'app with empty host'],
    [' app://fieldline/', 'leading space'],
    ['app://fieldline/ ', 'trailing space'],
    ['app://field\tline/', 'tab inside the host'],
    ['app://field\nline/', 'newline inside the host'],
    ['https://allowed.example.com\u0000.attacker.test/', 'NUL'],
    ['https://allowed.example.com\u200b/', 'zero-width space'],
    ['//allowed.example.com/', 'scheme-relative'],
    ['/index.html', 'path only'],
    ['', 'empty'],
    ['not a url', 'garbage'],
    ['https://[::1]/', 'IPv6 literal'],
    ['https://127.0.0.1/', 'loopback'],
  ];

  for (const [url, why] of hostile) {
    test(`denies ${why}: ${JSON.stringify(url)}`, () => {
      const decision = decideNavigation(url, ORIGINS);
      assert.equal(decision.allow, false);
      if (!decision.allow) assert.ok(decision.reason.length > 10, decision.reason);
    });
  }

  test('an upper-case scheme is the same URL once parsed (the parser lowers it)', () => {
    assert.equal(allowed('APP://fieldline/'), true);
  });

  test('with the default allowlist only the app is allowed', () => {
    assert.equal(decideNavigation('app://fieldline/index.html').allow, true);
    assert.equal(decideNavigation('https://allowed.example.com/').allow, false);
  });

  test('non-string input is refused, not thrown on', () => {
    for (const value of [undefined, null, 42, {}, []]) {
      assert.equal(decideNavigation(value as unknown as string).allow, false);
    }
  });
});

describe('decideWindowOpen', () => {
  const links = new ExternalLinks(['https://docs.vendor.example/recovery/flash-guide', 'https://allowed.example.com/help']);

  test('a registered https link goes to the system browser, exactly as registered; no window opens', () => {
    const decision = decideWindowOpen('https://docs.vendor.example/recovery/flash-guide', links);
    assert.equal(decision.action, 'deny');
    assert.equal(decision.openExternal, 'https://docs.vendor.example/recovery/flash-guide');
  });

  for (const url of [
    'https://docs.vendor.example/recovery/flash-guide?x=1',
    'https://docs.vendor.example/recovery/flash-guide#a',
    'https://docs.vendor.example/recovery/',
    'https://docs.vendor.example/recovery/flash-guide/',
    'https://DOCS.vendor.example/recovery/flash-guide',
    'https://docs.vendor.example:443/recovery/flash-guide',
    'https://docs.vendor.example/recovery/flash%2Dguide',
    'https://docs.vendor.example.attacker.test/recovery/flash-guide',
    'https://docs.vendor.example@attacker.test/recovery/flash-guide',
    ' https://docs.vendor.example/recovery/flash-guide',
    'http://docs.vendor.example/recovery/flash-guide',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'app://fieldline/index.html',
    'about:blank',
    '',
  ]) {
    test(`an unregistered URL is dropped: ${JSON.stringify(url)}`, () => {
      const decision = decideWindowOpen(url, links);
      assert.equal(decision.action, 'deny');
      assert.equal(decision.openExternal, null);
    });
  }
});
