/**
 * Step 3, "Confirm": exactly what changes on which gateway before anything is written — name, id
 * (copyable), from → to version, the slot written — and one button that says how many.
 */
import { useEffect, useRef } from 'react';
import type { BundleSummary } from '../../core/api/schemas.js';
import { KIND_LABELS } from '../bundles/format.js';
import { useDevicesStore } from '../devices/store.js';
import { CopyButton } from '../shared/CopyButton.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { chosen, goToStep, startFlashJob } from './flash-service.js';
import { useFlashStore } from './store.js';
import { buildSummary } from './summary.js';

export function ConfirmStep({ bundle }: { bundle: BundleSummary }): React.ReactElement {
  const deviceMap = useDevicesStore((s) => s.devices);
  const plan = useFlashStore((s) => s.plan);
  const start = useFlashStore((s) => s.start);
  const engine = useFlashStore((s) => s.engine);
  // Subscribed so the summary follows the selection and checks.
  useFlashStore((s) => s.selection);
  useFlashStore((s) => s.checks);
  const summary = buildSummary(bundle, [...deviceMap.values()], chosen(), plan.status === 'ready' ? plan.value : null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  const planning = plan.status === 'loading';
  return (
    <section className="flash-step" aria-labelledby="flash-confirm-title" data-testid="flash-confirm">
      <h2 id="flash-confirm-title" ref={heading} tabIndex={-1}>
        3 · Confirm: {summary.bundleName} {summary.toVersion} (
        {summary.bundleKind === null ? 'unknown kind' : KIND_LABELS[summary.bundleKind]}) on {summary.count} gateway
        {summary.count === 1 ? '' : 's'}
      </h2>
      <p className="muted">
        {summary.bundleKind === 'model'
          ? 'The model goes into each gateway’s model store and must pass its golden checks there; the running system is not touched.'
          : 'The image is written to the inactive slot; the gateway boots it on trial and goes back to the current slot by itself if the health check fails.'}
      </p>
      {planning ? (
        <p className="muted" data-testid="flash-planning">
          Asking each gateway again what it runs…
        </p>
      ) : null}
      {plan.status === 'error' ? (
        <ErrorNotice
          error={plan.error}
          title="The engine could not look at the gateways again; the summary below is from their last answer"
          testId="flash-plan-error"
        />
      ) : null}
      <div className="table-scroll">
        <table className="table flash-summary" data-testid="flash-summary">
          <thead>
            <tr>
              <th scope="col">Gateway</th>
              <th scope="col">Id</th>
              <th scope="col">Now</th>
              <th scope="col" aria-label="becomes" />
              <th scope="col">After</th>
              <th scope="col">Written to</th>
              <th scope="col">Notes</th>
            </tr>
          </thead>
          <tbody>
            {summary.rows.map((row) => (
              <tr
                key={row.deviceId}
                className={row.willFlash ? '' : 'is-muted'}
                data-testid="flash-summary-row"
                data-device-id={row.deviceId}
                data-will-flash={row.willFlash}
              >
                <td>
                  <strong>{row.name}</strong>
                </td>
                <td className="flash-summary__id">
                  <code title={row.deviceId} data-testid="flash-summary-id">
                    {row.shortId}…
                  </code>{' '}
                  <CopyButton value={row.deviceId} label={`the id of ${row.name}`} />
                </td>
                <td data-testid="flash-summary-from">{row.fromText}</td>
                <td aria-hidden="true">→</td>
                <td data-testid="flash-summary-to">
                  <strong>{row.toVersion}</strong>
                </td>
                <td data-testid="flash-summary-where" data-slot={row.slot ?? ''}>
                  {row.whereText}
                </td>
                <td>
                  {row.notes.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    <ul className="plain-list">
                      {row.notes.map((n) => (
                        <li key={n.code} className="flash-summary__note" data-testid="flash-summary-note">
                          {n.message} <code className="check__code">{n.code}</code>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {engine.status === 'unavailable' ? (
        <p className="notice notice--hint" data-testid="flash-engine-missing">
          This build’s engine has no flash jobs yet: starting will report <code>{engine.error.code}</code> and write nothing.
        </p>
      ) : null}
      {start.status === 'error' ? <ErrorNotice error={start.error} title="The flash job did not start" testId="flash-start-error" /> : null}
      <div className="flash-actions">
        <button
          type="button"
          className="button button--primary flash-go"
          disabled={summary.count === 0 || planning || start.status === 'loading'}
          onClick={() => void startFlashJob()}
          data-testid="flash-start"
        >
          {start.status === 'loading' ? 'Starting…' : summary.buttonLabel}
        </button>
        <button type="button" className="button" onClick={() => goToStep('where')} data-testid="flash-back">
          Back to gateways
        </button>
      </div>
    </section>
  );
}
