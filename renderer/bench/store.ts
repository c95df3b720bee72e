/**
 * The Benchmark feature's state: the chosen gateway and model, the settings, the run in flight
 * (kept outside any component so its progress keeps arriving in another view), the result shown,
 * the device's previous runs, the diagnosis.
 *
 * Only bench-service.ts writes here; components read through hooks.
 */
import { create } from 'zustand';
import type { BenchRun, BenchRunDetail, DiagnosisRecord } from '../../core/api/schemas.js';
import type { UiError } from '../services/ui-error.js';

export type Load<T> =
  | { readonly status: 'idle' }
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly value: T }
  | { readonly status: 'error'; readonly error: UiError };

export interface RunProgress {
  readonly done: number;
  readonly total: number | null;
}

export interface BenchState {
  readonly deviceId: string | null;
  /** `name@version` of the chosen installed model. */
  readonly modelKey: string | null;
  readonly warmup: string;
  readonly iterations: string;
  readonly threads: string;
  /** The run started from this window, per gateway; progress matched by deviceId. */
  readonly running: Load<true>;
  readonly progress: RunProgress | null;
  /** The run on screen: just measured, or loaded from the list. */
  readonly shown: Load<BenchRunDetail>;
  readonly history: Load<readonly BenchRun[]>;
  readonly diagnosis: Load<DiagnosisRecord>;
}

const INITIAL: BenchState = {
  deviceId: null,
  modelKey: null,
  warmup: '10',
  iterations: '200',
  threads: 'auto',
  running: { status: 'idle' },
  progress: null,
  shown: { status: 'idle' },
  history: { status: 'idle' },
  diagnosis: { status: 'idle' },
};

export const useBenchStore = create<BenchState>()(() => INITIAL);

const set = useBenchStore.setState;

export const benchActions = {
  chooseDevice: (deviceId: string | null): void =>
    set((s) =>
      s.deviceId === deviceId
        ? {}
        : { deviceId, modelKey: null, shown: { status: 'idle' }, history: { status: 'idle' }, diagnosis: { status: 'idle' } },
    ),
  chooseModel: (modelKey: string | null): void => set({ modelKey, diagnosis: { status: 'idle' } }),
  settings: (patch: Partial<Pick<BenchState, 'warmup' | 'iterations' | 'threads'>>): void => set(patch),
  running: (running: Load<true>): void => set(running.status === 'loading' ? { running, progress: null } : { running }),
  progress: (progress: RunProgress): void => set({ progress }),
  shown: (shown: Load<BenchRunDetail>): void => set({ shown }),
  history: (history: Load<readonly BenchRun[]>): void => set({ history }),
  diagnosis: (diagnosis: Load<DiagnosisRecord>): void => set({ diagnosis }),
};
