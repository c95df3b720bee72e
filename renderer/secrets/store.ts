/**
 * Whether the engine's keys are locked (passphrase mode) and what the unlock screen shows.
 */
import { create } from 'zustand';
import type { KeyStatus } from '../../core/api/schemas.js';
import type { UiError } from '../services/ui-error.js';

export interface SecretsState {
  /** null until the engine answered (or when it has no secrets API: nothing to unlock). */
  readonly status: KeyStatus | null;
  /** False until the first answer (or failure), so nothing behind the gate flashes first. */
  readonly checked: boolean;
  readonly busy: boolean;
  readonly error: UiError | null;
}

export const useSecretsStore = create<SecretsState>()(() => ({ status: null, checked: false, busy: false, error: null }));

const set = useSecretsStore.setState;

export const secretsActions = {
  loaded: (status: KeyStatus | null): void => set({ status, checked: true }),
  working: (): void => set({ busy: true, error: null }),
  opened: (status: KeyStatus): void => set({ status, busy: false, error: null }),
  failed: (error: UiError): void => set({ busy: false, error }),
};
