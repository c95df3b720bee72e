/**
 * Serves the built renderer, and nothing outside its folder.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { contentType } from '../../core/content-types.js';

export type StaticLookup =
  | { readonly ok: true; readonly file: string; readonly size: number; readonly contentType: string }
  | { readonly ok: false; readonly status: 400 | 404; readonly reason: string };

function inside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * Maps a URL path to a file under `root` (an absolute, real path).
 *
 * Percent-decoding happens once, then the path is resolved and must still be inside the root;
 * the real path is checked again so a symlink cannot point outside either.
 */
export async function lookupStatic(root: string, urlPath: string): Promise<StaticLookup> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { ok: false, status: 400, reason: 'The path is not valid percent-encoding.' };
  }
  if (decoded.includes('\0') || decoded.includes('\\'))
    return { ok: false, status: 400, reason: 'The path contains characters that are not allowed.' };
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const resolved = path.resolve(root, relative);
  if (!inside(root, resolved)) return { ok: false, status: 404, reason: 'Not found.' };
  try {
    const real = await realpath(resolved);
    if (!inside(root, real)) return { ok: false, status: 404, reason: 'Not found.' };
    const info = await stat(real);
    if (!info.isFile()) return { ok: false, status: 404, reason: 'Not found.' };
    return { ok: true, file: real, size: info.size, contentType: contentType(real) };
  } catch {
    return { ok: false, status: 404, reason: 'Not found.' };
  }
}

export function openStatic(file: string): NodeJS.ReadableStream {
  return createReadStream(file);
}
