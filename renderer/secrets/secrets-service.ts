/**
 * The only code that talks to the engine about the keys: status on every (re)connect, unlock,
 * first set-up and changing the passphrase. Once the keys open, every service loads again (they were refused while locked).
 */
import type { KeyStatus } from '../../core/api/schemas.js';
import { api, apiConnection } from '../services/api-client.js';
import { toUiError } from '../services/ui-error.js';
import { announceEngineReady } from '../services/engine-ready.js';
import { secretsActions, useSecretsStore } from './store.js';

async function load(): Promise<void> {
  try {
    secretsActions.loaded(await api().secrets.status({}));
  } catch {
    // An engine without the secrets API keeps its keys in files: nothing to unlock.
    secretsActions.loaded(null);
  }
}

export function startSecretsSync(): () => void {
  const stopLink = apiConnection().onLinkStatus((status) => {
    if (status.state === 'open') void load();
  });
  // A restarted desktop engine starts locked again.
  const stopEngine = api().on('engine.status', (status) => {
    if (status.state === 'running') void load();
  });
  return () => {
    stopLink();
    stopEngine();
  };
}

async function open(run: () => Promise<KeyStatus>): Promise<void> {
  secretsActions.working();
  try {
    const status = await run();
    secretsActions.opened(status);
    if (!status.locked) announceEngineReady();
  } catch (err) {
    secretsActions.failed(toUiError(err));
    // The wait after wrong tries is part of the status: show it.
    void load();
  }
}

export function unlock(passphrase: string): Promise<void> {
  return open(() => api().secrets.unlock({ passphrase }));
}

export function setUpPassphrase(next: string): Promise<void> {
  return open(() => api().secrets.setPassphrase({ next }));
}

/**
 * Reseals the keys with `next` once the engine has checked `current`. Resolves true when it did;
 * the passphrases are only passed through, never stored.
 */
export async function changePassphrase(current: string, next: string): Promise<boolean> {
  secretsActions.changing();
  try {
    secretsActions.changed(await api().secrets.setPassphrase({ current, next }));
    return true;
  } catch (err) {
    secretsActions.changeFailed(toUiError(err));
    // A wrong current passphrase counts as a wrong try: show the wait that follows.
    void load();
    return false;
  }
}

export function isLocked(): boolean {
  return useSecretsStore.getState().status?.locked === true;
}
