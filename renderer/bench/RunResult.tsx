/**
 * One benchmark run: verdict with its reasons, the charts, the statistics table, what the gateway reported.
 */
import type { BenchRunDetail } from '../../core/api/schemas.js';
import { CopyButton } from '../shared/CopyButton.js';
import { formatBytes, statRows, VERDICT_TEXT } from './format.js';
import { LatencyCdf, LatencyHistogram } from './LatencyCharts.js';

const VERDICT_CLASS = { pass: 'notice--ok', warn: 'notice--hint', fail: 'notice--error', 'no-baseline': 'notice--hint' } as const;

export function RunResult({ run }: { run: BenchRunDetail }): React.ReactElement {
  return (
    <section className="bench-result" data-testid="bench-result" data-run-id={run.id} aria-label="Benchmark result">
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
        <p className="notice notice--hint">The run was cancelled: the figures cover {run.stats.count} inferences only.</p>
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
              <td>
                warm-up {run.settings.warmup} · iterations {run.settings.iterations} · threads {run.settings.threads ?? 'auto'}
              </td>
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
    </section>
  );
}
