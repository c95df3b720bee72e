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
  /** Date.now() when `status` was answered: its retryAfterMs counts from there. */
  readonly answeredAt: number;
  /** The change-passphrase form in settings. Passphrases themselves never enter the store. */
  readonly change: ChangeState;
}

export interface ChangeState {
  readonly busy: boolean;
  readonly error: UiError | null;
  /** True after the last change succeeded, until the next one is sent. */
  readonly done: boolean;
}

const IDLE_CHANGE: ChangeState = { busy: false, error: null, done: false };

export const useSecretsStore = create<SecretsState>()(() => ({
  status: null,
  checked: false,
  busy: false,
  error: null,
  answeredAt: 0,
  change: IDLE_CHANGE,
}));

const set = useSecretsStore.setState;

export const secretsActions = {
  loaded: (status: KeyStatus | null): void => set({ status, checked: true, answeredAt: Date.now() }),
  working: (): void => set({ busy: true, error: null }),
  opened: (status: KeyStatus): void => set({ status, busy: false, error: null, answeredAt: Date.now() }),
  failed: (error: UiError): void => set({ busy: false, error }),
  changing: (): void => set({ change: { busy: true, error: null, done: false } }),
  changed: (status: KeyStatus): void => set({ status, answeredAt: Date.now(), change: { busy: false, error: null, done: true } }),
  changeFailed: (error: UiError): void => set({ change: { busy: false, error, done: false } }),
};
