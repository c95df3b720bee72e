/**
 * build/electron-builder.yml: the targets, hardening, hooks and native-module handling a
 * release needs, checked without building one (that needs the network; README "Release").
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { minimatch } from 'minimatch';
import afterSign from '../../build/notarize.cjs';

const root = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

type Yaml = { load(text: string): unknown };
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function record(value: unknown, what: string): Record<string, unknown> {
  assert.ok(isRecord(value), `${what} is a mapping`);
  return value;
}
function strings(value: unknown, what: string): string[] {
  assert.ok(Array.isArray(value) && value.every((v) => typeof v === 'string'), `${what} is a list of strings`);
  return value as string[];
}

// js-yaml is electron-builder's own YAML reader (a dependency of app-builder-lib), untyped here.
const yaml = require('js-yaml') as Yaml;
const config = record(yaml.load(readFileSync(join(root, 'build', 'electron-builder.yml'), 'utf8')), 'the config');

function targets(platform: string): string[] {
  const list = record(config[platform], platform).target;
  assert.ok(Array.isArray(list), `${platform}.target is a list`);
  return list.map((t) => (typeof t === 'string' ? t : String(record(t, 'a target').target)));
}

describe('build/electron-builder.yml', () => {
  test('electron-builder accepts it against its own schema', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(config: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await validateConfiguration(config, new DebugLogger(false));
    await assert.rejects(validateConfiguration({ ...config, nodeIntegration: true }, new DebugLogger(false)), /unknown property/);
  });

  test('builds NSIS on Windows, DMG on macOS, AppImage and .deb on Linux', () => {
    assert.deepEqual(targets('win'), ['nsis']);
    assert.deepEqual(targets('mac'), ['dmg']);
    assert.deepEqual(targets('linux').sort(), ['AppImage', 'deb']);
  });

  test('macOS: hardened runtime with entitlements, notarised by the afterSign hook only', () => {
    const mac = record(config.mac, 'mac');
    assert.equal(mac.hardenedRuntime, true);
    assert.equal(mac.notarize, false);
    for (const key of ['entitlements', 'entitlementsInherit']) assert.ok(existsSync(join(root, String(mac[key]))), key);
    assert.equal(config.afterSign, 'build/notarize.cjs');
    assert.ok(existsSync(join(root, 'build', 'notarize.cjs')));
  });

  test('fuses are flipped by the afterPack hook', () => {
    assert.equal(config.afterPack, 'build/after-pack.cjs');
    assert.equal(typeof require(join(root, 'build', 'after-pack.cjs')), 'function');
  });

  test('native modules are rebuilt for Electron at packaging time, from prebuilt binaries', () => {
    assert.equal(config.npmRebuild, true);
    assert.equal(config.buildDependenciesFromSource, false);
  });

  test("the .deb installs and removes the udev rules with electron-builder's own steps kept", () => {
    const deb = record(config.deb, 'deb');
    const linux = record(config.linux, 'linux');
    const extra = linux.extraResources;
    assert.ok(Array.isArray(extra));
    assert.ok(
      extra.some((e) => isRecord(e) && e.from === 'build/linux/60-fieldline.rules' && e.to === 'udev/60-fieldline.rules'),
      'linux.extraResources ships the rules',
    );
    const install = readFileSync(join(root, String(deb.afterInstall)), 'utf8');
    const remove = readFileSync(join(root, String(deb.afterRemove)), 'utf8');
    assert.match(install, /resources\/udev\/60-fieldline\.rules/);
    assert.match(install, /\/etc\/udev\/rules\.d\/60-fieldline\.rules/);
    assert.match(install, /udevadm control --reload-rules/);
    assert.match(install, /usermod -aG dialout/);
    assert.match(install, /update-alternatives --install/, "the /usr/bin link of electron-builder's template");
    assert.match(install, /chrome-sandbox/, "the sandbox helper permissions of electron-builder's template");
    assert.match(remove, /rm -f "\$RULES_TARGET"/);
    assert.match(remove, /update-alternatives --remove/);
    for (const script of [install, remove]) {
      // electron-builder substitutes ${name} macros; any other would abort the build.
      for (const [, name] of script.matchAll(/\$\{([a-zA-Z]+)\}/g)) assert.ok(['executable', 'sanitizedProductName'].includes(name!), name);
    }
    for (const file of [deb.afterInstall, deb.afterRemove]) {
      const check = spawnSync('bash', ['-n', join(root, String(file))], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stderr);
    }
  });

  test('every native file of a production dependency is unpacked from the ASAR', () => {
    const patterns = strings(config.asarUnpack, 'asarUnpack');
    const lock = record(JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')), 'package-lock.json');
    const packages = record(lock.packages, 'packages');
    const production = Object.entries(packages)
      .filter(([path, info]) => path.startsWith('node_modules/') && isRecord(info) && info.dev !== true)
      .map(([path]) => path)
      .filter((path) => existsSync(join(root, path)));
    const native = /\.(node|dll|dylib)$|\.so(\.\d+)*$/;
    const missing: string[] = [];
    let count = 0;
    for (const pkg of production) {
      for (const file of readdirSync(join(root, pkg), { recursive: true, encoding: 'utf8' })) {
        if (!native.test(file)) continue;
        const path = relative(root, join(root, pkg, file))
          .split(sep)
          .join('/');
        count++;
        if (!patterns.some((pattern) => minimatch(path, pattern, { dot: true }))) missing.push(path);
      }
    }
    assert.ok(count > 0, 'found the native files of better-sqlite3, serialport, usb, onnxruntime');
    assert.deepEqual(missing, []);
    for (const pkg of ['better-sqlite3', '@serialport/bindings-cpp', 'usb', 'onnxruntime-node']) {
      assert.ok(patterns.includes(`node_modules/${pkg}/**`), pkg);
    }
  });
});

describe('build/notarize.cjs', () => {
  const { notarizeDecision } = afterSign;

  test('skips with a reason when not on macOS or without credentials', () => {
    assert.deepEqual(notarizeDecision('linux', { APPLE_ID: 'a' }), { action: 'skip', reason: 'not a macOS build (linux)' });
    const none = notarizeDecision('darwin', {});
    assert.equal(none.action, 'skip');
    assert.match(none.action === 'skip' ? none.reason : '', /no notarisation credentials/);
  });

  test('notarises with a complete credential set', () => {
    assert.deepEqual(
      notarizeDecision('darwin', { APPLE_ID: 'dev@example.com', APPLE_APP_SPECIFIC_PASSWORD: 'pw', APPLE_TEAM_ID: 'TEAM' }),
      {
        action: 'notarize',
        kind: 'apple-id',
        options: { appleId: 'dev@example.com', appleIdPassword: 'pw', teamId: 'TEAM' },
      },
    );
    assert.equal(
      notarizeDecision('darwin', { APPLE_API_KEY: '/k.p8', APPLE_API_KEY_ID: 'id', APPLE_API_ISSUER: 'iss' }).action,
      'notarize',
    );
    assert.deepEqual(notarizeDecision('darwin', { APPLE_KEYCHAIN_PROFILE: 'fieldline' }), {
      action: 'notarize',
      kind: 'keychain-profile',
      options: { keychainProfile: 'fieldline' },
    });
  });

  test('a partial set fails the build and names what is missing', () => {
    const partial = notarizeDecision('darwin', { APPLE_ID: 'dev@example.com', APPLE_TEAM_ID: '  ' });
    assert.equal(partial.action, 'fail');
    assert.match(partial.action === 'fail' ? partial.reason : '', /APPLE_ID set but APPLE_APP_SPECIFIC_PASSWORD, APPLE_TEAM_ID missing/);
  });

  test('the hook itself returns quietly on a Linux build', async () => {
    await afterSign({ appOutDir: '/nonexistent', electronPlatformName: 'linux', packager: { appInfo: { productFilename: 'Fieldline' } } });
  });
});
