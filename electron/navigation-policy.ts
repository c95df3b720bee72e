/**
 * Where a web contents may go: pure decisions for `will-navigate`, `will-redirect`,
 * `will-frame-navigate` and `setWindowOpenHandler`, tested with hostile URLs in
 * test/unit/electron-navigation-policy.test.ts.
 *
 * Every decision parses the URL and compares whole origins (scheme, host, port) against an exact
 * allowlist. Prefix checks are how `https://docs.example.com.attacker.test` and
 * `https://docs.example.com@attacker.test` get through; nothing here uses them.
 */
import { APP_HOST, APP_SCHEME, parseStrictUrl } from './app-url.js';
import type { ExternalLinks } from './external-links.js';

/** One origin the app may show in its own windows. */
export interface AllowedOrigin {
  /** With the colon, lower case: `app:`, `https:`. */
  readonly protocol: string;
  /** Host as the URL parser normalises it (punycode for IDN, lower case for special schemes). */
  readonly host: string;
  /** '' for the scheme's default port. */
  readonly port: string;
}

/** The app's own pages and nothing else. */
export const APP_ORIGINS: readonly AllowedOrigin[] = [{ protocol: `${APP_SCHEME}:`, host: APP_HOST, port: '' }];

export type Decision = { readonly allow: true } | { readonly allow: false; readonly reason: string };

const ALLOW: Decision = { allow: true };
const deny = (reason: string): Decision => ({ allow: false, reason });

/** Whether `url` lies on one of `origins`, and if not, why. */
export function checkOrigin(url: string, origins: readonly AllowedOrigin[]): Decision {
  const parsed = parseStrictUrl(url);
  if (parsed === null) return deny('not a well-formed URL (or it hides whitespace or control characters)');
  if (parsed.username !== '' || parsed.password !== '') return deny('URLs with a user name or password are never followed');
  const match = origins.some(
    (origin) => origin.protocol === parsed.protocol && origin.host === parsed.hostname && origin.port === parsed.port,
  );
  return match ? ALLOW : deny(`${parsed.protocol}//${parsed.host} is not one of the app's own origins`);
}

/** `will-navigate`, `will-redirect`, `will-frame-navigate`: only the app's own pages. */
export function decideNavigation(url: string, origins: readonly AllowedOrigin[] = APP_ORIGINS): Decision {
  return checkOrigin(url, origins);
}

export type WindowOpenDecision =
  | { readonly action: 'deny'; readonly openExternal: null; readonly reason: string }
  /** No window either way; the URL goes to the system browser, exactly as registered. */
  | { readonly action: 'deny'; readonly openExternal: string; readonly reason: string };

/**
 * `setWindowOpenHandler`: the app never opens a second window. A link the app itself produced
 * (registered in `links`) is handed to the system browser; anything else is dropped.
 */
export function decideWindowOpen(url: string, links: ExternalLinks): WindowOpenDecision {
  const external = links.lookup(url);
  if (external !== null) return { action: 'deny', openExternal: external, reason: 'a registered https link: opened in the system browser' };
  return { action: 'deny', openExternal: null, reason: 'the app opens no windows, and this is not a link it produced' };
}
