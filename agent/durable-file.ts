/**
 * Files that must survive a power cut: write a temporary file, fsync it, rename it over the old
 * one, fsync the directory. A reader then sees the old content or the new, never half of either.
 */
import { open, rename } from 'node:fs/promises';
import path from 'node:path';

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function tmpPathFor(file: string): string {
  return `${file}.tmp`;
}

/** Step one of a durable write: the temporary file, complete and on disk. */
export async function writeTmpSynced(file: string, content: string | Uint8Array): Promise<string> {
  const tmp = tmpPathFor(file);
  const handle = await open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return tmp;
}

/** Step two: the rename that makes it the file, and the directory entry on disk. */
export async function commitTmp(file: string): Promise<void> {
  await rename(tmpPathFor(file), file);
  await fsyncDir(path.dirname(file));
}

export async function writeDurable(file: string, content: string | Uint8Array): Promise<void> {
  await writeTmpSynced(file, content);
  await commitTmp(file);
}
