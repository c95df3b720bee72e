/**
 * The status bar's word on the audit log: the upload queue, calmly ("Audit: 12 pending · synced
 * 5 min ago"), and a broken chain loudly. Pure, unit-tested.
 *
 * Offline is normal in the field: waiting entries are information, not a warning. Only a chain
 * that fails verification, or an upload that keeps failing, changes the tone.
 */
import type { ChainReportShape, SyncStatusShape } from '../../core/api/audit-schemas.js';
import { countdown, formatCount, since, type Tone } from '../audit/format.js';

export interface AuditStatusText {
  readonly label: string;
  readonly tone: Tone;
  /** The longer sentence for the tooltip and screen readers. */
  readonly detail?: string;
}

export function auditStatusText(sync: SyncStatusShape | null, chain: ChainReportShape | null, now: number): AuditStatusText {
  if (chain !== null && !chain.ok) {
    const where = chain.firstBad === undefined ? '' : ` at #${chain.firstBad.seq}`;
    return {
      label: `Audit chain broken${where}`,
      tone: 'error',
      detail: chain.firstBad === undefined ? 'The audit log did not verify.' : `The audit log did not verify: ${chain.firstBad.reason}`,
    };
  }
  if (chain !== null && chain.truncated !== undefined) {
    return {
      label: 'Audit entries missing',
      tone: 'error',
      detail: `A checkpoint on ${chain.truncated.source} covers #${chain.truncated.checkpointSeq}, but the log ends at #${chain.truncated.lastSeq}.`,
    };
  }
  if (sync === null) return { label: 'Audit: reading…', tone: 'idle' };
  const pending = `${formatCount(sync.pending)} pending`;
  const next = sync.nextAttempt === null ? '' : ` — next try ${countdown(now, sync.nextAttempt)}`;
  switch (sync.state) {
    case 'disabled':
      return {
        label: 'Audit: not configured',
        tone: 'idle',
        detail: `Entries are kept on this laptop (${pending}); set an upload endpoint or export them for sneakernet in the Audit view.`,
      };
    case 'idle':
      if (sync.pending === 0) return { label: `Audit: all synced · ${since(now, sync.lastSuccess)}`, tone: 'ok' };
      return {
        label: `Audit: ${pending} · ${sync.lastSuccess === null ? 'never synced' : `synced ${since(now, sync.lastSuccess)}`}`,
        tone: 'idle',
      };
    case 'syncing':
      return { label: `Audit: uploading ${pending}…`, tone: 'busy' };
    case 'offline':
      return {
        label: `Audit: offline${next}`,
        tone: 'idle',
        detail: `${pending}; entries stay on this laptop until the receiver answers.${sync.lastError === null ? '' : ` Last error: ${sync.lastError}`}`,
      };
    case 'error':
      return {
        label: `Audit: upload failed${next}`,
        tone: 'warn',
        detail: `${pending}.${sync.lastError === null ? '' : ` ${sync.lastError}`}`,
      };
  }
}
