/**
 * The fuses build/after-pack.cjs flips, read back with @electron/fuses' own reader.
 *
 * No packaged app can be built offline, so the hook runs on synthetic binaries carrying
 * Electron's fuse sentinel and wire exactly where @electron/fuses looks for them (the sentinel
 * string, then a version byte, a length byte and one byte per fuse). When a packaged app exists
 * in release/ (after `npm run package`), its binary is checked too.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { applyFuses, FUSES, fuseMismatches, packagedElectronPath, readFuses, type FuseName } from '../../build/fuses.cjs';

const root = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
/** The sentinel @electron/fuses searches for (dist/constants.js). */
const SENTINEL = Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX', 'ascii');
const ENABLE = 0x31;
const DISABLE = 0x30;
const REMOVED = 0x72;

/** Electron's shipped defaults: RunAsNode, NODE_OPTIONS, --inspect and file:// privileges on, the rest off, plus a ninth fuse this @electron/fuses does not name. */
const ELECTRON_DEFAULT_WIRE = [ENABLE, DISABLE, ENABLE, ENABLE, DISABLE, DISABLE, DISABLE, ENABLE, ENABLE];

function syntheticBinary(wires: readonly (readonly number[])[]): Buffer {
  const parts: Buffer[] = [Buffer.from('\x7fELF synthetic electron binary\0', 'latin1')];
  for (const wire of wires) {
    parts.push(Buffer.alloc(4096, 0xcc), SENTINEL, Buffer.from([1, wire.length, ...wire]));
  }
  parts.push(Buffer.alloc(1024, 0x90));
  return Buffer.concat(parts);
}

function wireAt(binary: Buffer, sentinelIndex: number): number[] {
  const start = sentinelIndex + SENTINEL.length;
  return [...binary.subarray(start + 2, start + 2 + binary[start + 1]!)];
}

const expected = (enabled: boolean): number => (enabled ? ENABLE : DISABLE);

describe('build/fuses.cjs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldline-fuses-'));
  test.after(() => rmSync(dir, { recursive: true, force: true }));

  test('the table turns off RunAsNode, NODE_OPTIONS, --inspect and file:// privileges and turns on cookie encryption and ASAR integrity', () => {
    assert.deepEqual(FUSES, {
      RunAsNode: false,
      EnableCookieEncryption: true,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      LoadBrowserProcessSpecificV8Snapshot: false,
      GrantFileProtocolExtraPrivileges: false,
    });
  });

  test('flips every fuse of a default Electron wire, read back by @electron/fuses, and leaves the rest of the binary alone', async () => {
    const file = join(dir, 'electron-default');
    const before = syntheticBinary([ELECTRON_DEFAULT_WIRE]);
    writeFileSync(file, before);
    assert.ok((await fuseMismatches(file)).length > 0, 'a default binary is not hardened');

    assert.equal(await applyFuses(file), 1);
    const wire = await getCurrentFuseWire(file);
    assert.equal(wire.version, '1');
    for (const [name, enabled] of Object.entries(FUSES) as [FuseName, boolean][]) {
      assert.equal(wire[FuseV1Options[name]], expected(enabled), name);
    }
    assert.deepEqual(await readFuses(file), {
      RunAsNode: 'disabled',
      EnableCookieEncryption: 'enabled',
      EnableNodeOptionsEnvironmentVariable: 'disabled',
      EnableNodeCliInspectArguments: 'disabled',
      EnableEmbeddedAsarIntegrityValidation: 'enabled',
      OnlyLoadAppFromAsar: 'enabled',
      LoadBrowserProcessSpecificV8Snapshot: 'disabled',
      GrantFileProtocolExtraPrivileges: 'disabled',
    });
    assert.deepEqual(await fuseMismatches(file), []);

    const after = readFileSync(file);
    assert.equal(after.length, before.length);
    const sentinel = after.indexOf(SENTINEL);
    // Only the eight named fuse bytes changed; the ninth fuse keeps Electron's default.
    const changed = [...after.keys()].filter((i) => after[i] !== before[i]);
    assert.ok(
      changed.every((i) => i >= sentinel + SENTINEL.length + 2 && i < sentinel + SENTINEL.length + 2 + 8),
      String(changed),
    );
    assert.equal(wireAt(after, sentinel)[8], ENABLE);
  });

  test('a universal (two-slice) binary gets both wires flipped', async () => {
    const file = join(dir, 'electron-universal');
    writeFileSync(file, syntheticBinary([ELECTRON_DEFAULT_WIRE, ELECTRON_DEFAULT_WIRE]));
    assert.equal(await applyFuses(file), 2);
    const binary = readFileSync(file);
    const want = Object.values(FUSES).map(expected);
    assert.deepEqual(wireAt(binary, binary.indexOf(SENTINEL)).slice(0, 8), want);
    assert.deepEqual(wireAt(binary, binary.lastIndexOf(SENTINEL)).slice(0, 8), want);
  });

  test('a fuse the binary marks removed is reported as such and does not fail the check', async () => {
    const file = join(dir, 'electron-removed');
    const wire = [...ELECTRON_DEFAULT_WIRE];
    wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot] = REMOVED;
    // Every other fuse already as the table wants it: only the removed one is "off target".
    for (const [name, enabled] of Object.entries(FUSES) as [FuseName, boolean][]) {
      if (name !== 'LoadBrowserProcessSpecificV8Snapshot') wire[FuseV1Options[name]] = expected(enabled);
    }
    writeFileSync(file, syntheticBinary([wire]));
    assert.equal((await readFuses(file)).LoadBrowserProcessSpecificV8Snapshot, 'removed');
    assert.deepEqual(await fuseMismatches(file), []);
  });

  test('a binary without the sentinel, or with a wire too short for the table, is refused with the reason', async () => {
    const none = join(dir, 'not-electron');
    writeFileSync(none, Buffer.alloc(8192, 0x41));
    await assert.rejects(applyFuses(none), /Could not find sentinel/);
    const short = join(dir, 'electron-old');
    writeFileSync(short, syntheticBinary([[ENABLE, DISABLE, ENABLE, ENABLE]]));
    await assert.rejects(applyFuses(short), /not long enough/);
  });

  test('the afterPack hook flips the fuses of the Linux binary electron-builder laid out', async () => {
    const appOutDir = join(dir, 'linux-unpacked');
    mkdirSync(appOutDir);
    const binary = join(appOutDir, 'fieldline');
    writeFileSync(binary, syntheticBinary([ELECTRON_DEFAULT_WIRE]));
    const afterPack = require('../../build/after-pack.cjs') as (context: unknown) => Promise<void>;
    await afterPack({
      appOutDir,
      electronPlatformName: 'linux',
      arch: 1,
      packager: { appInfo: { productFilename: 'Fieldline' }, executableName: 'fieldline' },
    });
    assert.deepEqual(await fuseMismatches(binary), []);
  });

  test('packagedElectronPath follows electron-builder layout per platform', () => {
    const app = { appOutDir: '/out', productFilename: 'Fieldline', executableName: 'fieldline' };
    assert.equal(packagedElectronPath({ ...app, electronPlatformName: 'darwin' }), join('/out', 'Fieldline.app'));
    assert.equal(packagedElectronPath({ ...app, electronPlatformName: 'win32' }), join('/out', 'Fieldline.exe'));
    assert.equal(packagedElectronPath({ ...app, electronPlatformName: 'linux' }), join('/out', 'fieldline'));
    assert.throws(() => packagedElectronPath({ ...app, electronPlatformName: 'aix' }), /no Electron binary location/);
  });
});

/** Electron binaries of packaged apps in release/ (electron-builder's unpacked folders). */
function releasedBinaries(): string[] {
  const release = join(root, 'release');
  if (!existsSync(release)) return [];
  const found: string[] = [];
  for (const folder of readdirSync(release)) {
    const candidates = [join(release, folder, 'fieldline'), join(release, folder, 'Fieldline.exe'), join(release, folder, 'Fieldline.app')];
    for (const candidate of candidates) if (existsSync(candidate)) found.push(candidate);
  }
  return found;
}

describe('the packaged app in release/', () => {
  const binaries = releasedBinaries();
  test(
    'every packaged Electron binary carries the fuses',
    {
      skip:
        binaries.length === 0 ? 'no packaged app in release/ (run `npm run package` where the network is, see README "Release")' : false,
    },
    async () => {
      for (const binary of binaries) assert.deepEqual(await fuseMismatches(binary), [], binary);
    },
  );
});
