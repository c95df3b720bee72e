/**
 * The `app://fieldline/` scheme that serves the built renderer to the window.
 *
 * A custom scheme instead of file:// gives the page a real origin (so CSP 'self' means exactly
 * our files), lets the navigation guard recognise our own URLs, and confines reads to the
 * renderer folder: no page can ask for an arbitrary file on disk.
 */
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { contentType } from '../core/content-types.js';
import { APP_HOST, APP_SCHEME, resolveAppFile } from './app-url.js';
import { CONTENT_SECURITY_POLICY } from './content-policy.js';

// The pure half lives in app-url.ts so tests (and the policies) can use it without Electron.
export { APP_ENTRY_URL, APP_HOST, APP_ORIGIN, APP_SCHEME, isAppUrl, resolveAppFile } from './app-url.js';

/** Must run before the app is ready: privileges cannot be granted afterwards. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

export function serveAppScheme(rootDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return textResponse(404, `unknown app host "${url.host}"`);
    if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, `${request.method} is not allowed`);
    const file = resolveAppFile(rootDir, url.pathname);
    if (file === null) return textResponse(404, 'not found');
    try {
      const body = await readFile(file);
      return new Response(request.method === 'HEAD' ? null : body, {
        status: 200,
        headers: {
          'content-type': contentType(file),
          // The policy rides on each response: session.webRequest hooks are not guaranteed to see
          // responses of a custom scheme handled in this process.
          'content-security-policy': CONTENT_SECURITY_POLICY,
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-cache',
        },
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ENOENT' || code === 'EISDIR' ? textResponse(404, 'not found') : textResponse(500, `cannot read ${url.pathname}`);
    }
  });
}
