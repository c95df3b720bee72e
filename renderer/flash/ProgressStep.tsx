/**
 * Step 4, "Go": one row per gateway with its progress (bytes, rate, ETA), the step it is on and
 * the steps left, cancel and retry, and the final result with the reason and the rollback outcome.
 * Fed by the `flash.progress` events in the store, so it is current whenever it is shown.
 */
import type { FlashJob, FlashTarget } from '../../core/api/schemas.js';
import { KIND_LABELS, formatSize } from '../bundles/format.js';
import { CopyButton } from '../shared/CopyButton.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { cancelFlash, exportKey, exportReport, newFlash, retryFlash, viewJob } from './flash-service.js';
import { jobsNewestFirst, targetKey } from './job-state.js';
import {
  canCancel,
  canRetry,
  formatBytes,
  formatEta,
  formatRate,
  jobTally,
  stepChips,
  stepsLeft,
  targetStatus,
} from './progress-format.js';
import { useFlashStore } from './store.js';
import { shortId } from './summary.js';

const CHIP_ICONS = { done: '✓', current: '▶', failed: '✗', todo: '○', skipped: '–', cancelled: '■' } as const;

function TargetRow({ job, target }: { job: FlashJob; target: FlashTarget }): React.ReactElement {
  const reached = useFlashStore((s) => s.jobs.reached.get(targetKey(job.id, target.deviceId)) ?? null);
  const action = useFlashStore((s) => s.actions.get(targetKey(job.id, target.deviceId)));
  const chips = stepChips(target, reached);
  const status = targetStatus(target);
  const left = target.state === 'running' || target.state === 'pending' ? stepsLeft(chips) : null;
  const busy = action?.status === 'loading';
  const showBar = target.bytesTotal > 0 && (target.step === 'transfer' || target.state === 'running' || target.bytesSent > 0);
  return (
    <li
      className={`flash-target flash-target--${status.tone}`}
      data-testid="flash-target"
      data-device-id={target.deviceId}
      data-state={target.state}
      data-step={target.step}
    >
      <div className="flash-target__head">
        <p className="flash-target__name">
          <strong>{target.deviceName}</strong> <code className="muted">{shortId(target.deviceId)}</code>{' '}
          <CopyButton value={target.deviceId} label={`the id of ${target.deviceName}`} />
          <span className="muted">
            {' '}
            {target.fromVersion ?? (job.bundleKind === 'model' ? 'not installed' : 'unknown')} → {target.toVersion ?? '?'}
          </span>
        </p>
        <span className="header__spacer" />
        {canCancel(target) ? (
          <button
            type="button"
            className="button button--small"
            disabled={busy}
            onClick={() => void cancelFlash(job.id, target.deviceId)}
            data-testid="flash-target-cancel"
            aria-label={`Cancel ${target.deviceName}`}
          >
            Cancel
          </button>
        ) : null}
        {canRetry(target) ? (
          <button
            type="button"
            className="button button--small"
            disabled={busy}
            onClick={() => void retryFlash(job.id, [target.deviceId])}
            data-testid="flash-target-retry"
            aria-label={`Retry ${target.deviceName}`}
          >
            Retry
          </button>
        ) : null}
      </div>
      <ol className="flash-chips" aria-label={`Steps for ${target.deviceName}`}>
        {chips.map((c) => (
          <li key={c.step} className={`flash-chip flash-chip--${c.state}`} data-testid="flash-chip" data-step={c.step} data-state={c.state}>
            <span aria-hidden="true">{CHIP_ICONS[c.state]} </span>
            {c.label}
            <span className="visually-hidden"> ({c.state})</span>
          </li>
        ))}
      </ol>
      <p className="flash-target__now" data-testid="flash-target-status" aria-live="polite">
        {status.headline}
        {left === null ? null : <span className="muted"> · {left}</span>}
      </p>
      {showBar ? (
        <div className="flash-target__transfer">
          <progress
            max={target.bytesTotal}
            value={target.bytesSent}
            aria-label={`Bytes sent to ${target.deviceName}`}
            data-testid="flash-target-progress"
          />
          <span data-testid="flash-target-bytes">{formatBytes(target.bytesSent, target.bytesTotal)}</span>
          {target.state === 'running' && target.step === 'transfer' ? (
            <span className="muted">
              {formatRate(target.rateBps)} · {formatEta(target.etaSeconds)} left
            </span>
          ) : null}
          {target.resumedFrom !== null && target.resumedFrom > 0 ? (
            <span className="muted">resumed: the gateway already held {formatSize(target.resumedFrom)}</span>
          ) : null}
        </div>
      ) : null}
      {status.reason === null ? null : (
        <p className={`flash-target__reason flash-target__reason--${status.tone}`} data-testid="flash-target-reason">
          {status.reason.message} <code className="check__code">{status.reason.code}</code>
        </p>
      )}
      {status.rollback === null ? null : (
        <p
          className={`flash-target__rollback${target.rollback === 'rollback-failed' ? ' flash-target__rollback--bad' : ''}`}
          data-testid="flash-target-rollback"
        >
          {status.rollback}
        </p>
      )}
      {action?.status === 'error' ? <ErrorNotice error={action.error} title="That did not work" /> : null}
    </li>
  );
}

function OtherJobs({ current }: { current: string }): React.ReactElement | null {
  const state = useFlashStore((s) => s.jobs);
  const jobs = jobsNewestFirst(state).filter((j) => j.id !== current);
  if (jobs.length === 0) return null;
  return (
    <details className="flash-other-jobs">
      <summary>Earlier jobs ({jobs.length})</summary>
      <ul className="plain-list">
        {jobs.map((j) => (
          <li key={j.id}>
            <button type="button" className="button button--small" onClick={() => viewJob(j.id)}>
              Show
            </button>{' '}
            {j.bundleName ?? 'Bundle'} {j.bundleVersion ?? ''} · {new Date(j.createdAt).toLocaleString()} · {j.state} · {jobTally(j).text}
          </li>
        ))}
      </ul>
    </details>
  );
}

export function ProgressStep({ jobId }: { jobId: string }): React.ReactElement {
  const job = useFlashStore((s) => s.jobs.jobs.get(jobId));
  const allAction = useFlashStore((s) => s.actions.get(targetKey(jobId, '*')));
  const exporting = useFlashStore((s) => s.actions.get(exportKey(jobId)));
  if (job === undefined) return <p className="muted">Waiting for the job’s first report…</p>;
  const tally = jobTally(job);
  const cancellable = job.targets.some(canCancel);
  const retryable = job.targets.filter(canRetry).map((t) => t.deviceId);
  return (
    <section className="flash-step" aria-labelledby="flash-go-title" data-testid="flash-go" data-job-id={job.id} data-job-state={job.state}>
      <div className="toolbar flash-toolbar">
        <h2 id="flash-go-title">
          4 · {job.state === 'running' ? 'Flashing' : 'Flashed'} {job.bundleName ?? 'bundle'} {job.bundleVersion ?? ''}
          {job.bundleKind === null ? '' : ` (${KIND_LABELS[job.bundleKind]})`}
        </h2>
        <span className="header__spacer" />
        {cancellable ? (
          <button
            type="button"
            className="button"
            disabled={allAction?.status === 'loading'}
            onClick={() => void cancelFlash(job.id)}
            data-testid="flash-cancel-all"
          >
            Cancel all
          </button>
        ) : null}
        {retryable.length > 0 ? (
          <button
            type="button"
            className="button"
            disabled={allAction?.status === 'loading'}
            onClick={() => void retryFlash(job.id, retryable)}
            data-testid="flash-retry-failed"
          >
            Retry {retryable.length} gateway{retryable.length === 1 ? '' : 's'}
          </button>
        ) : null}
        {job.state === 'running' ? null : (
          <>
            <button
              type="button"
              className="button"
              disabled={exporting?.status === 'loading'}
              onClick={() => void exportReport(job.id, 'html')}
              data-testid="flash-export"
              title="A printable page to leave on site: bundle, hashes, signers, every gateway and step, the result"
            >
              Export report
            </button>
            <button
              type="button"
              className="button"
              disabled={exporting?.status === 'loading'}
              onClick={() => void exportReport(job.id, 'json')}
              data-testid="flash-export-json"
            >
              Export JSON
            </button>
          </>
        )}
        <button type="button" className="button" onClick={newFlash} data-testid="flash-new">
          New flash
        </button>
      </div>
      <p className={`flash-job-tally flash-job-tally--${job.state}`} data-testid="flash-job-tally" aria-live="polite">
        <strong>
          {job.state === 'running'
            ? 'Running'
            : job.state === 'succeeded'
              ? 'Done'
              : job.state === 'failed'
                ? 'Finished with failures'
                : job.state === 'cancelled'
                  ? 'Cancelled'
                  : 'Interrupted'}
        </strong>
        {' · '}
        {tally.text}
        {job.state === 'running' ? <span className="muted"> · keeps running if you switch views</span> : null}
      </p>
      {allAction?.status === 'error' ? <ErrorNotice error={allAction.error} title="That did not work" /> : null}
      {exporting?.status === 'error' ? <ErrorNotice error={exporting.error} title="The report could not be exported" /> : null}
      <ul className="plain-list flash-targets" data-testid="flash-targets">
        {job.targets.map((t) => (
          <TargetRow key={t.deviceId} job={job} target={t} />
        ))}
      </ul>
      <OtherJobs current={job.id} />
    </section>
  );
}
