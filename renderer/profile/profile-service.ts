/**
 * The only code that talks to the engine about the technician profile.
 */
import { api } from '../services/api-client.js';
import { onEngineReady } from '../services/engine-ready.js';
import { toUiError } from '../services/ui-error.js';
import { profileActions } from './store.js';

async function load(): Promise<void> {
  try {
    profileActions.loaded(await api().profile.get({}));
  } catch (err) {
    profileActions.loadFailed(toUiError(err));
  }
}

export function startProfileSync(): () => void {
  return onEngineReady(() => void load());
}

export async function createProfile(name: string, organisation: string): Promise<void> {
  profileActions.creating();
  try {
    profileActions.created(await api().profile.create({ name, organisation }));
  } catch (err) {
    profileActions.createFailed(toUiError(err));
  }
}

export function finishFirstRun(): void {
  profileActions.acknowledged();
}

export function retryProfileLoad(): void {
  void load();
}
