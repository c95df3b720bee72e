/**
 * Host and Origin checks for the web host.
 *
 * The token already keeps strangers out; these close the browser-specific holes around it:
 * DNS rebinding (a hostile name resolving to 127.0.0.1) and cross-site WebSocket hijacking
 * (a hostile page opening ws://127.0.0.1 with our cookie attached).
 */
import { isIP } from 'node:net';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackAddress(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** The host part of a Host header or an origin's authority, without the port. */
function hostnameOf(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end < 0 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon < 0 ? authority : authority.slice(0, colon);
}

function portOf(authority: string): string {
  const hostname = hostnameOf(authority);
  const rest = authority.slice(hostname.length);
  return rest.startsWith(':') ? rest.slice(1) : '80';
}

/**
 * When bound to loopback, only loopback names may appear in Host; on a wider bind (a
 * commissioning box serving a tablet) any name is accepted and the token does the work.
 */
export function hostAllowed(hostHeader: string | undefined, boundHost: string, port: number): boolean {
  if (hostHeader === undefined || hostHeader.length === 0) return false;
  if (portOf(hostHeader) !== String(port)) return false;
  if (!isLoopbackAddress(boundHost)) return true;
  const name = hostnameOf(hostHeader).toLowerCase();
  return LOOPBACK_NAMES.has(name) || isLoopbackAddress(name);
}

/**
 * A browser always sends Origin on a WebSocket handshake; it must be this very host. A missing
 * Origin means a non-browser client (a script, a test), which has to hold the token anyway.
 */
export function originAllowed(originHeader: string | undefined, hostHeader: string | undefined): boolean {
  if (originHeader === undefined) return true;
  if (hostHeader === undefined) return false;
  let origin: URL;
  try {
    origin = new URL(originHeader);
  } catch {
    return false;
  }
  if (origin.protocol !== 'http:' && origin.protocol !== 'https:') return false;
  return origin.host.toLowerCase() === hostHeader.toLowerCase();
}
