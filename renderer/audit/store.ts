/**
 * The Audit feature's state: the timeline loaded so far and its filters, the entry open in the
 * details panel, the chain report, the log's status and upload queue, and the last export.
 *
 * Only audit-service.ts writes here; components (and the status bar) read through hooks.
 */
import { create } from 'zustand';
import type { AuditExport, AuditStatus, ChainReportShape, SyncStatusShape } from '../../core/api/audit-schemas.js';
import type { UiError } from '../services/ui-error.js';
import { NO_FILTERS, type AuditFilters } from './filters.js';
import type { AuditEntry } from './timeline.js';

export type Load<T> =
  | { readonly status: 'idle' }
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly value: T }
  | { readonly status: 'error'; readonly error: UiError };

export type ExportDone = Pick<AuditExport, 'fileName' | 'first' | 'last' | 'count'>;

export interface AuditState {
  readonly filters: AuditFilters;
  /** Why the filters cannot be applied (a bad custom date); the timeline keeps its last page. */
  readonly filterProblem: string | null;
  /** Newest first, every page loaded so far for the current filters. */
  readonly entries: readonly AuditEntry[];
  /** Older entries exist beyond the last page. */
  readonly more: boolean;
  readonly list: Load<true>;
  readonly older: Load<true>;
  /** The session of the newest entry in the whole log: tells "in progress" from "no result recorded". */
  readonly headSession: string | null;
  readonly selectedSeq: number | null;
  /** The entry in the details panel (fetched by seq when it is not in the timeline). */
  readonly selected: Load<AuditEntry>;
  readonly status: Load<AuditStatus>;
  /** The upload queue: from the status, then from every `audit.sync` event. */
  readonly sync: SyncStatusShape | null;
  readonly chain: Load<ChainReportShape>;
  readonly syncNow: Load<true>;
  /** Saving the upload settings: 'unchanged' when the form held nothing new. */
  readonly configure: Load<'saved' | 'unchanged'>;
  readonly exported: Load<ExportDone>;
}

const INITIAL: AuditState = {
  filters: NO_FILTERS,
  filterProblem: null,
  entries: [],
  more: false,
  list: { status: 'idle' },
  older: { status: 'idle' },
  headSession: null,
  selectedSeq: null,
  selected: { status: 'idle' },
  status: { status: 'idle' },
  sync: null,
  chain: { status: 'idle' },
  syncNow: { status: 'idle' },
  configure: { status: 'idle' },
  exported: { status: 'idle' },
};

export const useAuditStore = create<AuditState>()(() => INITIAL);

const set = useAuditStore.setState;

export const auditActions = {
  filters: (filters: AuditFilters, filterProblem: string | null): void => set({ filters, filterProblem }),
  /** A fresh first page (filters changed, or new entries appeared): older pages are dropped only when asked. */
  page: (entries: readonly AuditEntry[], more: boolean): void => set({ entries, more, list: { status: 'ready', value: true } }),
  list: (list: Load<true>): void => set({ list }),
  older: (older: Load<true>): void => set({ older }),
  headSession: (headSession: string | null): void => set({ headSession }),
  select: (selectedSeq: number | null, selected: Load<AuditEntry>): void => set({ selectedSeq, selected }),
  status: (status: Load<AuditStatus>): void =>
    set(
      status.status === 'ready'
        ? { status, sync: status.value.sync }
        : (s) => ({ status: s.status.status === 'ready' ? s.status : status }),
    ),
  sync: (sync: SyncStatusShape): void => set({ sync }),
  chain: (chain: Load<ChainReportShape>): void => set({ chain }),
  syncNow: (syncNow: Load<true>): void => set({ syncNow }),
  configure: (configure: Load<'saved' | 'unchanged'>): void => set({ configure }),
  exported: (exported: Load<ExportDone>): void => set({ exported }),
};
