/**
 * The timeline's filters as the form holds them, and as `audit.list` takes them. Pure, unit-tested.
 *
 * Filtering happens in the engine (the log can hold 100,000 entries); the page only turns what
 * the technician chose into params. Days are the laptop's local days: "today" on site means
 * since local midnight, not since midnight UTC.
 */
import type { AuditListParams } from '../../core/api/audit-schemas.js';
import type { ActionFamily } from './actions.js';

export const RESULTS = ['ok', 'failed', 'refused', 'cancelled'] as const;
export type EntryResultFilter = (typeof RESULTS)[number];

export const TIME_RANGES = ['all', 'today', '7d', 'custom'] as const;
export type TimeRange = (typeof TIME_RANGES)[number];

export const TIME_RANGE_LABELS: Readonly<Record<TimeRange, string>> = {
  all: 'All time',
  today: 'Today',
  '7d': 'Last 7 days',
  custom: 'Custom dates…',
};

export interface AuditFilters {
  /** '' for every gateway. */
  readonly deviceId: string;
  readonly family: ActionFamily | '';
  readonly result: EntryResultFilter | '';
  readonly range: TimeRange;
  /** `YYYY-MM-DD` from a date input, both inclusive; either may be '' (open-ended). */
  readonly from: string;
  readonly to: string;
}

export const NO_FILTERS: AuditFilters = { deviceId: '', family: '', result: '', range: 'all', from: '', to: '' };

/** Entries per `audit.list` page. */
export const PAGE_SIZE = 100;

const DAY_MS = 24 * 60 * 60 * 1000;

export type ParamsCheck = { readonly ok: true; readonly params: AuditListParams } | { readonly ok: false; readonly message: string };

/** Local midnight of a `YYYY-MM-DD` date, or null when it is not a real date. */
export function localDayStart(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (m === null) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(year, month - 1, day);
  // Date rolls 2026-02-31 over into March: such a date was never a real one.
  if (d.getFullYear() !== year || d.getMonth() !== month - 1 || d.getDate() !== day) return null;
  return d.getTime();
}

/** The first ms of the day after `dayStart`, by the calendar (a DST day is 23 or 25 hours). */
function nextDayStart(dayStart: number): number {
  const d = new Date(dayStart);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
}

function timeBounds(f: AuditFilters, now: number): { from?: number; to?: number } | string {
  switch (f.range) {
    case 'all':
      return {};
    case 'today': {
      const d = new Date(now);
      return { from: new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() };
    }
    case '7d':
      return { from: Math.max(0, now - 7 * DAY_MS) };
    case 'custom': {
      const from = f.from === '' ? undefined : localDayStart(f.from);
      const toStart = f.to === '' ? undefined : localDayStart(f.to);
      if (from === null) return `The start date “${f.from}” is not a date: use the date picker or YYYY-MM-DD.`;
      if (toStart === null) return `The end date “${f.to}” is not a date: use the date picker or YYYY-MM-DD.`;
      const to = toStart === undefined ? undefined : nextDayStart(toStart) - 1;
      if (from !== undefined && to !== undefined && from > to) return 'The start date is after the end date: swap them.';
      return { ...(from === undefined ? {} : { from: Math.max(0, from) }), ...(to === undefined ? {} : { to: Math.max(0, to) }) };
    }
  }
}

/** `audit.list` params for the filters, a page before `before` (a seq) when paging back. */
export function filtersToParams(f: AuditFilters, now: number, before?: number): ParamsCheck {
  const bounds = timeBounds(f, now);
  if (typeof bounds === 'string') return { ok: false, message: bounds };
  return {
    ok: true,
    params: {
      ...(f.deviceId === '' ? {} : { deviceId: f.deviceId }),
      ...(f.family === '' ? {} : { action: f.family }),
      ...(f.result === '' ? {} : { result: f.result }),
      ...bounds,
      ...(before === undefined ? {} : { before }),
      limit: PAGE_SIZE,
    },
  };
}

export function hasFilters(f: AuditFilters): boolean {
  return f.deviceId !== '' || f.family !== '' || f.result !== '' || f.range !== 'all';
}
