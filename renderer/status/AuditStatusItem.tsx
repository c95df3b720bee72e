/**
 * "Audit: 12 pending · synced 5 min ago": always on screen, one click opens the Audit view.
 * A broken chain turns it red; being offline does not.
 */
import { useAuditStore } from '../audit/store.js';
import { useNow } from '../shared/clock.js';
import { auditStatusText } from './audit-status.js';

export function AuditStatusItem(): React.ReactElement {
  const sync = useAuditStore((s) => s.sync);
  const chain = useAuditStore((s) => s.chain);
  const statusError = useAuditStore((s) => (s.status.status === 'error' && s.sync === null ? s.status.error : null));
  const now = useNow();
  const text =
    statusError === null
      ? auditStatusText(sync, chain.status === 'ready' ? chain.value : null, now)
      : { label: 'Audit: status unavailable', tone: 'warn' as const, detail: statusError.message };
  return (
    <button
      type="button"
      className={`button button--small status-bar__item status-bar__item--${text.tone}`}
      onClick={() => (window.location.hash = '#audit')}
      title={text.detail}
      aria-label={`${text.label}${text.detail === undefined ? '' : `. ${text.detail}`}. Show the Audit view`}
      data-testid="status-audit"
      data-tone={text.tone}
      // The countdown changes every second: only a broken chain is worth announcing.
      aria-live={text.tone === 'error' ? 'assertive' : 'off'}
    >
      <span className={`dot dot--${text.tone}`} aria-hidden="true" />
      {text.label}
    </button>
  );
}
