/**
 * The Bundles feature's state: the library, the trust store, the open bundle, imports in flight.
 *
 * Only bundles-service.ts writes here; components read through hooks.
 */
import { create } from 'zustand';
import type { BundleDetail, BundleSummary, BundleTargetCheck, TrustKey, TrustList } from '../../core/api/schemas.js';
import type { UiError } from '../services/ui-error.js';

export type Load<T> =
  | { readonly status: 'idle' }
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly value: T }
  | { readonly status: 'error'; readonly error: UiError };

/** One file being imported: uploaded (web), then verified by the engine. */
export interface ImportTask {
  readonly key: string;
  readonly fileName: string;
  readonly size: number;
  readonly sent: number;
  readonly phase: 'uploading' | 'verifying' | 'done' | 'failed';
  readonly error?: UiError;
  readonly result?: BundleSummary;
}

export interface BundlesState {
  readonly bundles: readonly BundleSummary[];
  readonly listLoad: Load<true>;
  readonly openId: string | null;
  readonly detail: Load<BundleDetail>;
  readonly imports: readonly ImportTask[];
  readonly trust: Load<TrustList>;
  /** The last trust store action's outcome (import, revoke, remove), shown next to the form. */
  readonly trustAction: Load<TrustKey | string>;
  readonly removeAction: Load<true>;
  /** The open bundle judged per gateway (device id → result), filled by "Check against gateways". */
  readonly gatewayChecks: ReadonlyMap<string, Load<BundleTargetCheck>>;
}

export const useBundlesStore = create<BundlesState>()(() => ({
  bundles: [],
  listLoad: { status: 'idle' },
  openId: null,
  detail: { status: 'idle' },
  imports: [],
  trust: { status: 'idle' },
  trustAction: { status: 'idle' },
  removeAction: { status: 'idle' },
  gatewayChecks: new Map(),
}));

const set = useBundlesStore.setState;

export const bundlesActions = {
  listLoading: (): void => set((s) => (s.listLoad.status === 'ready' ? {} : { listLoad: { status: 'loading' } })),
  listLoaded: (bundles: readonly BundleSummary[]): void => set({ bundles, listLoad: { status: 'ready', value: true } }),
  listFailed: (error: UiError): void => set({ listLoad: { status: 'error', error } }),
  open: (id: string): void =>
    set((s) => ({
      openId: id,
      detail: { status: 'loading' },
      removeAction: { status: 'idle' },
      gatewayChecks: s.openId === id ? s.gatewayChecks : new Map(),
    })),
  close: (): void => set({ openId: null, detail: { status: 'idle' }, removeAction: { status: 'idle' }, gatewayChecks: new Map() }),
  clearGatewayChecks: (): void => set({ gatewayChecks: new Map() }),
  /** Like `detail`, a result for a bundle no longer open is dropped. */
  gatewayCheck: (bundleId: string, deviceId: string, load: Load<BundleTargetCheck>): void =>
    set((s) => (s.openId === bundleId ? { gatewayChecks: new Map(s.gatewayChecks).set(deviceId, load) } : {})),
  /** Results for a bundle the technician has since closed or switched away from are dropped. */
  detail: (id: string, detail: Load<BundleDetail>): void => set((s) => (s.openId === id ? { detail } : {})),
  /** A new batch replaces the finished results of the last one; running and failed ones stay until dismissed. */
  batchStarted: (): void => set((s) => ({ imports: s.imports.filter((t) => t.phase !== 'done') })),
  importStarted: (task: ImportTask): void => set((s) => ({ imports: [...s.imports, task] })),
  importUpdated: (key: string, change: Partial<Omit<ImportTask, 'key'>>): void =>
    set((s) => ({ imports: s.imports.map((t) => (t.key === key ? { ...t, ...change } : t)) })),
  dismissImport: (key: string): void => set((s) => ({ imports: s.imports.filter((t) => t.key !== key) })),
  trust: (trust: Load<TrustList>): void => set((s) => (trust.status === 'loading' && s.trust.status === 'ready' ? {} : { trust })),
  trustAction: (trustAction: Load<TrustKey | string>): void => set({ trustAction }),
  removeAction: (removeAction: Load<true>): void => set({ removeAction }),
};
