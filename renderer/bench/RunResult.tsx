/**
 * One benchmark run: verdict with its reasons, the charts, the statistics table, what the gateway reported.
 */
import type { BenchRunDetail } from '../../core/api/schemas.js';
import { CopyButton } from '../shared/CopyButton.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { canPrint, exportRun, printRun } from './bench-service.js';
import { formatBytes, formatLatency, formatPercent, profileRows, settingsText, statRows, VERDICT_TEXT } from './format.js';
import { useBenchStore } from './store.js';
import { LatencyCdf, LatencyHistogram } from './LatencyCharts.js';

const VERDICT_CLASS = { pass: 'notice--ok', warn: 'notice--hint', fail: 'notice--error', 'no-baseline': 'notice--hint' } as const;

function ReportActions({ id }: { id: string }): React.ReactElement {
  const exporting = useBenchStore((s) => s.exporting);
  const busy = exporting.status === 'loading';
  return (
    <div className="bench-report-actions">
      <button
        type="button"
        className="button"
        disabled={busy}
        onClick={() => void exportRun(id, 'html')}
        data-testid="bench-export"
        title="One HTML page to leave on site: statistics, verdict, charts and the gateway's latest diagnosis"
      >
        Export report
      </button>
      <button type="button" className="button" disabled={busy} onClick={() => void exportRun(id, 'json')} data-testid="bench-export-json">
        Export JSON
      </button>
      {canPrint() ? (
        <button type="button" className="button" disabled={busy} onClick={() => void printRun(id)} data-testid="bench-print-button">
          Print / Save as PDF
        </button>
      ) : null}
      {exporting.status === 'error' ? <ErrorNotice error={exporting.error} title="The report could not be made" /> : null}
    </div>
  );
}

function ProfileTable({ run }: { run: BenchRunDetail }): React.ReactElement | null {
  const profile = run.run.profile;
  if (profile === undefined || profile.length === 0) return null;
  const { rows, totalUs, hidden } = profileRows(profile);
  return (
    <table className="table bench-profile" data-testid="bench-profile">
      <caption>
        Per-operator profile: the top operators by total time ({formatLatency(totalUs)} over the whole run)
        {hidden > 0 ? `; ${hidden} more not shown` : ''}
      </caption>
      <thead>
        <tr>
          <th scope="col">Operator</th>
          <th scope="col">Node</th>
          <th scope="col" className="num">
            Calls
          </th>
          <th scope="col" className="num">
            Total time
          </th>
          <th scope="col" className="num">
            Per call
          </th>
          <th scope="col" className="num">
            Share
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((p) => (
          <tr key={p.name} data-testid="bench-profile-row">
            <td>{p.op}</td>
            <td>
              <code>{p.name}</code>
            </td>
            <td className="num">{p.count}</td>
            <td className="num">{formatLatency(p.totalUs)}</td>
            <td className="num">{formatLatency(p.perCallUs)}</td>
            <td className="num" data-testid="bench-profile-share">
              {formatPercent(p.share)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RunResult({ run }: { run: BenchRunDetail }): React.ReactElement {
  return (
    <section className="bench-result" data-testid="bench-result" data-run-id={run.id} aria-label="Benchmark result">
      <ReportActions id={run.id} />
      <div className={`notice ${VERDICT_CLASS[run.verdict]}`} data-testid="bench-verdict" data-verdict={run.verdict}>
        <p className="notice__title">{VERDICT_TEXT[run.verdict]}</p>
        {run.reasons.length === 0 ? null : (
          <ul className="bench-reasons" data-testid="bench-reasons">
            {run.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        )}
        <p className="muted">
          {run.baselineBundle === null ? 'No library bundle holds this model.' : `Baseline from ${run.baselineBundle.label}`} · hardware
          class {run.hardwareClass}
        </p>
      </div>
      {run.run.cancelled ? (
        <p className="notice notice--hint" data-testid="bench-cancelled">
          The run was cancelled: the figures cover {run.stats.count} inferences only.
        </p>
      ) : null}
      <div className="bench-charts">
        <LatencyHistogram samplesUs={run.samplesUs} />
        <LatencyCdf samplesUs={run.samplesUs} />
      </div>
      <div className="bench-tables">
        <table className="table bench-stats" data-testid="bench-stats">
          <caption>Statistics ({run.stats.count} timed inferences)</caption>
          <tbody>
            {statRows(run.stats).map((row) => (
              <tr key={row.key} data-stat={row.key}>
                <th scope="row">{row.label}</th>
                <td className="num">{row.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="table bench-run-facts">
          <caption>The run</caption>
          <tbody>
            <tr>
              <th scope="row">Model</th>
              <td>
                {run.model.name} {run.model.version} <code title={run.model.sha256}>{run.model.sha256.slice(0, 12)}…</code>{' '}
                <CopyButton value={run.model.sha256} label="Copy model hash" />
              </td>
            </tr>
            <tr>
              <th scope="row">Settings</th>
              <td>{settingsText(run.settings)}</td>
            </tr>
            <tr>
              <th scope="row">Execution provider</th>
              <td>
                {run.run.executionProvider} (has {run.run.providers.join(', ')})
              </td>
            </tr>
            <tr>
              <th scope="row">Model load time</th>
              <td className="num">{run.run.loadMs.toFixed(1)} ms</td>
            </tr>
            <tr>
              <th scope="row">Peak memory on the gateway</th>
              <td className="num">{formatBytes(run.run.peakRssBytes)}</td>
            </tr>
            <tr>
              <th scope="row">Measured</th>
              <td>{new Date(run.createdAt).toLocaleString()}</td>
            </tr>
          </tbody>
        </table>
      </div>
      <ProfileTable run={run} />
    </section>
  );
}
