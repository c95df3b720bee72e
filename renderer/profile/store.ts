/**
 * The technician profile: who is signing in to gateways from this laptop.
 */
import { create } from 'zustand';
import type { Profile } from '../../core/api/schemas.js';
import type { UiError } from '../services/ui-error.js';

export type ProfileStatus =
  | { readonly kind: 'loading' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'ready'; readonly profile: Profile }
  | { readonly kind: 'error'; readonly error: UiError };

export interface ProfileState {
  readonly status: ProfileStatus;
  readonly creating: boolean;
  readonly createError: UiError | null;
  /** Set on the run that created the key, so the first-run screen can show it before moving on. */
  readonly justCreated: boolean;
}

export const useProfileStore = create<ProfileState>()(() => ({
  status: { kind: 'loading' },
  creating: false,
  createError: null,
  justCreated: false,
}));

const set = useProfileStore.setState;

export const profileActions = {
  loaded: (profile: Profile | null): void =>
    set((s) => ({
      status: profile === null ? { kind: 'missing' } : { kind: 'ready', profile },
      // A reload after a reconnect must not skip the key the technician has not read yet.
      justCreated: s.justCreated && profile !== null,
    })),
  loadFailed: (error: UiError): void => set({ status: { kind: 'error', error } }),
  creating: (): void => set({ creating: true, createError: null }),
  created: (profile: Profile): void => set({ status: { kind: 'ready', profile }, creating: false, justCreated: true }),
  createFailed: (error: UiError): void => set({ creating: false, createError: error }),
  acknowledged: (): void => set({ justCreated: false }),
};
