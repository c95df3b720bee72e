/**
 * Loaded onnxruntime sessions for `infer`, so that diagnostics sending twenty golden inputs load
 * the model once rather than twenty times (10–30 ms each). Keyed by the model file's SHA-256: a
 * model replaced by an install has another hash, and entries whose hash the model store no
 * longer lists are released at the next call. A few entries, least recently used out first;
 * all released when the agent shuts down or reboots.
 *
 * What runs stays what was verified: an entry remembers the file's size, inode and mtime when
 * its bytes were hashed, and a file that changed since is read and hashed again (and refused
 * when it no longer matches), as on the first call.
 */
import { stat } from 'node:fs/promises';
import type { LoadedModel } from '../../core/bench/onnx/onnx-session.js';
import type { LocatedModel } from './installed-model.js';

export const MAX_CACHED_SESSIONS = 3;

interface Entry {
  readonly loaded: LoadedModel;
  readonly fileKey: string;
}

export interface SessionCacheStats {
  /** Sessions created (model loads) since the agent started. */
  readonly loads: number;
  /** Calls answered with a session already loaded. */
  readonly hits: number;
  /** SHA-256 of each model held now, least recently used first. */
  readonly models: readonly string[];
}

async function fileKey(file: string): Promise<string> {
  const s = await stat(file);
  return `${s.size}:${s.ino}:${s.mtimeMs}`;
}

export class InferSessionCache {
  private readonly entries = new Map<string, Entry>();
  private loads = 0;
  private hits = 0;

  /** The session for a located model: the cached one while its file is unchanged, else `load()`. */
  async session(located: LocatedModel, load: () => Promise<LoadedModel>): Promise<LoadedModel> {
    await this.retain(located.installed);
    const sha = located.entry.sha256;
    const key = await fileKey(located.file).catch(() => 'missing');
    const cached = this.entries.get(sha);
    if (cached && cached.fileKey === key) {
      // Map order is use order: move it to the end.
      this.entries.delete(sha);
      this.entries.set(sha, cached);
      this.hits++;
      return cached.loaded;
    }
    if (cached) await this.drop(sha);
    const loaded = await load();
    this.loads++;
    this.entries.set(sha, { loaded, fileKey: key });
    while (this.entries.size > MAX_CACHED_SESSIONS) await this.drop(this.entries.keys().next().value!);
    return loaded;
  }

  /** Releases the sessions of models the store no longer lists (removed, or replaced by an install). */
  async retain(installed: ReadonlySet<string>): Promise<void> {
    for (const sha of [...this.entries.keys()]) if (!installed.has(sha)) await this.drop(sha);
  }

  async close(): Promise<void> {
    for (const sha of [...this.entries.keys()]) await this.drop(sha);
  }

  stats(): SessionCacheStats {
    return { loads: this.loads, hits: this.hits, models: [...this.entries.keys()] };
  }

  private async drop(sha: string): Promise<void> {
    const entry = this.entries.get(sha);
    this.entries.delete(sha);
    await entry?.loaded.session.release().catch(() => undefined);
  }
}

/** One cache per agent, by its state directory (an emulated fleet runs several agents in one process). */
const caches = new Map<string, InferSessionCache>();

export function inferSessions(stateDir: string): InferSessionCache {
  let cache = caches.get(stateDir);
  if (!cache) {
    cache = new InferSessionCache();
    caches.set(stateDir, cache);
  }
  return cache;
}

/** What the cache holds and has done, for tests and diagnostics of the agent itself. */
export function inferSessionStats(stateDir: string): SessionCacheStats {
  return caches.get(stateDir)?.stats() ?? { loads: 0, hits: 0, models: [] };
}

/** Releases every cached session of an agent (shutdown, reboot). */
export async function closeInferSessions(stateDir: string): Promise<void> {
  const cache = caches.get(stateDir);
  caches.delete(stateDir);
  await cache?.close();
}
