/**
 * One entry in full: every field, its parameters as a list, its place in the chain (hash and
 * previous hash, copyable), and the intent or result it pairs with.
 */
import { useEffect, useRef } from 'react';
import { CopyableValue } from '../shared/CopyButton.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { useNow } from '../shared/clock.js';
import { absoluteTime, relativeTime } from '../shared/relative-time.js';
import { actionLabel } from './actions.js';
import { selectEntry } from './audit-service.js';
import { paramRows } from './format.js';
import { ResultBadge } from './ResultBadge.js';
import { useAuditStore } from './store.js';
import { DeviceName } from './Timeline.js';
import { pendingState, resultOf, type AuditEntry } from './timeline.js';

const PHASE_TEXT: Readonly<Record<AuditEntry['phase'], string>> = {
  intent: 'Intent — written before the gateway was touched',
  result: 'Result — written when the action ended',
  event: 'Event — something done on this laptop or seen on the network',
};

function Linked({ entry }: { entry: AuditEntry }): React.ReactElement | null {
  const entries = useAuditStore((s) => s.entries);
  const headSession = useAuditStore((s) => s.headSession);
  if (entry.phase === 'result' && entry.intent !== null) {
    const intentSeq = entry.intent;
    return (
      <p data-testid="audit-detail-linked">
        Result of the intent{' '}
        <button type="button" className="link-button" onClick={() => void selectEntry(intentSeq)} data-testid="audit-detail-intent">
          #{intentSeq}
        </button>
        .
      </p>
    );
  }
  if (entry.phase !== 'intent') return null;
  const result = resultOf(entries, entry.seq);
  if (result === undefined) {
    const state = pendingState(entry, headSession);
    return (
      <p data-testid="audit-detail-linked">
        <ResultBadge pending={state} />{' '}
        {state === 'in-progress'
          ? 'No result yet: the action is still running, or its result is newer than the entries loaded.'
          : 'Fieldline stopped before this action ended, so no result was written. Check the gateway’s state before you continue.'}
      </p>
    );
  }
  return (
    <p data-testid="audit-detail-linked">
      Its result is{' '}
      <button type="button" className="link-button" onClick={() => void selectEntry(result.seq)} data-testid="audit-detail-result">
        #{result.seq}
      </button>{' '}
      <ResultBadge result={result.result} />
    </p>
  );
}

function Fields({ entry }: { entry: AuditEntry }): React.ReactElement {
  const now = useNow();
  const params = paramRows(entry.params);
  return (
    <>
      <dl className="fields audit-details__fields">
        <dt>When</dt>
        <dd>
          {absoluteTime(entry.time)} <span className="muted">({relativeTime(now, entry.time)})</span>
        </dd>
        <dt>Action</dt>
        <dd>
          {actionLabel(entry.action)} <code className="muted">{entry.action}</code>
        </dd>
        <dt>Phase</dt>
        <dd>{PHASE_TEXT[entry.phase]}</dd>
        {entry.phase === 'intent' ? null : (
          <>
            <dt>Result</dt>
            <dd>
              <ResultBadge result={entry.result} />
            </dd>
          </>
        )}
        {entry.error === null ? null : (
          <>
            <dt>Error</dt>
            <dd data-testid="audit-detail-error">
              {entry.error.message} <code className="muted">{entry.error.code}</code>
            </dd>
          </>
        )}
        <dt>Gateway</dt>
        <dd>
          {entry.device === null ? (
            <span className="muted">none (this laptop)</span>
          ) : (
            <>
              <DeviceName id={entry.device} />
              <br />
              <CopyableValue value={entry.device} label="device id" testId="audit-detail-device" />
            </>
          )}
        </dd>
        <dt>Technician</dt>
        <dd>
          {entry.technician === null ? (
            <span className="muted">none (no profile yet)</span>
          ) : (
            <>
              {entry.technician.name}
              <br />
              <CopyableValue value={entry.technician.keyId} label="technician key id" />
            </>
          )}
        </dd>
        <dt>Site</dt>
        <dd>{entry.site ?? <span className="muted">not set</span>}</dd>
        <dt>App</dt>
        <dd>{entry.app}</dd>
        <dt>Session</dt>
        <dd>
          <code>{entry.session}</code>
        </dd>
      </dl>
      <h3>Parameters</h3>
      {params.length === 0 ? (
        <p className="muted">None recorded.</p>
      ) : (
        <dl className="fields audit-details__params" data-testid="audit-detail-params">
          {params.map((p) => (
            <div key={p.key} className="audit-details__param">
              <dt>
                <code>{p.key}</code>
              </dt>
              <dd>{p.copyable ? <CopyableValue value={p.text} label={p.key} /> : p.text}</dd>
            </div>
          ))}
        </dl>
      )}
      <h3>Chain</h3>
      <dl className="fields audit-details__chain">
        <dt>Hash</dt>
        <dd>
          <CopyableValue value={entry.hash} label="entry hash" testId="audit-detail-hash" />
        </dd>
        <dt>Previous</dt>
        <dd>
          <CopyableValue value={entry.prev} label="previous entry hash" testId="audit-detail-prev" />
        </dd>
        <dt>Log</dt>
        <dd>
          <CopyableValue value={entry.log} label="log id" />
        </dd>
      </dl>
    </>
  );
}

export function EntryDetails(): React.ReactElement | null {
  const seq = useAuditStore((s) => s.selectedSeq);
  const selected = useAuditStore((s) => s.selected);
  const headingRef = useRef<HTMLHeadingElement>(null);
  // Opening an entry from the keyboard lands in the panel, so reading continues there.
  useEffect(() => headingRef.current?.focus(), [seq]);
  if (seq === null) return null;
  const close = (): void => {
    void selectEntry(null);
    // Back to the row the panel was opened from (an intent's is its result's row).
    const row = `[data-testid="audit-row"][data-seq="${seq}"], [data-testid="audit-row"][data-intent-seq="${seq}"]`;
    document.querySelector<HTMLElement>(row)?.focus();
  };
  return (
    <aside
      className="side-panel audit-details"
      aria-labelledby="audit-details-heading"
      data-testid="audit-details"
      data-seq={seq}
      onKeyDown={(e) => {
        if (e.key === 'Escape') close();
      }}
    >
      <header className="side-panel__header">
        <h2 id="audit-details-heading" ref={headingRef} tabIndex={-1}>
          Entry #{seq}
          {selected.status === 'ready' ? ` · ${actionLabel(selected.value.action)}` : ''}
        </h2>
        <button type="button" className="button button--small" onClick={close} data-testid="audit-details-close">
          Close
        </button>
      </header>
      <div className="side-panel__body">
        {selected.status === 'loading' ? <p className="muted">Reading entry #{seq}…</p> : null}
        {selected.status === 'error' ? <ErrorNotice error={selected.error} title={`Entry #${seq} could not be read`} /> : null}
        {selected.status === 'ready' ? (
          <>
            <Linked entry={selected.value} />
            <Fields entry={selected.value} />
          </>
        ) : null}
      </div>
    </aside>
  );
}
