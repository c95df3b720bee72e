/**
 * app://fieldline/ URLs and the files they may name: nothing outside the renderer folder.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { isAppUrl, resolveAppFile } from '../../electron/app-url.js';

const ROOT = resolve('/srv/fieldline/renderer');

describe('isAppUrl', () => {
  test('the app origin only', () => {
    for (const url of ['app://fieldline/index.html', 'app://fieldline/', 'app://fieldline']) assert.equal(isAppUrl(url), true, url);
    for (const url of [
      'app://fieldline.evil/',
      'app://evil/fieldline/',
      'app://fieldline@evil/',
      'app://evil@fieldline/',
      'app://fieldline:1/',
      'app:fieldline',
      'https://fieldline/',
      ' app://fieldline/',
      'app://fieldline/\u0000',
      'app://field\tline/',
      '',
    ]) {
      assert.equal(isAppUrl(url), false, url);
    }
  });
});

describe('resolveAppFile', () => {
  test('maps paths into the renderer folder', () => {
    assert.equal(resolveAppFile(ROOT, '/'), join(ROOT, 'index.html'));
    assert.equal(resolveAppFile(ROOT, '/assets/app.js'), join(ROOT, 'assets', 'app.js'));
    assert.equal(resolveAppFile(ROOT, '/assets/a%20b.js'), join(ROOT, 'assets', 'a b.js'));
  });

  test('never leaves it, however the path is spelled', () => {
    for (const path of [
      '/../../etc/passwd',
      '/..',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
      '/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fetc%2fpasswd',
      '/..%5c..%5cwindows%5cwin.ini',
      '/assets\\..\\..\\secret',
      '/index.html%00.png',
      '/%E0%A4%A',
      '/../renderer-evil/x.js',
    ]) {
      assert.equal(resolveAppFile(ROOT, path), null, path);
    }
  });

  test('the path of app://fieldline/../../etc/passwd, as the URL parser hands it over, stays inside', () => {
    const { pathname } = new URL('app://fieldline/../../etc/passwd');
    const file = resolveAppFile(ROOT, pathname);
    assert.ok(file !== null && file.startsWith(ROOT), String(file));
  });
});
