/**
 * This package's root and version, found the same way from sources and from dist/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | null | undefined;

export function packageRoot(from: string = import.meta.dirname): string | null {
  if (root !== undefined) return root;
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'fieldline') return (root = dir);
      } catch {
        // an unreadable package.json on the way up is not ours
      }
    }
    if (dirname(dir) === dir) return (root = null);
  }
}

export function packageVersion(): string {
  const dir = packageRoot();
  if (!dir) return '0.0.0';
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
}
