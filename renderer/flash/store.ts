/**
 * The Flash feature's state: the three steps (what → where → confirm) and every job the laptop
 * knows, kept outside any component so jobs keep running — and their progress keeps arriving —
 * while the technician is in another view.
 *
 * Only flash-service.ts writes here; components read through hooks.
 */
import { create } from 'zustand';
import type { BundleTargetCheck, FlashPlan } from '../../core/api/schemas.js';
import type { UiError } from '../services/ui-error.js';
import { NO_JOBS, type JobsState } from './job-state.js';
import { EMPTY_SELECTION, type Load, type Selection } from './selection.js';

export type WizardStep = 'what' | 'where' | 'confirm' | 'go';
export const WIZARD_STEPS: readonly WizardStep[] = ['what', 'where', 'confirm', 'go'];

/** Whether this build's engine runs flash jobs; learnt from `flash.list` when the link opens. */
export type EngineState =
  | { readonly status: 'unknown' }
  | { readonly status: 'available' }
  | { readonly status: 'unavailable'; readonly error: UiError }
  | { readonly status: 'error'; readonly error: UiError };

export interface FlashState {
  readonly step: WizardStep;
  readonly bundleId: string | null;
  /** The chosen bundle judged per gateway (device id → result). */
  readonly checks: ReadonlyMap<string, Load<BundleTargetCheck>>;
  readonly selection: Selection;
  /** The engine's last look before starting (confirm step); idle when the engine has no planner. */
  readonly plan: Load<FlashPlan>;
  readonly start: Load<string>;
  /** The job shown in the Progress step. */
  readonly viewJobId: string | null;
  readonly jobs: JobsState;
  /** The outcome of the last cancel or retry per target (`jobId:deviceId`, or `jobId:*` for all). */
  readonly actions: ReadonlyMap<string, Load<true>>;
  readonly engine: EngineState;
}

export const useFlashStore = create<FlashState>()(() => ({
  step: 'what',
  bundleId: null,
  checks: new Map(),
  selection: EMPTY_SELECTION,
  plan: { status: 'idle' },
  start: { status: 'idle' },
  viewJobId: null,
  jobs: NO_JOBS,
  actions: new Map(),
  engine: { status: 'unknown' },
}));

const set = useFlashStore.setState;

export const flashActions = {
  step: (step: WizardStep): void => set({ step }),
  chooseBundle: (bundleId: string): void =>
    set({ bundleId, step: 'where', checks: new Map(), selection: EMPTY_SELECTION, plan: { status: 'idle' }, start: { status: 'idle' } }),
  /** A result for a bundle the technician has since switched away from is dropped. */
  check: (bundleId: string, deviceId: string, load: Load<BundleTargetCheck>): void =>
    set((s) => (s.bundleId === bundleId ? { checks: new Map(s.checks).set(deviceId, load) } : {})),
  selection: (selection: Selection): void => set({ selection, plan: { status: 'idle' } }),
  plan: (plan: Load<FlashPlan>): void => set({ plan }),
  start: (start: Load<string>): void => set({ start }),
  viewJob: (viewJobId: string): void => set({ viewJobId, step: 'go' }),
  jobs: (update: (jobs: JobsState) => JobsState): void => set((s) => ({ jobs: update(s.jobs) })),
  action: (key: string, load: Load<true>): void => set((s) => ({ actions: new Map(s.actions).set(key, load) })),
  engine: (engine: EngineState): void => set({ engine }),
  /** A new flash starts clean; the jobs (and the one running) stay. */
  reset: (): void =>
    set({
      step: 'what',
      bundleId: null,
      checks: new Map(),
      selection: EMPTY_SELECTION,
      plan: { status: 'idle' },
      start: { status: 'idle' },
    }),
};
