/**
 * Fieldline's own static security rules for the Electron shell and the renderer, written with
 * the TypeScript compiler API (syntax only, no type checking: fast, and it sees the code exactly
 * as written).
 *
 * Why our own: the well-kept Electron scanners (electronegativity, semgrep rule packs) cannot
 * be installed on an offline machine, and a rule set in the repository runs in `npm test` with
 * nothing to download. Each rule has a failing and a passing example in
 * test/unit/security-scan.test.ts.
 */
import ts from 'typescript';

export type Scope = 'electron' | 'renderer';

export interface Finding {
  readonly rule: RuleId;
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export type RuleId =
  | 'web-preferences'
  | 'browser-window-explicit'
  | 'open-external'
  | 'html-injection'
  | 'code-from-string'
  | 'remote-url'
  | 'ipc-sender-check'
  | 'required-guards'
  | 'insecure-switch'
  | 'certificate-bypass';

export const RULES: Readonly<Record<RuleId, string>> = {
  'web-preferences':
    'webPreferences never weaken isolation: no Node integration, no disabled sandbox/context isolation/web security, no insecure content, experimental features, <webview> or Blink features',
  'browser-window-explicit': 'every BrowserWindow sets contextIsolation: true and sandbox: true explicitly, in a literal',
  'open-external': 'shell.openExternal is called only in electron/external-links.ts',
  'html-injection':
    'the renderer never writes HTML from strings (dangerouslySetInnerHTML, innerHTML/outerHTML, insertAdjacentHTML, document.write)',
  'code-from-string': 'the renderer never turns strings into code (eval, new Function, setTimeout/setInterval with a string)',
  'remote-url': 'the renderer has no http:// or ws:// URL to anything but loopback',
  'ipc-sender-check': 'every ipcMain handler checks its sender with isTrustedSender/checkSender',
  'required-guards': 'the shell installs a permission request handler, a will-navigate guard and a window-open handler',
  'insecure-switch': 'no Chromium switch that turns security off (ignore-certificate-errors, disable-web-security, no-sandbox, …)',
  'certificate-bypass': 'no certificate verification that accepts everything (setCertificateVerifyProc, certificate-error)',
};

/** The only module allowed to call shell.openExternal. */
export const EXTERNAL_LINKS_MODULE = 'electron/external-links.ts';

const MUST_NOT_BE_TRUE = new Set([
  'nodeIntegration',
  'nodeIntegrationInWorker',
  'nodeIntegrationInSubFrames',
  'allowRunningInsecureContent',
  'experimentalFeatures',
  'webviewTag',
]);
const MUST_NOT_BE_FALSE = new Set(['contextIsolation', 'sandbox', 'webSecurity']);
const FORBIDDEN_KEYS = new Set(['enableBlinkFeatures']);

/** Chromium/Node switches that weaken security, without leading dashes. */
const INSECURE_SWITCHES = new Set([
  'ignore-certificate-errors',
  'ignore-certificate-errors-spki-list',
  'ignore-urlfetcher-cert-requests',
  'allow-insecure-localhost',
  'disable-web-security',
  'no-sandbox',
  'disable-gpu-sandbox',
  'disable-site-isolation-trials',
  'disable-features',
  'allow-running-insecure-content',
  'unsafely-treat-insecure-origin-as-secure',
  'remote-debugging-port',
  'remote-debugging-pipe',
  'inspect',
  'inspect-brk',
  'js-flags',
  'enable-blink-features',
  'enable-experimental-web-platform-features',
  'user-data-dir',
]);

const SENDER_CHECKS = new Set(['isTrustedSender', 'checkSender']);
const IPC_REGISTRATIONS = new Set(['on', 'once', 'handle', 'handleOnce', 'addListener', 'prependListener']);
const LOOPBACK = /^(?:http|ws):\/\/(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])(?:[:/?#]|$)/i;
const REMOTE = /\b(?:http|ws):\/\/[^\s'"`]/i;

function propertyName(name: ts.PropertyName | ts.MemberName): string | null {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  return null;
}

/** `a.b.c` → ['a','b','c'] for a chain of identifiers; null otherwise. */
function dottedName(node: ts.Expression): string[] | null {
  if (ts.isIdentifier(node)) return [node.text];
  if (ts.isPropertyAccessExpression(node)) {
    const left = dottedName(node.expression);
    return left === null ? null : [...left, node.name.text];
  }
  if (ts.isParenthesizedExpression(node) || ts.isNonNullExpression(node)) return dottedName(node.expression);
  return null;
}

function calleeMember(call: ts.CallExpression | ts.NewExpression): string | null {
  const callee = call.expression;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  if (ts.isElementAccessExpression(callee) && ts.isStringLiteralLike(callee.argumentExpression)) return callee.argumentExpression.text;
  if (ts.isIdentifier(callee)) return callee.text;
  return null;
}

function stringValue(node: ts.Node | undefined): string | null {
  if (node === undefined) return null;
  if (ts.isStringLiteralLike(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text;
  return null;
}

function contains(node: ts.Node, predicate: (n: ts.Node) => boolean): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (predicate(n)) {
      found = true;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

function isFunctionLike(node: ts.Node): node is ts.ArrowFunction | ts.FunctionExpression {
  return ts.isArrowFunction(node) || ts.isFunctionExpression(node);
}

function callsSenderCheck(fn: ts.Node): boolean {
  return contains(fn, (n) => ts.isCallExpression(n) && SENDER_CHECKS.has(calleeMember(n) ?? ''));
}

/** A call like `callback(0)` / `callback(true)` that is not inside an if/conditional/switch of the handler. */
function unconditionalAccept(fn: ts.ArrowFunction | ts.FunctionExpression, accept: (arg: ts.Expression) => boolean): boolean {
  const params = fn.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : '')).filter(Boolean);
  if (!ts.isBlock(fn.body)) {
    return (
      ts.isCallExpression(fn.body) &&
      params.includes(calleeMember(fn.body) ?? '') &&
      fn.body.arguments[0] !== undefined &&
      accept(fn.body.arguments[0])
    );
  }
  return fn.body.statements.some(
    (statement) =>
      ts.isExpressionStatement(statement) &&
      ts.isCallExpression(statement.expression) &&
      params.includes(calleeMember(statement.expression) ?? '') &&
      statement.expression.arguments[0] !== undefined &&
      accept(statement.expression.arguments[0]),
  );
}

function isLiteral(node: ts.Expression, kind: ts.SyntaxKind.TrueKeyword | ts.SyntaxKind.FalseKeyword): boolean {
  return node.kind === kind;
}

/** Scans one file's text. `path` is relative to the repository, with forward slashes. */
export function scanSource(path: string, text: string, scope: Scope): Finding[] {
  const kind = path.endsWith('.tsx')
    ? ts.ScriptKind.TSX
    : path.endsWith('.js') || path.endsWith('.cjs') || path.endsWith('.mjs')
      ? ts.ScriptKind.JS
      : ts.ScriptKind.TS;
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const findings: Finding[] = [];
  const report = (rule: RuleId, node: ts.Node, message: string): void => {
    findings.push({ rule, file: path, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, message });
  };

  const visit = (node: ts.Node): void => {
    // --- both scopes -------------------------------------------------------------------------
    if (ts.isPropertyAssignment(node)) {
      const name = propertyName(node.name);
      if (name !== null && MUST_NOT_BE_TRUE.has(name) && !isLiteral(node.initializer, ts.SyntaxKind.FalseKeyword)) {
        report('web-preferences', node, `${name} must be false (found ${node.initializer.getText(source)})`);
      }
      if (name !== null && MUST_NOT_BE_FALSE.has(name) && !isLiteral(node.initializer, ts.SyntaxKind.TrueKeyword)) {
        report('web-preferences', node, `${name} must be true (found ${node.initializer.getText(source)})`);
      }
      if (name !== null && FORBIDDEN_KEYS.has(name))
        report('web-preferences', node, `${name} turns on Blink features the app has not reviewed`);
    }
    if (ts.isShorthandPropertyAssignment(node)) {
      const name = node.name.text;
      if (MUST_NOT_BE_TRUE.has(name) || MUST_NOT_BE_FALSE.has(name) || FORBIDDEN_KEYS.has(name)) {
        report('web-preferences', node, `${name} must be a literal, not a variable`);
      }
    }

    if (ts.isNewExpression(node) && calleeMember(node) === 'BrowserWindow') checkBrowserWindow(node);

    if (ts.isCallExpression(node)) {
      const member = calleeMember(node);
      const chain = dottedName(node.expression);

      if (member === 'openExternal' && path !== EXTERNAL_LINKS_MODULE) {
        report(
          'open-external',
          node,
          `openExternal outside ${EXTERNAL_LINKS_MODULE}: register the link and open it through the window-open handler`,
        );
      }

      if (chain !== null && chain.length >= 2 && chain[chain.length - 2] === 'ipcMain' && IPC_REGISTRATIONS.has(member ?? '')) {
        const handler = node.arguments[1];
        if (handler === undefined || !isFunctionLike(handler)) {
          report('ipc-sender-check', node, `ipcMain.${member} needs an inline handler that calls isTrustedSender(event, …) first`);
        } else if (!callsSenderCheck(handler)) {
          report(
            'ipc-sender-check',
            node,
            `ipcMain.${member}(${node.arguments[0]?.getText(source) ?? ''}) never calls isTrustedSender/checkSender`,
          );
        }
      }

      if ((member === 'appendSwitch' || member === 'appendArgument') && chain !== null && chain.includes('commandLine')) {
        const value = stringValue(node.arguments[0]);
        const name = value?.replace(/^-+/, '').split('=')[0]?.toLowerCase() ?? null;
        if (name === null) report('insecure-switch', node, `commandLine.${member} with a computed switch cannot be checked: use a literal`);
        else if (INSECURE_SWITCHES.has(name)) report('insecure-switch', node, `the "${name}" switch turns a protection off`);
      }

      if (member === 'setCertificateVerifyProc') {
        const proc = node.arguments[0];
        if (
          proc !== undefined &&
          isFunctionLike(proc) &&
          unconditionalAccept(proc, (arg) => ts.isNumericLiteral(arg) && arg.text === '0')
        ) {
          report('certificate-bypass', node, 'setCertificateVerifyProc accepts every certificate (callback(0) unconditionally)');
        }
      }
      if ((member === 'on' || member === 'once') && stringValue(node.arguments[0]) === 'certificate-error') {
        const handler = node.arguments[1];
        if (
          handler !== undefined &&
          isFunctionLike(handler) &&
          unconditionalAccept(handler, (arg) => arg.kind === ts.SyntaxKind.TrueKeyword)
        ) {
          report(
            'certificate-bypass',
            node,
            "a 'certificate-error' handler that trusts every certificate (callback(true) unconditionally)",
          );
        }
      }
    }

    // --- renderer only -----------------------------------------------------------------------
    if (scope === 'renderer') checkRenderer(node);

    ts.forEachChild(node, visit);
  };

  const checkBrowserWindow = (node: ts.NewExpression): void => {
    const options = node.arguments?.[0];
    const prefs =
      options !== undefined && ts.isObjectLiteralExpression(options)
        ? options.properties.find(
            (p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propertyName(p.name) === 'webPreferences',
          )
        : undefined;
    if (prefs === undefined || !ts.isObjectLiteralExpression(prefs.initializer)) {
      report('browser-window-explicit', node, 'new BrowserWindow needs a literal options object with a literal webPreferences');
      return;
    }
    for (const key of ['contextIsolation', 'sandbox']) {
      const set = prefs.initializer.properties.some(
        (p) => ts.isPropertyAssignment(p) && propertyName(p.name) === key && p.initializer.kind === ts.SyntaxKind.TrueKeyword,
      );
      if (!set) report('browser-window-explicit', node, `webPreferences must set ${key}: true explicitly`);
    }
  };

  const checkRenderer = (node: ts.Node): void => {
    if (ts.isJsxAttribute(node) && ts.isIdentifier(node.name) && node.name.text === 'dangerouslySetInnerHTML') {
      report('html-injection', node, 'dangerouslySetInnerHTML renders a string as HTML; render text or elements');
    }
    if (ts.isPropertyAssignment(node) && propertyName(node.name) === 'dangerouslySetInnerHTML') {
      report('html-injection', node, 'dangerouslySetInnerHTML renders a string as HTML; render text or elements');
    }
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      node.operatorToken.kind <= ts.SyntaxKind.LastAssignment
    ) {
      const left = node.left;
      const name = ts.isPropertyAccessExpression(left)
        ? left.name.text
        : ts.isElementAccessExpression(left)
          ? stringValue(left.argumentExpression)
          : null;
      if (name === 'innerHTML' || name === 'outerHTML')
        report('html-injection', node, `assigning ${name} parses a string as HTML; set textContent or build elements`);
    }
    if (ts.isCallExpression(node)) {
      const member = calleeMember(node);
      const chain = dottedName(node.expression);
      if (member === 'insertAdjacentHTML' || member === 'createContextualFragment' || member === 'parseFromString') {
        report('html-injection', node, `${member} parses a string as HTML`);
      }
      if ((member === 'write' || member === 'writeln') && chain !== null && chain[chain.length - 2] === 'document') {
        report('html-injection', node, `document.${member} writes a string as HTML`);
      }
      if (
        member === 'eval' &&
        (ts.isIdentifier(node.expression) || (chain !== null && ['window', 'globalThis', 'self'].includes(chain[0]!)))
      ) {
        report('code-from-string', node, 'eval runs a string as code');
      }
      if (member === 'Function' && ts.isIdentifier(node.expression))
        report('code-from-string', node, 'Function(...) compiles a string as code');
      if ((member === 'setTimeout' || member === 'setInterval' || member === 'setImmediate') && node.arguments[0] !== undefined) {
        const first = node.arguments[0];
        if (
          ts.isStringLiteralLike(first) ||
          ts.isTemplateExpression(first) ||
          (ts.isBinaryExpression(first) && first.operatorToken.kind === ts.SyntaxKind.PlusToken)
        ) {
          report('code-from-string', node, `${member} with a string runs it as code; pass a function`);
        }
      }
    }
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Function') {
      report('code-from-string', node, 'new Function compiles a string as code');
    }
    if (
      ts.isStringLiteralLike(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node) ||
      ts.isJsxText(node)
    ) {
      const text = node.text;
      const match = REMOTE.exec(text);
      if (match !== null) {
        for (const url of text.match(/\b(?:http|ws):\/\/[^\s'"`]+/gi) ?? []) {
          if (!LOOPBACK.test(url)) {
            report('remote-url', node, `remote URL ${url}: the renderer talks to the engine only, and never over plain http/ws`);
            break;
          }
        }
      }
    }
  };

  visit(source);
  return findings;
}

/** The guards that must exist somewhere in electron/ (checked over all its files together). */
export function checkRequiredGuards(files: readonly { readonly path: string; readonly text: string }[]): Finding[] {
  const seen = { permission: false, navigate: false, windowOpen: false };
  for (const { path, text } of files) {
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const member = calleeMember(node);
        if (member === 'setPermissionRequestHandler' && node.arguments.length > 0 && node.arguments[0]!.kind !== ts.SyntaxKind.NullKeyword)
          seen.permission = true;
        if (member === 'setWindowOpenHandler' && node.arguments.length > 0) seen.windowOpen = true;
        if ((member === 'on' || member === 'once' || member === 'addListener') && stringValue(node.arguments[0]) === 'will-navigate')
          seen.navigate = true;
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  const missing: Finding[] = [];
  const add = (what: string): void => {
    missing.push({ rule: 'required-guards', file: 'electron/', line: 0, message: `no ${what} anywhere in electron/` });
  };
  if (!seen.permission) add('session.setPermissionRequestHandler(…)');
  if (!seen.navigate) add("contents.on('will-navigate', …) guard");
  if (!seen.windowOpen) add('contents.setWindowOpenHandler(…)');
  return missing;
}
