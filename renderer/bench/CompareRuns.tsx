/**
 * Stored runs side by side, this gateway's and other gateways' runs of the same model file: one
 * column per run with each figure's difference against the first chosen run, and their CDFs in
 * one chart. The table itself comes from core/api/bench-compare.ts, which the CLI prints too.
 */
import { useMemo } from 'react';
import { compareChoice, compareRuns, type CompareCell, type Comparison } from '../../core/api/bench-compare.js';
import type { BenchRun } from '../../core/api/schemas.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { clearCompare, toggleCompare } from './bench-service.js';
import { formatLatency, VERDICT_TEXT } from './format.js';
import { CompareCdf, type CdfSeries } from './LatencyCharts.js';
import { useBenchStore } from './store.js';

const when = (ms: number): string => new Date(ms).toLocaleString();

function Delta({ cell }: { cell: CompareCell }): React.ReactElement | null {
  if (cell.deltaText === null) return null;
  const tone = cell.better === null ? '' : cell.better ? ' bench-delta--better' : ' bench-delta--worse';
  return (
    <span className={`bench-delta${tone}`} data-testid="bench-compare-delta">
      {cell.deltaText}
      {cell.better === null ? '' : cell.better ? ' (better)' : ' (worse)'}
    </span>
  );
}

function CompareTable({ comparison }: { comparison: Comparison }): React.ReactElement {
  const { columns, rows } = comparison;
  return (
    <div className="bench-compare__scroll">
      <table className="table bench-compare__table" data-testid="bench-compare-table">
        <caption>Each run against the first one chosen (reference)</caption>
        <thead>
          <tr>
            <th scope="col">Figure</th>
            {columns.map((c, i) => (
              <th scope="col" key={c.id} data-run-id={c.id} className="num">
                {c.deviceName}
                <br />
                <span className="muted">{i === 0 ? 'reference' : `run ${i + 1}`}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Gateway</th>
            {columns.map((c) => (
              <td key={c.id}>
                {c.deviceName} <code title={c.deviceId}>{c.deviceId.slice(0, 12)}</code>
                <br />
                <span className="muted">{c.hardwareClass}</span>
              </td>
            ))}
          </tr>
          <tr>
            <th scope="row">Measured</th>
            {columns.map((c) => (
              <td key={c.id}>{when(c.createdAt)}</td>
            ))}
          </tr>
          <tr>
            <th scope="row">Settings</th>
            {columns.map((c) => (
              <td key={c.id} data-testid="bench-compare-settings">
                {c.settings}
                {c.flags.map((f) => (
                  <p key={f} className="bench-compare__flag" data-testid="bench-compare-flag">
                    {f}
                  </p>
                ))}
              </td>
            ))}
          </tr>
          <tr>
            <th scope="row">Timed inferences</th>
            {columns.map((c) => (
              <td key={c.id} className="num">
                {c.samples}
              </td>
            ))}
          </tr>
          {rows.map((r) => (
            <tr key={r.key} data-stat={r.key}>
              <th scope="row">{r.label}</th>
              {r.cells.map((cell, i) => (
                <td key={columns[i]!.id} className="num">
                  {cell.text}
                  <br />
                  <Delta cell={cell} />
                </td>
              ))}
            </tr>
          ))}
          <tr>
            <th scope="row">Verdict</th>
            {columns.map((c) => (
              <td key={c.id}>{VERDICT_TEXT[c.verdict].split(' — ')[0]}</td>
            ))}
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function Picker({ runs, chosen }: { runs: readonly BenchRun[]; chosen: readonly BenchRun[] }): React.ReactElement {
  const ids = chosen.map((r) => r.id);
  return (
    <table className="table bench-compare__picker" data-testid="bench-compare-runs">
      <thead>
        <tr>
          <th scope="col">Compare</th>
          <th scope="col">When</th>
          <th scope="col">Gateway</th>
          <th scope="col">Model</th>
          <th scope="col" className="num">
            p50
          </th>
          <th scope="col" className="num">
            p99
          </th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => {
          const choice = compareChoice(chosen, r);
          const order = ids.indexOf(r.id);
          return (
            <tr key={r.id} data-testid="bench-compare-run" data-run-id={r.id} data-device-id={r.deviceId}>
              <td>
                <label className="bench-check">
                  <input
                    type="checkbox"
                    checked={order >= 0}
                    disabled={!choice.ok && order < 0}
                    onChange={() => toggleCompare(r.id)}
                    data-testid="bench-compare-pick"
                    aria-label={`Compare the run of ${when(r.createdAt)} on ${r.deviceName}`}
                  />
                  <span>{order === 0 ? 'reference' : order > 0 ? `#${order + 1}` : ''}</span>
                </label>
                {choice.ok ? null : <p className="muted bench-compare__reason">Not comparable: {choice.reason}</p>}
              </td>
              <td>{when(r.createdAt)}</td>
              <td>
                {r.deviceName} <span className="muted">{r.hardwareClass}</span>
              </td>
              <td>
                {r.model.name} {r.model.version} <code title={r.model.sha256}>{r.model.sha256.slice(0, 12)}</code>
              </td>
              <td className="num">{formatLatency(r.stats.p50)}</td>
              <td className="num">{formatLatency(r.stats.p99)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function CompareRuns(): React.ReactElement {
  const allRuns = useBenchStore((s) => s.allRuns);
  const compareIds = useBenchStore((s) => s.compareIds);
  const samples = useBenchStore((s) => s.compareSamples);
  const runs = allRuns.status === 'ready' ? allRuns.value : [];
  const chosen = useMemo(
    () => compareIds.map((id) => runs.find((r) => r.id === id)).filter((r): r is BenchRun => r !== undefined),
    [compareIds, runs],
  );
  const comparison = useMemo(() => compareRuns(chosen), [chosen]);
  const series = useMemo((): readonly CdfSeries[] => {
    const out: CdfSeries[] = [];
    for (const c of comparison.columns) {
      const load = samples[c.id];
      if (load?.status === 'ready') out.push({ label: `${c.deviceName} · ${when(c.createdAt)}`, samplesUs: load.value });
    }
    return out;
  }, [comparison, samples]);
  const sampleErrors = comparison.columns.flatMap((c) => {
    const load = samples[c.id];
    return load?.status === 'error' ? [load.error] : [];
  });
  return (
    <section className="bench-compare" aria-label="Compare runs" data-testid="bench-compare">
      <h3>Compare runs</h3>
      <p className="muted">
        Tick two or more runs of the same model file, from this gateway or others: the first one ticked is the reference every difference is
        measured against.
      </p>
      {allRuns.status === 'loading' ? <p className="muted">Loading the stored runs…</p> : null}
      {allRuns.status === 'error' ? <ErrorNotice error={allRuns.error} title="The stored runs could not be read" /> : null}
      {allRuns.status === 'ready' && runs.length === 0 ? <p className="muted">No benchmark has been stored yet.</p> : null}
      {runs.length > 0 ? <Picker runs={runs} chosen={chosen} /> : null}
      {chosen.length === 1 ? <p className="muted">Tick at least one more run of the same model to compare.</p> : null}
      {comparison.columns.length >= 2 ? (
        <div className="bench-compare__result" data-testid="bench-compare-result">
          <div className="bench-go__actions">
            <button type="button" className="button button--small" onClick={() => clearCompare()} data-testid="bench-compare-clear">
              Clear the comparison
            </button>
          </div>
          <CompareTable comparison={comparison} />
          {series.length >= 2 ? <CompareCdf series={series} /> : <p className="muted">Loading the runs’ samples…</p>}
          {sampleErrors.map((e, i) => (
            <ErrorNotice key={i} error={e} title="A run’s samples could not be read" />
          ))}
        </div>
      ) : null}
    </section>
  );
}
