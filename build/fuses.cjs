/**
 * Electron fuses for the packaged app: one table, flipped by build/after-pack.cjs and read back
 * by test/unit/packaging-fuses.test.ts (on a synthetic binary, and on release/ when a packaged
 * app exists).
 *
 * Fuses are bits compiled into the Electron binary that turn features off before any of our
 * code runs, so no command-line switch or environment variable can turn them back on:
 * - RunAsNode off: `ELECTRON_RUN_AS_NODE=1 Fieldline` would otherwise be a signed Node.js.
 * - NODE_OPTIONS and --inspect off: no code injection through the environment or a debugger port.
 * - Cookie encryption on: the session's cookie store is encrypted with the OS keychain key.
 * - Embedded ASAR integrity + only load from ASAR: a tampered or side-loaded app folder is refused
 *   (integrity is checked on macOS and Windows; Linux packages rely on file permissions).
 * - file:// gets no extra privileges: the app is served over app://, never file://.
 *
 * CommonJS because electron-builder requires hooks; @electron/fuses is a devDependency.
 */
'use strict';

const path = require('node:path');
const { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } = require('@electron/fuses');

/** Fuse name (as @electron/fuses' FuseV1Options names it) → enabled. */
const FUSES = Object.freeze({
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  LoadBrowserProcessSpecificV8Snapshot: false,
  GrantFileProtocolExtraPrivileges: false,
});

/** Byte values of a fuse in the wire (@electron/fuses' FuseState). */
const STATE_NAMES = Object.freeze({ 48: 'disabled', 49: 'enabled', 114: 'removed', 144: 'inherit' });

/** The @electron/fuses config for FUSES. */
function fuseConfig(options = {}) {
  /** @type {Record<string | number, unknown>} */
  const config = { version: FuseVersion.V1, resetAdHocDarwinSignature: options.resetAdHocDarwinSignature === true };
  for (const [name, enabled] of Object.entries(FUSES)) {
    const index = FuseV1Options[name];
    if (typeof index !== 'number') throw new Error(`@electron/fuses does not know the fuse "${name}": update build/fuses.cjs`);
    config[index] = enabled;
  }
  return config;
}

/** Each fuse of FUSES as the binary has it: 'enabled' | 'disabled' | 'removed' | 'inherit' | 'absent'. */
async function readFuses(electronPath) {
  const wire = await getCurrentFuseWire(electronPath);
  /** @type {Record<string, string>} */
  const states = {};
  for (const name of Object.keys(FUSES)) {
    const value = wire[FuseV1Options[name]];
    states[name] = value === undefined ? 'absent' : (STATE_NAMES[value] ?? `unknown byte ${value}`);
  }
  return states;
}

/** Every fuse whose state in the binary differs from FUSES, as "Name: want X, found Y". */
async function fuseMismatches(electronPath) {
  const states = await readFuses(electronPath);
  const problems = [];
  for (const [name, enabled] of Object.entries(FUSES)) {
    const want = enabled ? 'enabled' : 'disabled';
    // A fuse this Electron removed cannot be set and no longer does anything.
    if (states[name] !== want && states[name] !== 'removed') problems.push(`${name}: want ${want}, found ${states[name]}`);
  }
  return problems;
}

/** Flips FUSES in the binary at `electronPath`, then reads them back; throws when any differs. */
async function applyFuses(electronPath, options = {}) {
  const sentinels = await flipFuses(electronPath, fuseConfig(options));
  const problems = await fuseMismatches(electronPath);
  if (problems.length > 0) throw new Error(`fuses in ${electronPath} did not take: ${problems.join('; ')}`);
  return sentinels;
}

/** Where electron-builder put the Electron binary (the same rule its own addElectronFuses uses). */
function packagedElectronPath({ appOutDir, electronPlatformName, productFilename, executableName }) {
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${productFilename}.app`);
    case 'win32':
      return path.join(appOutDir, `${productFilename}.exe`);
    case 'linux':
      return path.join(appOutDir, executableName);
    default:
      throw new Error(`no Electron binary location known for platform "${electronPlatformName}"`);
  }
}

module.exports = { FUSES, STATE_NAMES, fuseConfig, readFuses, fuseMismatches, applyFuses, packagedElectronPath };
