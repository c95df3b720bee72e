/**
 * Whether the log can be trusted: the chain's verification (verified, or broken at #n with a way
 * to look at that entry), its checkpoints, a cut-off tail, and where the audit key is kept.
 */
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { useNow } from '../shared/clock.js';
import { absoluteTime, relativeTime } from '../shared/relative-time.js';
import { exportForSneakernet, selectEntry, verifyChain } from './audit-service.js';
import { chainSummary, exportSummary, keyProtectionText, uncheckedNote } from './format.js';
import { useAuditStore } from './store.js';

function Report(): React.ReactElement | null {
  const chain = useAuditStore((s) => s.chain);
  const currentHead = useAuditStore((s) => (s.status.status === 'ready' ? s.status.value.head.seq : null));
  const now = useNow();
  switch (chain.status) {
    case 'idle':
      return <p className="muted">Not verified yet in this window.</p>;
    case 'loading':
      return (
        <p className="muted" role="status" data-testid="audit-chain-checking">
          Checking every entry and checkpoint…
        </p>
      );
    case 'error':
      return <ErrorNotice error={chain.error} title="The chain could not be checked" testId="audit-chain-error" />;
    case 'ready': {
      const report = chain.value;
      const summary = chainSummary(report);
      const unchecked = uncheckedNote(report, currentHead);
      return (
        <div data-testid="audit-chain" data-ok={summary.ok ? 'true' : 'false'}>
          <p className={`audit-chain__headline audit-chain__headline--${summary.ok ? 'ok' : 'broken'}`} data-testid="audit-chain-headline">
            {summary.headline}
          </p>
          {report.firstBad === undefined ? null : (
            <p>
              <button
                type="button"
                className="button button--small"
                onClick={() => void selectEntry(report.firstBad?.seq ?? null)}
                data-testid="audit-chain-show-bad"
              >
                Show entry #{report.firstBad.seq}
              </button>{' '}
              <span className="muted">Entries from here on cannot be trusted. Keep this laptop as it is and tell your site’s auditor.</span>
            </p>
          )}
          {summary.truncation === undefined ? null : (
            <p className="notice notice--error" role="alert" data-testid="audit-chain-truncated">
              {summary.truncation} Keep this laptop as it is and tell your site’s auditor.
            </p>
          )}
          <p className="muted" data-testid="audit-chain-checkpoints">
            {summary.checkpoints}
          </p>
          <p className="muted">
            Checked <span title={absoluteTime(report.checkedAt)}>{relativeTime(now, report.checkedAt)}</span>.
            {unchecked === null ? null : <span data-testid="audit-chain-unchecked"> {unchecked}</span>}
          </p>
        </div>
      );
    }
  }
}

function ExportAction(): React.ReactElement {
  const exported = useAuditStore((s) => s.exported);
  return (
    <div className="audit-export">
      <button
        type="button"
        className="button"
        disabled={exported.status === 'loading'}
        onClick={() => void exportForSneakernet()}
        data-testid="audit-export"
        title="A signed file of every entry the receiver has not acknowledged, to carry to a machine with network"
      >
        {exported.status === 'loading' ? 'Exporting…' : 'Export for sneakernet'}
      </button>
      {exported.status === 'ready' ? (
        <p className="notice notice--ok" role="status" data-testid="audit-export-result">
          Saved <code>{exported.value.fileName}</code>: {exportSummary(exported.value)}. Import it on the receiver with{' '}
          <code>fieldline ingest --import FILE</code>.
        </p>
      ) : null}
      {exported.status === 'error' ? <ErrorNotice error={exported.error} title="The export failed" testId="audit-export-error" /> : null}
    </div>
  );
}

export function ChainStatus(): React.ReactElement {
  const chain = useAuditStore((s) => s.chain);
  const status = useAuditStore((s) => s.status);
  return (
    <section className="audit-panel" aria-labelledby="audit-chain-title" data-testid="audit-chain-panel">
      <header className="audit-panel__header">
        <h3 id="audit-chain-title">Chain</h3>
        <button
          type="button"
          className="button button--small"
          disabled={chain.status === 'loading'}
          onClick={() => void verifyChain()}
          data-testid="audit-verify"
        >
          {chain.status === 'loading' ? 'Verifying…' : 'Verify now'}
        </button>
      </header>
      <Report />
      {status.status === 'ready' ? (
        <p className="muted" data-testid="audit-key-protection">
          {keyProtectionText(status.value.keyProtection)}
          {status.value.lastCheckpoint === null
            ? ''
            : ` Last signed checkpoint: #${status.value.lastCheckpoint.seq}, ${absoluteTime(status.value.lastCheckpoint.time)}.`}
        </p>
      ) : null}
      <ExportAction />
    </section>
  );
}
