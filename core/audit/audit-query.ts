/**
 * Reading the timeline from audit.db: filters for the Audit view and `fieldline audit list`.
 *
 * Needs no key and writes nothing, so the CLI can list a log the app's sealed key protects.
 */
import type { Db } from './audit-db.js';
import type { AuditEntry, EntryResult } from './entry.js';

export interface ListFilter {
  device?: string;
  /** `flash` matches `flash` and `flash.transfer`, …; `flash.transfer` only that action and its sub-actions. */
  action?: string;
  result?: EntryResult;
  /** Wall time range, ms since the epoch, inclusive. */
  from?: number;
  to?: number;
  /** Cursor: only entries with a smaller seq (the last seq of the previous page). */
  before?: number;
  /** Default 100, at most 10,000. */
  limit?: number;
}

export const MAX_LIST_LIMIT = 10_000;

/** Newest first, filtered; page on with `before` = the last seq of the previous page. */
export function listEntries(db: Db, filter: ListFilter = {}): AuditEntry[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (filter.device !== undefined) {
    where.push('device = ?');
    args.push(filter.device);
  }
  if (filter.action !== undefined) {
    const prefix = filter.action.replace(/\.$/, '');
    where.push('(action = ? OR substr(action, 1, ?) = ?)');
    args.push(prefix, prefix.length + 1, `${prefix}.`);
  }
  if (filter.result !== undefined) {
    where.push('result = ?');
    args.push(filter.result);
  }
  if (filter.from !== undefined) {
    where.push('time >= ?');
    args.push(filter.from);
  }
  if (filter.to !== undefined) {
    where.push('time <= ?');
    args.push(filter.to);
  }
  if (filter.before !== undefined) {
    where.push('seq < ?');
    args.push(filter.before);
  }
  const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? 100)), MAX_LIST_LIMIT);
  const sql = `SELECT entry FROM audit_entries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit}`;
  return db
    .prepare<(string | number)[], { entry: string }>(sql)
    .all(...args)
    .map((row) => JSON.parse(row.entry) as AuditEntry);
}
