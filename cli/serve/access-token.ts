/**
 * The web host's access token: in the first URL, then in an HttpOnly cookie.
 *
 * Anything on this machine can reach a loopback port — other users, other programs, any web
 * page through the browser — so every request must prove it came from the link we printed.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Cookies are scoped by host, not port: two hosts on 127.0.0.1 must not overwrite each
 * other's cookie, so the port is part of the name.
 */
export function cookieName(port: number): string {
  return `fieldline_token_${port}`;
}

export function tokenCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison; hashing first makes the lengths equal. */
export function tokenMatches(expected: string, given: string | undefined | null): boolean {
  if (given === undefined || given === null || given.length === 0) return false;
  return timingSafeEqual(digest(expected), digest(given));
}

export function cookieValue(request: IncomingMessage, name: string): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export type TokenCheck =
  /** The token came in the query string: the page should be redirected to drop it. */
  | { readonly ok: true; readonly via: 'query' }
  | { readonly ok: true; readonly via: 'cookie' }
  | { readonly ok: false; readonly reason: 'missing' | 'wrong' };

export function checkToken(request: IncomingMessage, url: URL, token: string, port: number): TokenCheck {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery !== null) return tokenMatches(token, fromQuery) ? { ok: true, via: 'query' } : { ok: false, reason: 'wrong' };
  const fromCookie = cookieValue(request, cookieName(port));
  if (fromCookie === undefined) return { ok: false, reason: 'missing' };
  return tokenMatches(token, fromCookie) ? { ok: true, via: 'cookie' } : { ok: false, reason: 'wrong' };
}

export function unauthorisedText(reason: 'missing' | 'wrong'): string {
  const what =
    reason === 'missing'
      ? 'This Fieldline server only answers requests that carry its access token.'
      : 'The access token in this request is not the one this Fieldline server was started with (the token changes every time `fieldline serve` starts).';
  return `${what}\nOpen the full link that \`fieldline serve\` printed in its terminal: it ends in ?token=…\n`;
}
