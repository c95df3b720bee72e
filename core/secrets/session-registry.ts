/**
 * The key session of each data folder in this process. A folder has one set of keys, so one
 * session: the host that opens it (Electron's engine process, `fieldline serve`, the CLI)
 * registers it, and the stores that need a key (profile-store.ts, audit-key.ts `keyVaultFor`)
 * find it by folder rather than having it threaded through every constructor.
 */
import { resolve } from 'node:path';
import type { KeySession } from './key-session.js';

const sessions = new Map<string, KeySession>();

export function registerKeySession(session: KeySession): () => void {
  const id = resolve(session.dataDir);
  sessions.set(id, session);
  return () => {
    if (sessions.get(id) === session) sessions.delete(id);
  };
}

export function keySessionFor(dataDir: string): KeySession | null {
  return sessions.get(resolve(dataDir)) ?? null;
}
