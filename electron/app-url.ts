/**
 * What an `app://fieldline/` URL is and which file it may name: pure, so that the navigation
 * policy, the IPC sender check and the protocol handler share one definition and tests can
 * exercise it without an Electron binary.
 */
import { resolve, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'fieldline';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Whitespace and control characters: the URL parser silently drops or trims them, so a URL carrying any is not the one it looks like. */
const INVISIBLE = /[\s\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/u;

/** Parses a URL given as a string, refusing anything the parser would have to clean up first. */
export function parseStrictUrl(url: string): URL | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > 8192 || INVISIBLE.test(url)) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True for URLs that belong to the app itself; everything else is foreign. */
export function isAppUrl(url: string): boolean {
  const parsed = parseStrictUrl(url);
  // Non-special schemes have an opaque `origin` ("null"), so compare each part that makes one.
  return (
    parsed !== null && parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === ''
  );
}

/** Maps a request path to a file strictly inside `rootDir`, or null. */
export function resolveAppFile(rootDir: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  // A NUL or a backslash never names one of our files; on Windows a backslash is a separator.
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const root = resolve(rootDir);
  const file = resolve(root, `.${decoded === '/' || decoded === '' ? '/index.html' : decoded}`);
  return file.startsWith(root + sep) ? file : null;
}
