/**
 * Words for the Audit view and the status bar: chain reports, sync states, key protection,
 * exports, parameters and countdowns. Pure, unit-tested.
 */
import type { AuditExport, AuditStatus, ChainReportShape, SyncStatusShape } from '../../core/api/audit-schemas.js';
import { relativeTime } from '../shared/relative-time.js';
import type { AuditEntry } from './timeline.js';

type JsonValue = AuditEntry['params'][string];

export type Tone = 'ok' | 'busy' | 'warn' | 'error' | 'idle';

/** "1,234": the same grouping wherever the laptop is, so support reads the same figure. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export function shortHash(hash: string): string {
  return hash.length > 12 ? `${hash.slice(0, 12)}…` : hash;
}

/** "5 min ago", or "never" when nothing happened yet. */
export function since(now: number, then: number | null): string {
  return then === null ? 'never' : relativeTime(now, then);
}

/** "in 40 s", "in 3 min"; "now" once due (the uploader is about to try). */
export function countdown(now: number, at: number): string {
  const left = at - now;
  if (left < 1000) return 'now';
  if (left < 60_000) return `in ${Math.ceil(left / 1000)} s`;
  if (left < 3_600_000) return `in ${Math.ceil(left / 60_000)} min`;
  return `in ${Math.ceil(left / 3_600_000)} h`;
}

export interface ChainSummary {
  readonly ok: boolean;
  readonly headline: string;
  /** Checkpoints in words: how many were checked and which did not match. */
  readonly checkpoints: string;
  /** Set when entries were cut off the end of the log (a checkpoint names a later head). */
  readonly truncation?: string;
}

export function chainSummary(report: ChainReportShape): ChainSummary {
  const badCheckpoints = report.checkpoints.filter((c) => !c.ok);
  const checked = report.checkpoints.length;
  const checkpoints =
    checked === 0
      ? 'No signed checkpoint yet (one is signed every 256 entries and when the log is exported or uploaded).'
      : badCheckpoints.length === 0
        ? `${plural(checked, 'signed checkpoint')} checked, all match.`
        : `${formatCount(badCheckpoints.length)} of ${plural(checked, 'signed checkpoint')} do not match: ${badCheckpoints
            .map((c) => `#${c.seq} (${c.source}${c.reason === undefined ? '' : `: ${c.reason}`})`)
            .join(', ')}.`;
  const truncation =
    report.truncated === undefined
      ? undefined
      : `Entries are missing from the end of the log: ${report.truncated.source} holds a signed checkpoint at #${report.truncated.checkpointSeq}, but the log here ends at #${report.truncated.lastSeq}.`;
  const base = { checkpoints, ...(truncation === undefined ? {} : { truncation }) };
  if (!report.ok && report.firstBad !== undefined)
    return { ok: false, headline: `Broken at #${report.firstBad.seq}: ${report.firstBad.reason}`, ...base };
  if (!report.ok) return { ok: false, headline: 'The chain did not verify.', ...base };
  if (report.head === null) return { ok: true, headline: 'Verified: the log is empty.', ...base };
  return {
    ok: true,
    headline: `Verified: ${plural(report.entries, 'entry', 'entries')}, head #${report.head.seq} (${shortHash(report.head.hash)})`,
    ...base,
  };
}

/** Entries written after the report was made are not covered by it; null when it is current. */
export function uncheckedNote(report: Pick<ChainReportShape, 'head'>, currentHead: number | null): string | null {
  const checked = report.head?.seq ?? 0;
  if (currentHead === null || currentHead <= checked) return null;
  const n = currentHead - checked;
  return `${plural(n, 'newer entry', 'newer entries')} ${n === 1 ? 'is' : 'are'} not checked yet: Verify now to include ${n === 1 ? 'it' : 'them'}.`;
}

export function keyProtectionText(protection: AuditStatus['keyProtection']): string {
  switch (protection) {
    case 'os-keychain':
      return 'Audit key kept in the OS keychain.';
    case 'passphrase':
      return 'Audit key sealed with your passphrase (no OS keychain on this laptop).';
    case 'file-permissions':
      return 'Audit key kept in a file readable only by you (no OS keychain on this host).';
  }
}

/** "entries #101–#250, 150 entries" */
export function exportSummary(e: Pick<AuditExport, 'first' | 'last' | 'count'>): string {
  if (e.count === 1) return `entry #${e.first}, 1 entry`;
  return `entries #${e.first}–#${e.last}, ${plural(e.count, 'entry', 'entries')}`;
}

export const SYNC_STATE_TEXT: Readonly<Record<SyncStatusShape['state'], string>> = {
  disabled: 'Upload not configured: entries are kept on this laptop',
  idle: 'Waiting for new entries',
  syncing: 'Uploading…',
  offline: 'Offline: the receiver cannot be reached',
  error: 'The last upload failed',
};

/** The sync panel's one line: state, and when the uploader tries next. */
export function syncHeadline(sync: SyncStatusShape, now: number): string {
  const next = sync.nextAttempt === null ? '' : ` — next try ${countdown(now, sync.nextAttempt)}`;
  switch (sync.state) {
    case 'disabled':
      return SYNC_STATE_TEXT.disabled;
    case 'idle':
      return sync.pending === 0 ? 'Up to date: the receiver has every entry' : `${plural(sync.pending, 'entry', 'entries')} waiting${next}`;
    case 'syncing':
      return `Uploading ${plural(sync.pending, 'entry', 'entries')}…`;
    case 'offline':
    case 'error':
      return `${SYNC_STATE_TEXT[sync.state]}${next}`;
  }
}

export interface ParamRow {
  readonly key: string;
  readonly text: string;
  /** Hashes and key ids: shown in full with a copy button. */
  readonly copyable: boolean;
}

const HEX_ID = /^[0-9a-f]{32,128}$/;

function paramText(value: JsonValue): string {
  if (value === null) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) return value.map((v) => paramText(v)).join(', ');
  return JSON.stringify(value);
}

/** An entry's params as a key/value list, in the order the engine recorded them. */
export function paramRows(params: Readonly<Record<string, JsonValue>>): readonly ParamRow[] {
  return Object.entries(params).map(([key, value]) => ({
    key,
    text: paramText(value),
    copyable: typeof value === 'string' && HEX_ID.test(value),
  }));
}
