/**
 * The audit timeline, newest first: one row per thing done (an intent and its result together),
 * live as entries are written, paged back with "Older entries". A row opens its details.
 */
import { useMemo } from 'react';
import { useDevicesStore } from '../devices/store.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { useNow } from '../shared/clock.js';
import { absoluteTime, relativeTime } from '../shared/relative-time.js';
import { actionLabel } from './actions.js';
import { loadOlder, reloadTimeline, selectEntry } from './audit-service.js';
import { hasFilters } from './filters.js';
import { formatCount } from './format.js';
import { ResultBadge } from './ResultBadge.js';
import { useAuditStore } from './store.js';
import { rowAction, rowDevice, timelineRows, type TimelineRow } from './timeline.js';

/** A gateway's name when the registry knows it, its short id otherwise. */
export function DeviceName({ id }: { id: string | null }): React.ReactElement {
  const device = useDevicesStore((s) => (id === null ? undefined : s.devices.get(id)));
  if (id === null) return <span className="muted">this laptop</span>;
  return <span title={id}>{device?.name ?? <code>{id.slice(0, 12)}</code>}</span>;
}

function Row({ row, selected }: { row: TimelineRow; selected: boolean }): React.ReactElement {
  const now = useNow();
  const { entry } = row;
  const action = rowAction(row);
  const device = rowDevice(row);
  return (
    <li>
      <button
        type="button"
        className="audit-row"
        aria-current={selected ? 'true' : undefined}
        onClick={() => void selectEntry(entry.seq)}
        data-testid="audit-row"
        data-seq={entry.seq}
        data-action={action}
        data-kind={row.kind}
        data-intent-seq={row.kind === 'outcome' ? row.intentSeq : undefined}
      >
        <span className="audit-row__time">
          <time dateTime={new Date(entry.time).toISOString()} title={absoluteTime(entry.time)}>
            {relativeTime(now, entry.time)}
          </time>
          <span className="audit-row__seq">#{entry.seq}</span>
        </span>
        <span className="audit-row__action" data-testid="audit-row-action">
          {actionLabel(action)}
        </span>
        <span className="audit-row__device">
          <DeviceName id={device} />
        </span>
        <span className="audit-row__technician">{entry.technician?.name ?? <span className="muted">—</span>}</span>
        <span className="audit-row__result">
          {row.kind === 'pending' ? <ResultBadge pending={row.state} /> : <ResultBadge result={entry.result} />}
        </span>
        {entry.error !== null ? (
          <span className="audit-row__error" data-testid="audit-row-error">
            {entry.error.message}
          </span>
        ) : null}
      </button>
    </li>
  );
}

export function Timeline(): React.ReactElement {
  const entries = useAuditStore((s) => s.entries);
  const headSession = useAuditStore((s) => s.headSession);
  const list = useAuditStore((s) => s.list);
  const older = useAuditStore((s) => s.older);
  const more = useAuditStore((s) => s.more);
  const filters = useAuditStore((s) => s.filters);
  const selectedSeq = useAuditStore((s) => s.selectedSeq);
  const rows = useMemo(() => timelineRows(entries, headSession), [entries, headSession]);

  if (list.status === 'error' && entries.length === 0) {
    return (
      <ErrorNotice error={list.error} title="The audit log could not be read" testId="audit-list-error">
        <button type="button" className="button" onClick={() => void reloadTimeline()}>
          Try again
        </button>
      </ErrorNotice>
    );
  }
  if (list.status !== 'ready' && entries.length === 0) return <p className="muted">Reading the audit log…</p>;
  if (rows.length === 0) {
    return (
      <div className="audit-empty" data-testid="audit-empty">
        {hasFilters(filters) ? (
          <p>No entry matches these filters. Widen the time range or choose “Show everything”.</p>
        ) : (
          <p>
            Nothing recorded yet. Every action you take — finding a gateway, authenticating, importing a bundle, flashing, benchmarking —
            will appear here, with who did it and how it ended.
          </p>
        )}
      </div>
    );
  }
  return (
    <>
      {list.status === 'error' ? <ErrorNotice error={list.error} title="New entries could not be read; showing what was loaded" /> : null}
      <div className="audit-timeline__head" aria-hidden="true">
        <span>When</span>
        <span>Action</span>
        <span>Gateway</span>
        <span>Technician</span>
        <span>Result</span>
      </div>
      <ol
        className="audit-timeline__list"
        aria-label={`Audit entries, newest first (${formatCount(rows.length)} shown)`}
        data-testid="audit-timeline"
      >
        {rows.map((row) => (
          <Row
            key={row.entry.seq}
            row={row}
            selected={row.entry.seq === selectedSeq || (row.kind === 'outcome' && row.intentSeq === selectedSeq)}
          />
        ))}
      </ol>
      <div className="audit-timeline__more">
        {more ? (
          <button
            type="button"
            className="button"
            disabled={older.status === 'loading'}
            onClick={() => void loadOlder()}
            data-testid="audit-older"
          >
            {older.status === 'loading' ? 'Loading older entries…' : 'Older entries'}
          </button>
        ) : (
          <p className="muted" data-testid="audit-start">
            {hasFilters(filters) ? 'No older entry matches these filters.' : 'This is the start of the log.'}
          </p>
        )}
        {older.status === 'error' ? <ErrorNotice error={older.error} title="Older entries could not be read" /> : null}
      </div>
    </>
  );
}
