#!/usr/bin/env node
/**
 * Build step for the Electron preload: checks the file `tsc` emitted before anything ships it.
 *
 * A sandboxed preload cannot require local files, so dist/electron/preload.cjs must stand alone.
 * This script fails the build when the compiled preload
 *   - requires anything but 'electron' (it would throw at load time in the sandbox, silently
 *     leaving the page without `window.fieldline`),
 *   - exposes anything but the contract's methods and `on` under `window.fieldline`,
 *   - cannot carry one call to the engine and its answer back.
 * Electron cannot run on every build machine, so the preload is run here in a Node VM against
 * stand-ins for `contextBridge` and `ipcRenderer`.
 *
 * Usage: node scripts/copy-preload.mjs [distDir]   (default: dist)
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(root, process.argv[2] ?? 'dist');
const preloadPath = join(dist, 'electron', 'preload.cjs');
const contractPath = join(dist, 'core', 'api', 'contract.js');

function fail(message) {
  console.error(`copy-preload: ${message}`);
  process.exit(1);
}

for (const file of [preloadPath, contractPath]) {
  if (!existsSync(file)) fail(`${file} is missing; run \`tsc -p tsconfig.build.json\` first`);
}
const source = readFileSync(preloadPath, 'utf8');

const required = [...source.matchAll(/\brequire\(\s*(['"`])([^'"`]+)\1\s*\)/g)].map((m) => m[2]);
const foreign = required.filter((name) => name !== 'electron');
if (foreign.length) fail(`the preload requires ${foreign.join(', ')}; a sandboxed preload may only require 'electron'`);
if (/\bimport\s*\(/.test(source)) fail('the preload uses dynamic import(), which a sandboxed preload cannot');

const { methods, events } = await import(pathToFileURL(contractPath).href);
const expectedMethods = Object.keys(methods).sort();
const expectedEvents = Object.keys(events).sort();

// Run the preload against stand-ins, the way Electron's sandbox wraps it.
const exposed = new Map();
const ipcListeners = new Map();
const electron = {
  contextBridge: { exposeInMainWorld: (key, api) => exposed.set(key, api) },
  ipcRenderer: { on: (channel, listener) => ipcListeners.set(channel, listener) },
  webUtils: { getPathForFile: () => '' },
};
const sandbox = {
  require: (name) => (name === 'electron' ? electron : fail(`require('${name}') at run time`)),
  module: { exports: {} },
  console,
};
sandbox.exports = sandbox.module.exports;
vm.runInNewContext(`(function (require, exports, module) {\n${source}\n})(require, exports, module);`, sandbox, { filename: preloadPath });

if ([...exposed.keys()].sort().join() !== 'fieldline,fieldlineFiles') {
  fail(`the preload exposes [${[...exposed.keys()].join(', ')}], expected only "fieldline" and "fieldlineFiles"`);
}
const files = exposed.get('fieldlineFiles');
if (Object.keys(files).join() !== 'pathFor' || typeof files.pathFor !== 'function')
  fail('window.fieldlineFiles must expose only pathFor(file)');
const api = exposed.get('fieldline');
const actualMethods = [];
for (const [key, value] of Object.entries(api)) {
  if (key === 'on') {
    if (typeof value !== 'function') fail('window.fieldline.on is not a function');
    continue;
  }
  if (typeof value !== 'object' || value === null) fail(`window.fieldline.${key} is neither a namespace nor "on"`);
  for (const [name, fn] of Object.entries(value)) {
    if (typeof fn !== 'function') fail(`window.fieldline.${key}.${name} is not a function`);
    actualMethods.push(`${key}.${name}`);
  }
}
actualMethods.sort();
const missing = expectedMethods.filter((m) => !actualMethods.includes(m));
const extra = actualMethods.filter((m) => !expectedMethods.includes(m));
if (missing.length || extra.length) {
  fail(`window.fieldline does not match core/api/contract.ts: missing [${missing.join(', ')}], not in the contract [${extra.join(', ')}]`);
}
for (const event of expectedEvents) api.on(event, () => {})();
try {
  api.on('not.an.event', () => {});
  fail('window.fieldline.on accepted an event name that is not in the contract');
} catch (err) {
  if (!(err instanceof vm.runInNewContext('TypeError', sandbox))) throw err;
}

// One round trip: a call made before the port arrives goes out on it, and its answer resolves.
const portListener = ipcListeners.get('fieldline:port');
if (typeof portListener !== 'function') fail('the preload does not listen for its port on "fieldline:port"');
const sent = [];
const port = { onmessage: null, postMessage: (text) => sent.push(text), close: () => {} };
const [firstMethod] = expectedMethods;
const [namespace, name] = firstMethod.split('.');
const answer = api[namespace][name]();
portListener({ ports: [port] });
const call = JSON.parse(sent[0] ?? 'null');
if (call?.type !== 'call' || call.method !== firstMethod) fail(`the preload sent ${sent[0]} for ${firstMethod}`);
port.onmessage({ data: JSON.stringify({ type: 'result', id: call.id, ok: true, value: 'pong' }) });
if ((await answer) !== 'pong') fail(`${firstMethod} did not resolve with the engine's answer`);

console.log(
  `copy-preload: ${preloadPath} is self-contained and exposes ${actualMethods.length} methods and ${expectedEvents.length} events`,
);
