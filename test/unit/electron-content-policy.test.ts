/**
 * One strict CSP: the policy Electron sends, the meta tag in renderer/index.html and the web
 * host's header agree, allow scripts from 'self' only, and name no remote origin.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentSecurityPolicy } from '../../cli/serve/security-headers.js';
import { CONTENT_SECURITY_POLICY, parseCsp } from '../../electron/content-policy.js';

const root = join(import.meta.dirname, '..', '..');

function metaPolicy(): string {
  const html = readFileSync(join(root, 'renderer', 'index.html'), 'utf8');
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
  assert.ok(meta, 'renderer/index.html has a Content-Security-Policy meta tag');
  return meta[1]!;
}

/** Sources that are not keywords, 'self', 'none', data: for images, or loopback WebSockets. */
function remoteSources(policy: string): string[] {
  const remote: string[] = [];
  for (const [directive, sources] of parseCsp(policy)) {
    for (const source of sources) {
      if (source === "'self'" || source === "'none'") continue;
      if (directive === 'img-src' && source === 'data:') continue;
      if (directive === 'connect-src' && /^ws:\/\/(127\.0\.0\.1|localhost):(\*|\d+)$/.test(source)) continue;
      remote.push(`${directive} ${source}`);
    }
  }
  return remote;
}

const POLICIES = {
  electron: CONTENT_SECURITY_POLICY,
  meta: metaPolicy(),
  'web host': contentSecurityPolicy('ws://127.0.0.1:4321'),
};

describe('content security policy', () => {
  for (const [name, policy] of Object.entries(POLICIES)) {
    test(`${name}: script-src 'self' only, no 'unsafe-*', no remote origin`, () => {
      const csp = parseCsp(policy);
      assert.deepEqual(csp.get('script-src'), ["'self'"]);
      assert.deepEqual(csp.get('default-src'), ["'self'"]);
      assert.deepEqual(csp.get('object-src'), ["'none'"]);
      assert.deepEqual(csp.get('base-uri'), ["'none'"]);
      assert.doesNotMatch(policy, /unsafe-|strict-dynamic|\*\.|https?:|wss:|blob:|filesystem:|'nonce-|'sha/i);
      assert.deepEqual(remoteSources(policy), []);
    });
  }

  test('Electron and the meta tag agree on every directive but the WebSocket allowance', () => {
    const electron = parseCsp(CONTENT_SECURITY_POLICY);
    const meta = parseCsp(POLICIES.meta);
    for (const [directive, sources] of meta) {
      const expected = directive === 'connect-src' ? sources.filter((s) => !s.startsWith('ws:')) : sources;
      assert.deepEqual(electron.get(directive), expected, directive);
    }
    // What Electron adds (headers can carry frame-ancestors; the meta tag cannot) only narrows.
    for (const directive of [...electron.keys()].filter((d) => !meta.has(d))) {
      assert.ok(['worker-src', 'frame-src', 'frame-ancestors'].includes(directive), directive);
      assert.ok(
        electron.get(directive)!.every((s) => s === "'self'" || s === "'none'"),
        directive,
      );
    }
  });

  test('the web host sends the meta policy with its exact WebSocket origin', () => {
    const web = parseCsp(POLICIES['web host']);
    for (const [directive, sources] of parseCsp(POLICIES.meta)) {
      const expected = directive === 'connect-src' ? ["'self'", 'ws://127.0.0.1:4321'] : sources;
      assert.deepEqual(web.get(directive), expected, directive);
    }
  });

  test('the remote-origin check itself fires on a bad policy', () => {
    assert.deepEqual(remoteSources("script-src 'self' https://cdn.example.com; connect-src 'self' ws://attacker.test:1"), [
      'script-src https://cdn.example.com',
      'connect-src ws://attacker.test:1',
    ]);
  });
});
