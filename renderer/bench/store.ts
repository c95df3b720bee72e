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
import type { RunMode } from './selection.js';

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
  /** A count of iterations, or "run for N seconds". */
  readonly mode: RunMode;
  readonly durationS: string;
  /** '' for the gateway's default provider (cpu). */
  readonly provider: string;
  readonly profile: boolean;
  /** The library bundle the next diagnosis compares with; null: the default (referenceBundles). */
  readonly diagnoseBundleId: string | null;
  /** Library bundle id → its model file's SHA-256 (null: none), read from bundles.get. */
  readonly bundleModelShas: Readonly<Record<string, string | null>>;
  /** Every stored run, every gateway (bench.list), for the comparison picker. */
  readonly allRuns: Load<readonly BenchRun[]>;
  /** The runs chosen for comparison, in the order chosen: the first is the reference. */
  readonly compareIds: readonly string[];
  /** Samples of the chosen runs (bench.get), by run id, for the overlaid CDF. */
  readonly compareSamples: Readonly<Record<string, Load<readonly number[]>>>;
  /** The run started from this window, per gateway; progress matched by deviceId. */
  readonly running: Load<true>;
  readonly progress: RunProgress | null;
  /** The run on screen: just measured, or loaded from the list. */
  readonly shown: Load<BenchRunDetail>;
  readonly history: Load<readonly BenchRun[]>;
  readonly diagnosis: Load<DiagnosisRecord>;
  /** The gateway's previous diagnoses, newest first. */
  readonly diagnoses: Load<readonly DiagnosisRecord[]>;
  /** A cancel asked for the run in flight (reset when a run starts). */
  readonly cancel: Load<true>;
  /** Export or print of the shown run's report. */
  readonly exporting: Load<true>;
}

const INITIAL: BenchState = {
  deviceId: null,
  modelKey: null,
  warmup: '10',
  iterations: '200',
  threads: 'auto',
  mode: 'iterations',
  durationS: '10',
  provider: '',
  profile: false,
  diagnoseBundleId: null,
  bundleModelShas: {},
  allRuns: { status: 'idle' },
  compareIds: [],
  compareSamples: {},
  running: { status: 'idle' },
  progress: null,
  shown: { status: 'idle' },
  history: { status: 'idle' },
  diagnosis: { status: 'idle' },
  diagnoses: { status: 'idle' },
  cancel: { status: 'idle' },
  exporting: { status: 'idle' },
};

export const useBenchStore = create<BenchState>()(() => INITIAL);

const set = useBenchStore.setState;

export const benchActions = {
  chooseDevice: (deviceId: string | null): void =>
    set((s) =>
      s.deviceId === deviceId
        ? {}
        : {
            deviceId,
            modelKey: null,
            shown: { status: 'idle' },
            history: { status: 'idle' },
            diagnosis: { status: 'idle' },
            diagnoses: { status: 'idle' },
            provider: '',
            diagnoseBundleId: null,
          },
    ),
  chooseModel: (modelKey: string | null): void => set({ modelKey, diagnosis: { status: 'idle' }, diagnoseBundleId: null }),
  settings: (patch: Partial<Pick<BenchState, 'warmup' | 'iterations' | 'threads' | 'mode' | 'durationS' | 'provider' | 'profile'>>): void =>
    set(patch),
  diagnoseBundle: (diagnoseBundleId: string | null): void => set({ diagnoseBundleId }),
  bundleModelSha: (id: string, sha: string | null): void => set((s) => ({ bundleModelShas: { ...s.bundleModelShas, [id]: sha } })),
  allRuns: (allRuns: Load<readonly BenchRun[]>): void => set({ allRuns }),
  compareIds: (compareIds: readonly string[]): void => set({ compareIds }),
  compareSamples: (id: string, load: Load<readonly number[]>): void =>
    set((s) => ({ compareSamples: { ...s.compareSamples, [id]: load } })),
  running: (running: Load<true>): void =>
    set(running.status === 'loading' ? { running, progress: null, cancel: { status: 'idle' } } : { running }),
  progress: (progress: RunProgress): void => set({ progress }),
  shown: (shown: Load<BenchRunDetail>): void => set({ shown }),
  history: (history: Load<readonly BenchRun[]>): void => set({ history }),
  diagnosis: (diagnosis: Load<DiagnosisRecord>): void => set({ diagnosis }),
  diagnoses: (diagnoses: Load<readonly DiagnosisRecord[]>): void => set({ diagnoses }),
  cancel: (cancel: Load<true>): void => set({ cancel }),
  exporting: (exporting: Load<true>): void => set({ exporting }),
};
