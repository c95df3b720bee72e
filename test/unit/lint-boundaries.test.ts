/**
 * The layering rules of eslint.config.js, proved on snippets: each rule rejects a violating
 * import and accepts a legal one, through the real ESLint Node API and the project's config.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

/** Lints `code` as if it were the file at `file` (relative to the repository root). */
async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  assert.ok(result, `ESLint returned no result for ${file}`);
  return result.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

async function rejects(file: string, code: string, rule: string, mention: RegExp): Promise<void> {
  const found = await problems(file, code);
  assert.ok(
    found.some((p) => p.startsWith(`${rule}:`) && mention.test(p)),
    `expected ${rule} matching ${mention} for ${file}:\n  ${code}\ngot: ${JSON.stringify(found)}`,
  );
}

async function accepts(file: string, code: string): Promise<void> {
  assert.deepEqual(await problems(file, code), [], `expected no problems for ${file}:\n  ${code}`);
}

const LAYERS = 'fieldline/layers';

describe('core/ depends on nothing above it', () => {
  test('rejects electron, renderer/, cli/, agent/ and electron/', async () => {
    await rejects(
      'core/engine/x.ts',
      `import { app } from 'electron';\nexport const a = app;\n`,
      LAYERS,
      /Only electron\/ may import "electron"/,
    );
    await rejects(
      'core/engine/x.ts',
      `import { App } from '../../renderer/app/app.js';\nexport const a = App;\n`,
      LAYERS,
      /core\/engine\/x\.ts may not import renderer\/app\/app\.js/,
    );
    await rejects(
      'core/discovery/x.ts',
      `import { main } from '../../cli/main.js';\nexport const a = main;\n`,
      LAYERS,
      /may not import cli\/main\.js/,
    );
    await rejects(
      'core/protocol/x.ts',
      `export { handler } from '../../agent/fgp-handler.js';\n`,
      LAYERS,
      /may not import agent\/fgp-handler\.js/,
    );
    await rejects(
      'core/store/x.ts',
      `export const load = () => import('../../electron/window.js');\n`,
      LAYERS,
      /may not import electron\/window\.js/,
    );
  });
  test('rejects a type-only import across the boundary too', async () => {
    await rejects(
      'core/api/x.ts',
      `import type { AgentState } from '../../agent/state.js';\nexport type A = AgentState;\n`,
      LAYERS,
      /may not import agent\/state\.js/,
    );
  });
  test('accepts core, Node built-ins and npm packages', async () => {
    await accepts(
      'core/engine/x.ts',
      `import { createHash } from 'node:crypto';\nimport { z } from 'zod';\nimport { methods } from '../api/contract.js';\nexport const a = [createHash, z, methods];\n`,
    );
  });
});

describe('renderer/ takes only types from core/api', () => {
  test('rejects a runtime import from core/api', async () => {
    await rejects(
      'renderer/devices/x.ts',
      `import { methods } from '../../core/api/contract.js';\nexport const a = methods;\n`,
      LAYERS,
      /only types from core\/api\/contract\.js/,
    );
  });
  test('rejects inline type specifiers, which still load the module under verbatimModuleSyntax', async () => {
    await rejects(
      'renderer/x.ts',
      `import { type FieldlineApi } from '../core/api/contract.js';\nexport type A = FieldlineApi;\n`,
      LAYERS,
      /only types from core\/api/,
    );
  });
  test('rejects anything from the rest of core, even types', async () => {
    await rejects(
      'renderer/devices/x.ts',
      `import type { FgpPeer } from '../../core/protocol/peer.js';\nexport type A = FgpPeer;\n`,
      LAYERS,
      /may not import core\/protocol\/peer\.js/,
    );
  });
  test('rejects Node built-ins and electron', async () => {
    await rejects(
      'renderer/services/x.ts',
      `import { readFile } from 'node:fs/promises';\nexport const a = readFile;\n`,
      LAYERS,
      /Node built-in "node:fs\/promises"/,
    );
    await rejects('renderer/services/x.ts', `import path from 'path';\nexport const a = path;\n`, LAYERS, /Node built-in "path"/);
    await rejects(
      'renderer/services/x.ts',
      `import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n`,
      LAYERS,
      /Only electron\/ may import "electron"/,
    );
  });
  test('accepts `import type` from core/api, renderer modules and npm packages', async () => {
    await accepts(
      'renderer/devices/x.tsx',
      `import type { FieldlineApi } from '../../core/api/contract.js';\nimport type { Device } from '../../core/api/schemas.js';\nimport { create } from 'zustand';\nimport { api } from '../services/api-client.js';\nexport const a: [FieldlineApi | null, Device | null] = [null, null];\nexport const b = [create, api];\n`,
    );
  });
  test('treats the Vite config in renderer/ as build tooling, not page code', async () => {
    await accepts('renderer/vite.config.ts', `import { fileURLToPath } from 'node:url';\nexport const a = fileURLToPath;\n`);
  });
});

describe('agent/ shares only the wire and verification code', () => {
  test('accepts core/protocol, core/transport, core/bundle, core/bench, Node and npm', async () => {
    await accepts(
      'agent/x.ts',
      `import net from 'node:net';\nimport { encodeFrame } from '../core/protocol/frame.js';\nimport { openTcp } from '../core/transport/tcp.js';\nimport { verify } from '../core/bundle/verify.js';\nimport { stats } from '../core/bench/stats.js';\nimport mdns from 'multicast-dns';\nexport const a = [net, encodeFrame, openTcp, verify, stats, mdns];\n`,
    );
  });
  test('rejects the rest of core (discovery, store, engine, api)', async () => {
    await rejects(
      'agent/x.ts',
      `import { Discovery } from '../core/discovery/index.js';\nexport const a = Discovery;\n`,
      LAYERS,
      /agent\/x\.ts may not import core\/discovery\/index\.js/,
    );
    await rejects(
      'agent/methods/x.ts',
      `import { openDatabase } from '../../core/store/database.js';\nexport const a = openDatabase;\n`,
      LAYERS,
      /may not import core\/store\/database\.js/,
    );
    await rejects(
      'agent/x.ts',
      `import { createEngine } from '../core/engine/engine.js';\nexport const a = createEngine;\n`,
      LAYERS,
      /may not import core\/engine\/engine\.js/,
    );
  });
  test('rejects cli/, renderer/ and electron', async () => {
    await rejects('agent/x.ts', `import { main } from '../cli/main.js';\nexport const a = main;\n`, LAYERS, /may not import cli\/main\.js/);
    await rejects(
      'agent/x.ts',
      `import { app } from 'electron';\nexport const a = app;\n`,
      LAYERS,
      /Only electron\/ may import "electron"/,
    );
  });
});

describe('raw IPC stays in the Electron shell', () => {
  test('rejects ipcRenderer/ipcMain outside electron/', async () => {
    await rejects('cli/x.ts', `import { ipcMain } from 'electron';\nexport const a = ipcMain;\n`, LAYERS, /raw ipcRenderer\/ipcMain/);
    await rejects(
      'test/unit/x.test.ts',
      `import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n`,
      LAYERS,
      /Only electron\//,
    );
    await rejects('core/x.ts', `const { ipcRenderer } = require('electron');\nexport const a = ipcRenderer;\n`, LAYERS, /Only electron\//);
  });
  test('rejects raw IPC in main-process modules; the API uses the engine MessagePort', async () => {
    await rejects(
      'electron/x.ts',
      `import { ipcMain } from 'electron';\nexport const a = ipcMain;\n`,
      '@typescript-eslint/no-restricted-imports',
      /Raw IPC lives in electron\/preload\.cts/,
    );
  });
  test('accepts the preload receiving its port, and main-process modules using the rest of electron', async () => {
    await accepts('electron/preload.cts', `import electron = require('electron');\nelectron.ipcRenderer.on('fieldline:port', () => {});\n`);
    await accepts(
      'electron/x.ts',
      `import { app, BrowserWindow } from 'electron';\nimport { methods } from '../core/api/contract.js';\nexport const a = [app, BrowserWindow, methods];\n`,
    );
  });
  test('keeps electron/ away from renderer/ and agent/', async () => {
    await rejects(
      'electron/x.ts',
      `import { App } from '../renderer/app/app.js';\nexport const a = App;\n`,
      LAYERS,
      /electron\/x\.ts may not import renderer\/app\/app\.js/,
    );
  });
});

describe('cli/', () => {
  test('accepts core/ and agent/ (fieldline agent runs the reference agent)', async () => {
    await accepts(
      'cli/commands/x.ts',
      `import { createEngine } from '../../core/engine/engine.js';\nimport { runAgent } from '../../agent/cli.js';\nexport const a = [createEngine, runAgent];\n`,
    );
  });
  test('rejects renderer/', async () => {
    await rejects(
      'cli/commands/x.ts',
      `import { App } from '../../renderer/app/app.js';\nexport const a = App;\n`,
      LAYERS,
      /may not import renderer\/app\/app\.js/,
    );
  });
});

test('the whole tree is linted with the layering rule on', async () => {
  const config = (await eslint.calculateConfigForFile(join(root, 'core', 'protocol', 'frame.ts'))) as { rules?: Record<string, unknown> };
  assert.deepEqual(config.rules?.['fieldline/layers'], [2]);
});
