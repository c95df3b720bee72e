/**
 * What the status bar shows that no feature owns: the link to the engine and the network.
 */
import { create } from 'zustand';
import type { EngineStatus } from '../../core/api/schemas.js';
import type { LinkStatus } from '../services/link-status.js';

export interface StatusState {
  readonly link: LinkStatus;
  readonly host: 'electron' | 'web';
  /** The browser's view of connectivity; offline is a normal state in the field, not an error. */
  readonly networkOnline: boolean;
  /** Desktop only: the engine process as the shell reports it; null until it reports anything. */
  readonly engine: EngineStatus | null;
}

export const useStatusStore = create<StatusState>()(() => ({
  link: { state: 'connecting', failures: 0 },
  host: 'web',
  networkOnline: true,
  engine: null,
}));
