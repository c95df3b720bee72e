/**
 * Paths inside a bundle: one strict rule set shared by the manifest schema and the tar reader.
 *
 * A path is relative, '/'-separated, without '.', '..' or empty segments, without control
 * characters or backslashes, so that extracting it can never land outside the target folder on
 * any operating system. Two paths that would become the same file on a case-insensitive or
 * normalising file system (macOS, Windows) collide.
 */
import type { BundleReason } from './reasons.js';

export const MAX_PATH_BYTES = 4096;
export const MAX_SEGMENT_BYTES = 255;

export interface PathProblem {
  readonly code: Extract<BundleReason, 'path_absolute' | 'path_traversal' | 'path_invalid'>;
  readonly message: string;
}

/** Why `path` may not appear in a bundle, or null when it may. */
export function checkBundlePath(path: string): PathProblem | null {
  const shown = JSON.stringify(path);
  if (path.length === 0) return { code: 'path_invalid', message: 'an entry has an empty name' };
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path))
    return {
      code: 'path_absolute',
      message: `the path ${shown} is absolute; bundle paths must be relative so nothing can be written outside the target folder`,
    };
  const segments = path.split('/');
  if (segments.includes('..'))
    return {
      code: 'path_traversal',
      message: `the path ${shown} contains "..", which could write outside the target folder`,
    };
  if (hasControlOrBackslash(path))
    return { code: 'path_invalid', message: `the path ${shown} contains a control character or a backslash` };
  if (segments.some((s) => s === '' || s === '.'))
    return { code: 'path_invalid', message: `the path ${shown} has an empty or "." segment` };
  if (Buffer.byteLength(path) > MAX_PATH_BYTES)
    return { code: 'path_invalid', message: `the path ${shown.slice(0, 80)}… is longer than ${MAX_PATH_BYTES} bytes` };
  if (segments.some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES))
    return { code: 'path_invalid', message: `a name in the path ${shown.slice(0, 80)} is longer than ${MAX_SEGMENT_BYTES} bytes` };
  if (/\p{Cs}/u.test(path)) return { code: 'path_invalid', message: `the path ${shown} is not valid Unicode` };
  return null;
}

/**
 * The key two names share when a normalising, case-insensitive file system would treat them as
 * one file: NFC, then full case folding (upper then lower turns "ß" into "ss" as folding does).
 */
export function collisionKey(path: string): string {
  return path.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

function hasControlOrBackslash(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}
