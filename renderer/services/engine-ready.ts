/**
 * "Ask the engine afresh": when the link to it (re)opens, when the desktop engine has restarted
 * after a crash, and when the keys open after a passphrase. Each feature service reloads its
 * lists then, because whatever it asked before was refused or is stale.
 */
import { api, apiConnection } from './api-client.js';

const local = new Set<() => void>();

export function onEngineReady(listener: () => void): () => void {
  const offLink = apiConnection().onLinkStatus((status) => {
    if (status.state === 'open') listener();
  });
  const offEngine = api().on('engine.status', (status) => {
    if (status.state === 'running') listener();
  });
  local.add(listener);
  return () => {
    offLink();
    offEngine();
    local.delete(listener);
  };
}

/** The keys just opened: every service reloads what was refused while they were locked. */
export function announceEngineReady(): void {
  for (const listener of [...local]) listener();
}
