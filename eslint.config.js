// @ts-check
/**
 * Lint configuration: typescript-eslint's recommended rules plus the layering rule that keeps
 * the folder layout honest (docs: /DESIGN.md "Layers you can see").
 *
 * `fieldline/layers` classifies every import by the folder the imported file lives in (it
 * resolves relative paths against the importing file, so depth never matters) and rejects the
 * ones that cross a layer the wrong way. It is a local rule rather than eslint-plugin-boundaries
 * because our relative imports end in `.js` while the files are `.ts`: the plugin needs a
 * resolver that maps one to the other, and a lexical classification needs none.
 * test/unit/lint-boundaries.test.ts proves each rule rejects a violation and accepts a legal one.
 */
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * What each layer may import from the repository. `allow`: any import; `typesOnly`: only
 * `import type` / `export type`. Prefixes are folders relative to the repository root.
 * Folders not listed here (test/, bench/, scripts/, tooling configs) may import anything.
 *
 * @typedef {{ allow: string[]; typesOnly?: string[]; node: boolean; why: string }} Layer
 * @type {Record<string, Layer>}
 */
const LAYERS = {
  core: {
    allow: ['core', 'resources'],
    node: true,
    why: 'core/ is the engine every host shares: it never depends on a host (electron/, cli/), the UI (renderer/) or the reference agent (agent/)',
  },
  agent: {
    allow: ['agent', 'core/protocol', 'core/transport', 'core/bundle', 'core/bench', 'core/audit', 'resources'],
    node: true,
    why: 'agent/ runs on a gateway and shares only the wire and verification code with the app: core/protocol, core/transport, core/bundle, core/bench, core/audit (checkpoints it witnesses)',
  },
  cli: {
    allow: ['cli', 'core', 'agent', 'resources'],
    node: true,
    why: 'cli/ drives the engine (core/) and starts the reference agent (agent/)',
  },
  electron: {
    allow: ['electron', 'core', 'resources'],
    node: true,
    why: 'electron/ hosts the engine (core/); it loads the renderer as built files, never by import',
  },
  renderer: {
    // bench-compare.js: the run-comparison table the CLI prints too, pure (types + format-duration only).
    allow: ['renderer', 'core/api/format-duration.js', 'core/api/bench-compare.js'],
    typesOnly: ['core/api'],
    node: false,
    why: 'renderer/ runs in a sandboxed page and talks to the engine only through window.fieldline; from core/ it may take the API types (`import type` from core/api) and the pure duration formatter and run comparison, nothing else',
  },
};

const NODE_BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith('_')));

/** Tooling that lives inside a layer's folder but runs in Node at build time. */
const TOOLING = /(^|\/)[^/]+\.config\.(?:[cm]?[jt]s)$/;

/** @param {string} rel */
function layerOf(rel) {
  if (TOOLING.test(rel)) return null;
  const top = rel.split('/')[0] ?? '';
  return Object.prototype.hasOwnProperty.call(LAYERS, top) ? top : null;
}

/** @param {string} rel @param {string[]} prefixes */
function within(rel, prefixes) {
  return prefixes.some((prefix) => rel === prefix || rel.startsWith(`${prefix}/`));
}

/** @param {string} specifier */
function isNodeBuiltin(specifier) {
  if (specifier.startsWith('node:')) return true;
  return NODE_BUILTINS.has(specifier.split('/')[0] ?? '');
}

/** @param {string} specifier */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** @type {import('eslint').Rule.RuleModule} */
const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the layer rules of DESIGN.md' },
    schema: [],
    messages: {
      crossLayer: '{{from}} may not import {{target}}: {{why}}.',
      typesOnly: '{{from}} may import only types from {{target}}: write `import type {…} from …` ({{why}}).',
      nodeBuiltin: '{{from}} may not import the Node built-in "{{name}}": {{why}}.',
      electron:
        'Only electron/ may import "electron" ({{from}} does): the engine must run without Electron, and raw ipcRenderer/ipcMain belong to the preload and the main process alone.',
    },
  },
  create(context) {
    const rel = path.relative(root, context.filename).split(path.sep).join('/');
    if (rel.startsWith('..') || path.isAbsolute(rel)) return {};
    const from = layerOf(rel);
    const dir = path.dirname(context.filename);

    /**
     * @param {import('estree').Node} node
     * @param {unknown} source
     * @param {boolean} typeOnly
     */
    function check(node, source, typeOnly) {
      if (typeof source !== 'string') return;
      if (!source.startsWith('.') && !source.startsWith('/')) {
        if (packageName(source) === 'electron' && from !== 'electron') {
          context.report({ node, messageId: 'electron', data: { from: rel } });
        } else if (from && !LAYERS[from].node && isNodeBuiltin(source)) {
          context.report({ node, messageId: 'nodeBuiltin', data: { from: rel, name: source, why: LAYERS[from].why } });
        }
        return;
      }
      if (!from) return;
      const layer = LAYERS[from];
      const target = path.relative(root, path.resolve(dir, source)).split(path.sep).join('/');
      if (target.startsWith('..')) return;
      if (within(target, layer.allow)) return;
      if (layer.typesOnly && within(target, layer.typesOnly)) {
        if (!typeOnly) context.report({ node, messageId: 'typesOnly', data: { from: rel, target, why: layer.why } });
        return;
      }
      context.report({ node, messageId: 'crossLayer', data: { from: rel, target, why: layer.why } });
    }

    /** @param {any} node */
    const kindIsType = (node) => node.importKind === 'type' || node.exportKind === 'type';

    return {
      /** @param {any} node */
      ImportDeclaration: (node) => check(node, node.source.value, kindIsType(node)),
      /** @param {any} node */
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, kindIsType(node)),
      /** @param {any} node */
      ExportAllDeclaration: (node) => check(node, node.source.value, kindIsType(node)),
      /** @param {any} node */
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value, false),
      /** @param {any} node */
      'CallExpression[callee.type="Identifier"][callee.name="require"]': (node) =>
        node.arguments[0]?.type === 'Literal' && check(node, node.arguments[0].value, false),
      /** @param {any} node */
      TSImportEqualsDeclaration: (node) =>
        node.moduleReference.type === 'TSExternalModuleReference' && check(node, node.moduleReference.expression.value, kindIsType(node)),
      /** `typeof import('…')` in a type position. @param {any} node */
      TSImportType: (node) => {
        const literal = node.argument?.literal ?? node.argument;
        if (literal?.type === 'Literal') check(node, literal.value, true);
      },
    };
  },
};

export const fieldlinePlugin = { meta: { name: 'fieldline' }, rules: { layers: layersRule } };

export default defineConfig(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'test-results/',
      'playwright-report/',
      'release/',
      'bench/results/',
      '.fieldline-demo/',
      'coverage/',
    ],
  },
  {
    files: ['**/*.{ts,tsx,mts,cts,js,mjs,cjs}'],
    extends: [tseslint.configs.recommended],
    plugins: { fieldline: fieldlinePlugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'fieldline/layers': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Inside the shell, API traffic goes over the engine's MessagePort; raw IPC is the preload's
    // job alone (it receives that port), so nothing else may reach for ipcMain or ipcRenderer.
    files: ['electron/**'],
    ignores: ['electron/preload.cts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              importNames: ['ipcMain', 'ipcRenderer'],
              message:
                'Raw IPC lives in electron/preload.cts only; the API travels on the engine MessagePort (see electron/engine-host.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    // CommonJS TypeScript (the sandboxed preload) can only import with `import x = require()`
    // under verbatimModuleSyntax.
    files: ['**/*.cts'],
    rules: { '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }] },
  },
  {
    // Plain JavaScript tooling (this file, scripts/*.mjs, bin/) is not type-checked.
    files: ['**/*.{js,mjs,cjs}'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
