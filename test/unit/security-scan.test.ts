/**
 * The project's static security rules (scripts/security-scan): each fires on a bad snippet and
 * stays quiet on the good one, and the real electron/ and renderer/ scan clean.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkRequiredGuards, RULES, scanSource, type RuleId, type Scope } from '../../scripts/security-scan/rules.js';
import { formatFinding, REVIEWED, scanTree } from '../../scripts/security-scan/scan.js';

const root = join(import.meta.dirname, '..', '..');

interface Case {
  readonly rule: RuleId;
  readonly scope: Scope;
  readonly name: string;
  readonly bad: string;
  readonly good: string;
  readonly path?: string;
}

const SAFE_WINDOW = `new BrowserWindow({ webPreferences: { preload, contextIsolation: true, sandbox: true, nodeIntegration: false } });`;

const CASES: readonly Case[] = [
  {
    rule: 'web-preferences',
    scope: 'electron',
    name: 'nodeIntegration: true',
    bad: `const p = { nodeIntegration: true };`,
    good: `const p = { nodeIntegration: false };`,
  },
  {
    rule: 'web-preferences',
    scope: 'electron',
    name: 'nodeIntegrationInWorker: true',
    bad: `const p = { nodeIntegrationInWorker: true };`,
    good: `const p = { nodeIntegrationInWorker: false };`,
  },
  {
    rule: 'web-preferences',
    scope: 'electron',
    name: 'nodeIntegrationInSubFrames: true',
    bad: `const p = { 'nodeIntegrationInSubFrames': !0 };`,
    good: `const p = { nodeIntegrationInSubFrames: false };`,
  },
  {
    rule: 'web-preferences',
    scope: 'electron',
    name: 'contextIsolation: false',
    bad: `const p = { contextIsolation: false };`,
    good: `const p = { contextIsolation: true };`,
  },
  {
    rule: 'web-preferences',
    scope: 'electron',
    name: 'sandbox from a variable',
    bad: `const p = { sandbox: isDev };`,
    good: `const p = { sandbox: true };`,
  },
  {
    rule: 'web-preferences',
    scope: 'electron',
    name: 'webSecurity: false',
    bad: `const p = { webSecurity: false };`,
    good: `const p = { webSecurity: true };`,
  },
  {
    rule: 'web-preferences',
    scope: 'electron',
    name: 'allowRunningInsecureContent: true',
    bad: `const p = { allowRunningInsecureContent: true };`,
    good: `const p = { allowRunningInsecureContent: false };`,
  },
  {
    rule: 'web-preferences',
    scope: 'electron',
    name: 'experimentalFeatures: true',
    bad: `const p = { experimentalFeatures: true };`,
    good: `const p = { experimentalFeatures: false };`,
  },
  {
    rule: 'web-preferences',
    scope: 'electron',
    name: 'webviewTag: true',
    bad: `const p = { webviewTag: true };`,
    good: `const p = { webviewTag: false };`,
  },
  {
    rule: 'web-preferences',
    scope: 'electron',
    name: 'enableBlinkFeatures',
    bad: `const p = { enableBlinkFeatures: 'CSSColorSchemeUARendering' };`,
    good: `const p = { spellcheck: false };`,
  },
  {
    rule: 'web-preferences',
    scope: 'electron',
    name: 'shorthand nodeIntegration',
    bad: `const p = { nodeIntegration };`,
    good: `const p = { nodeIntegration: false };`,
  },
  {
    rule: 'browser-window-explicit',
    scope: 'electron',
    name: 'no webPreferences',
    bad: `new BrowserWindow({ width: 800 });`,
    good: SAFE_WINDOW,
  },
  {
    rule: 'browser-window-explicit',
    scope: 'electron',
    name: 'sandbox left to the default',
    bad: `new BrowserWindow({ webPreferences: { contextIsolation: true } });`,
    good: SAFE_WINDOW,
  },
  {
    rule: 'browser-window-explicit',
    scope: 'electron',
    name: 'options from a variable',
    bad: `new electron.BrowserWindow(options);`,
    good: SAFE_WINDOW,
  },
  {
    rule: 'browser-window-explicit',
    scope: 'electron',
    name: 'webPreferences from a variable',
    bad: `new BrowserWindow({ webPreferences: prefs });`,
    good: SAFE_WINDOW,
  },
  {
    rule: 'open-external',
    scope: 'electron',
    name: 'shell.openExternal in another module',
    bad: `shell.openExternal(url);`,
    good: `openExternalLink(shell, links, url, log);`,
  },
  {
    rule: 'open-external',
    scope: 'renderer',
    name: "shell['openExternal'] in the renderer",
    bad: `shell['openExternal'](url);`,
    good: `links.lookup(url);`,
  },
  {
    rule: 'html-injection',
    scope: 'renderer',
    name: 'dangerouslySetInnerHTML',
    bad: `const a = <div dangerouslySetInnerHTML={{ __html: name }} />;`,
    good: `const a = <div>{name}</div>;`,
    path: 'renderer/x.tsx',
  },
  { rule: 'html-injection', scope: 'renderer', name: 'innerHTML =', bad: `el.innerHTML = name;`, good: `el.textContent = name;` },
  { rule: 'html-injection', scope: 'renderer', name: 'outerHTML +=', bad: `el.outerHTML += name;`, good: `el.append(name);` },
  {
    rule: 'html-injection',
    scope: 'renderer',
    name: "el['innerHTML'] =",
    bad: `el['innerHTML'] = name;`,
    good: `el['textContent'] = name;`,
  },
  {
    rule: 'html-injection',
    scope: 'renderer',
    name: 'insertAdjacentHTML',
    bad: `el.insertAdjacentHTML('beforeend', name);`,
    good: `el.insertAdjacentText('beforeend', name);`,
  },
  { rule: 'html-injection', scope: 'renderer', name: 'document.write', bad: `document.write(name);`, good: `document.title = name;` },
  {
    rule: 'html-injection',
    scope: 'renderer',
    name: 'createContextualFragment',
    bad: `range.createContextualFragment(name);`,
    good: `document.createTextNode(name);`,
  },
  { rule: 'code-from-string', scope: 'renderer', name: 'eval', bad: `eval(code);`, good: `JSON.parse(code);` },
  { rule: 'code-from-string', scope: 'renderer', name: 'window.eval', bad: `window.eval(code);`, good: `window.alert(code);` },
  {
    rule: 'code-from-string',
    scope: 'renderer',
    name: 'new Function',
    bad: `const f = new Function('a', code);`,
    good: `const f = (a: number) => a;`,
  },
  {
    rule: 'code-from-string',
    scope: 'renderer',
    name: 'Function(...)',
    bad: `const f = Function(code);`,
    good: `const f = Boolean(code);`,
  },
  {
    rule: 'code-from-string',
    scope: 'renderer',
    name: 'setTimeout with a string',
    bad: `setTimeout('tick()', 10);`,
    good: `setTimeout(tick, 10);`,
  },
  {
    rule: 'code-from-string',
    scope: 'renderer',
    name: 'setInterval with a template',
    bad: 'setInterval(`tick(${n})`, 10);',
    good: 'setInterval(() => tick(n), 10);',
  },
  {
    rule: 'remote-url',
    scope: 'renderer',
    name: 'http:// to a remote host',
    bad: `const u = 'http://updates.example.com/feed';`,
    good: `const u = 'http://127.0.0.1:8080/';`,
  },
  {
    rule: 'remote-url',
    scope: 'renderer',
    name: 'ws:// to a remote host in a template',
    bad: 'const u = `ws://gateway.example.net:${port}/`;',
    good: 'const u = `ws://localhost:${port}/`;',
  },
  {
    rule: 'remote-url',
    scope: 'renderer',
    name: 'http:// in JSX text',
    bad: `const a = <p>see http://evil.test</p>;`,
    good: `const a = <p>see the manual</p>;`,
    path: 'renderer/y.tsx',
  },
  {
    rule: 'ipc-sender-check',
    scope: 'electron',
    name: 'ipcMain.handle without the check',
    bad: `ipcMain.handle('x', (event, arg) => work(arg));`,
    good: `ipcMain.handle('x', (event, arg) => { if (!isTrustedSender(event, windows)) throw new Error('no'); return work(arg); });`,
  },
  {
    rule: 'ipc-sender-check',
    scope: 'electron',
    name: 'ipcMain.on with a named handler',
    bad: `ipcMain.on('x', onX);`,
    good: `ipcMain.on('x', (event) => { if (!checkSender(event, windows).trusted) return; onX(event); });`,
  },
  {
    rule: 'ipc-sender-check',
    scope: 'electron',
    name: 'electron.ipcMain.once without the check',
    bad: `electron.ipcMain.once('x', function (event) { go(); });`,
    good: `electron.ipcMain.once('x', function (event) { if (isTrustedSender(event, ids)) go(); });`,
  },
  {
    rule: 'insecure-switch',
    scope: 'electron',
    name: 'ignore-certificate-errors',
    bad: `app.commandLine.appendSwitch('ignore-certificate-errors');`,
    good: `app.commandLine.appendSwitch('lang', 'en-GB');`,
  },
  {
    rule: 'insecure-switch',
    scope: 'electron',
    name: 'disable-web-security',
    bad: `app.commandLine.appendSwitch('disable-web-security');`,
    good: `app.commandLine.appendSwitch('force-color-profile', 'srgb');`,
  },
  {
    rule: 'insecure-switch',
    scope: 'electron',
    name: '--no-sandbox argument',
    bad: `app.commandLine.appendArgument('--no-sandbox');`,
    good: `app.commandLine.appendArgument('--lang=en');`,
  },
  {
    rule: 'insecure-switch',
    scope: 'electron',
    name: 'computed switch',
    bad: `app.commandLine.appendSwitch(name);`,
    good: `app.commandLine.appendSwitch('lang');`,
  },
  {
    rule: 'certificate-bypass',
    scope: 'electron',
    name: 'setCertificateVerifyProc accepting all',
    bad: `session.setCertificateVerifyProc((request, callback) => { callback(0); });`,
    good: `session.setCertificateVerifyProc((request, callback) => { callback(request.errorCode === 0 ? -3 : -2); });`,
  },
  {
    rule: 'certificate-bypass',
    scope: 'electron',
    name: 'setCertificateVerifyProc arrow body',
    bad: `session.setCertificateVerifyProc((_r, cb) => cb(0));`,
    good: `session.setCertificateVerifyProc((_r, cb) => cb(-3));`,
  },
  {
    rule: 'certificate-bypass',
    scope: 'electron',
    name: "'certificate-error' trusting all",
    bad: `app.on('certificate-error', (event, wc, url, err, cert, callback) => { event.preventDefault(); callback(true); });`,
    good: `app.on('certificate-error', (event, wc, url, err, cert, callback) => { callback(false); });`,
  },
];

describe('security scan rules', () => {
  test('every rule has at least one case', () => {
    const covered = new Set(CASES.map((c) => c.rule));
    for (const rule of Object.keys(RULES) as RuleId[]) if (rule !== 'required-guards') assert.ok(covered.has(rule), rule);
  });

  for (const c of CASES) {
    const path = c.path ?? `${c.scope}/snippet.ts`;
    test(`${c.rule}: fires on ${c.name}`, () => {
      const findings = scanSource(path, c.bad, c.scope).filter((f) => f.rule === c.rule);
      assert.ok(findings.length > 0, `no ${c.rule} finding for: ${c.bad}`);
      assert.equal(findings[0]!.line, 1);
      assert.ok(findings[0]!.message.length > 10);
    });
    test(`${c.rule}: quiet on the good version of ${c.name}`, () => {
      assert.deepEqual(scanSource(path, c.good, c.scope).map(formatFinding), []);
    });
  }

  test('renderer-only rules do not fire in electron/ (the main process may write HTML files, e.g. reports)', () => {
    assert.deepEqual(scanSource('electron/x.ts', `el.innerHTML = s; const u = 'http://example.com/';`, 'electron'), []);
  });

  test('electron/external-links.ts is the one module that may call shell.openExternal', () => {
    assert.deepEqual(scanSource('electron/external-links.ts', 'shell.openExternal(url);', 'electron'), []);
  });

  test('required-guards: missing guards are reported, present ones are not', () => {
    const missing = checkRequiredGuards([{ path: 'electron/main.ts', text: `app.whenReady();` }]).map((f) => f.message);
    assert.equal(missing.length, 3);
    assert.match(missing.join('\n'), /setPermissionRequestHandler/);
    assert.match(missing.join('\n'), /will-navigate/);
    assert.match(missing.join('\n'), /setWindowOpenHandler/);
    assert.match(
      checkRequiredGuards([{ path: 'electron/a.ts', text: `session.setPermissionRequestHandler(null);` }])
        .map((f) => f.message)
        .join('\n'),
      /setPermissionRequestHandler/,
      'clearing the handler is not installing one',
    );
    const present = checkRequiredGuards([
      { path: 'electron/a.ts', text: `session.setPermissionRequestHandler((c, p, cb) => cb(false));` },
      { path: 'electron/b.ts', text: `contents.on('will-navigate', stop); contents.setWindowOpenHandler(() => ({ action: 'deny' }));` },
    ]);
    assert.deepEqual(present, []);
  });
});

describe('the real tree', () => {
  test('electron/ and renderer/ scan clean (reviewed exceptions aside, each with its reason)', () => {
    const { files, findings, accepted, stale } = scanTree(root);
    assert.ok(files > 20, `scanned ${files} files`);
    assert.deepEqual(findings.map(formatFinding), []);
    assert.deepEqual(stale, [], 'a reviewed exception that matches nothing must be removed');
    assert.equal(accepted.length, REVIEWED.length);
  });
});
