/**
 * The timeline's rows from the entries loaded so far: an intent and its result read as one row.
 * Pure, unit-tested.
 *
 * The log writes an intent before a gateway is touched and a result after, naming the intent's
 * seq. The technician wants one line per thing done ("Authenticated · ok"), with the intent
 * folded into it; an intent with no result yet is either still running or, when the app stopped
 * in between (another session wrote since), will never get one — the log must say so plainly.
 */
import type { AuditPage } from '../../core/api/audit-schemas.js';

export type AuditEntry = AuditPage['entries'][number];

/** Why an intent stands alone: its action is under way, or the app stopped before it finished. */
export type PendingState = 'in-progress' | 'no-result';

export type TimelineRow =
  /** A result, with its intent when that is loaded too. */
  | { readonly kind: 'outcome'; readonly entry: AuditEntry; readonly intent: AuditEntry | null; readonly intentSeq: number }
  | { readonly kind: 'pending'; readonly entry: AuditEntry; readonly state: PendingState }
  | { readonly kind: 'event'; readonly entry: AuditEntry };

/** Loaded entries plus a new page: one copy of each seq, newest first. */
export function mergeEntries(current: readonly AuditEntry[], incoming: readonly AuditEntry[]): readonly AuditEntry[] {
  const bySeq = new Map<number, AuditEntry>();
  for (const e of current) bySeq.set(e.seq, e);
  for (const e of incoming) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq);
}

/**
 * An intent with no result: `no-result` when a later session has written to the log (the app
 * was restarted, so this action will never be finished), else `in-progress`. Without the
 * session of the newest entry nothing can be concluded, and it stays `in-progress`.
 */
export function pendingState(intent: Pick<AuditEntry, 'session'>, headSession: string | null): PendingState {
  return headSession === null || intent.session === headSession ? 'in-progress' : 'no-result';
}

/** The result naming `intentSeq`, among the loaded entries. */
export function resultOf(entries: readonly AuditEntry[], intentSeq: number): AuditEntry | undefined {
  return entries.find((e) => e.phase === 'result' && e.intent === intentSeq);
}

/** The timeline rows, newest first; `entries` in any order. */
export function timelineRows(entries: readonly AuditEntry[], headSession: string | null): readonly TimelineRow[] {
  const bySeq = new Map(entries.map((e) => [e.seq, e] as const));
  const answered = new Set<number>();
  for (const e of entries) if (e.phase === 'result' && e.intent !== null) answered.add(e.intent);
  const rows: TimelineRow[] = [];
  for (const entry of [...entries].sort((a, b) => b.seq - a.seq)) {
    switch (entry.phase) {
      case 'result': {
        const intentSeq = entry.intent ?? 0;
        rows.push({ kind: 'outcome', entry, intent: bySeq.get(intentSeq) ?? null, intentSeq });
        break;
      }
      case 'intent':
        // Folded into its result's row when that is loaded.
        if (!answered.has(entry.seq)) rows.push({ kind: 'pending', entry, state: pendingState(entry, headSession) });
        break;
      case 'event':
        rows.push({ kind: 'event', entry });
        break;
    }
  }
  return rows;
}

/** The action a row is about: a result's intent names it first, and the two always agree. */
export function rowAction(row: TimelineRow): string {
  return row.kind === 'outcome' && row.intent !== null ? row.intent.action : row.entry.action;
}

/**
 * The device a row is about: the entry's, else its intent's, else the id a result learnt
 * (`device.add` knows the gateway only once it answered, and records it in its params).
 */
export function rowDevice(row: TimelineRow): string | null {
  const learnt = row.entry.params['device'];
  return row.entry.device ?? (row.kind === 'outcome' ? (row.intent?.device ?? null) : null) ?? (typeof learnt === 'string' ? learnt : null);
}
