/**
 * The renderer's Content-Security-Policy, as one pure value both the app:// handler and the
 * session guard send, and that test/unit/electron-content-policy.test.ts compares with the meta
 * tag in renderer/index.html.
 *
 * It is the meta tag's policy minus the WebSocket allowance the web host needs (in Electron the
 * API travels over a MessagePort, not a socket) plus the directives a meta tag cannot carry.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A policy as directive name → its sources, in order; a repeated directive keeps the first (as browsers do). */
export function parseCsp(policy: string): ReadonlyMap<string, readonly string[]> {
  const directives = new Map<string, readonly string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/).filter(Boolean);
    if (name === undefined) continue;
    const key = name.toLowerCase();
    if (!directives.has(key)) directives.set(key, sources);
  }
  return directives;
}
