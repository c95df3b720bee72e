/**
 * The Benchmark view: what (gateway and installed model) → settings → go, then the result:
 * charts, statistics, verdict; a diagnosis against the library bundle; the gateway's previous runs.
 */
import { useBundlesStore } from '../bundles/store.js';
import { compareDevices } from '../devices/selectors.js';
import { useDevicesStore } from '../devices/store.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { chooseDevice, chooseModel, runBenchmark, runDiagnosis, showRun } from './bench-service.js';
import { DiagnosisResult } from './DiagnosisResult.js';
import { formatLatency, progressRatio, progressText, VERDICT_TEXT } from './format.js';
import { RunResult } from './RunResult.js';
import { bundleForModel, gatewayChoice, modelKey, parseSettings } from './selection.js';
import { benchActions, useBenchStore } from './store.js';

function GatewayPicker(): React.ReactElement {
  const devices = useDevicesStore((s) => s.devices);
  const deviceId = useBenchStore((s) => s.deviceId);
  const running = useBenchStore((s) => s.running.status === 'loading');
  const list = [...devices.values()].sort(compareDevices);
  return (
    <label className="bench-field">
      <span>Gateway</span>
      <select
        value={deviceId ?? ''}
        disabled={running}
        onChange={(e) => chooseDevice(e.target.value === '' ? null : e.target.value)}
        data-testid="bench-device"
      >
        <option value="">Choose a gateway…</option>
        {list.map((d) => {
          const choice = gatewayChoice(d);
          return (
            <option key={d.id} value={d.id} disabled={!choice.ok} data-device-id={d.id}>
              {d.name} · {d.id.slice(0, 12)}
              {choice.ok ? '' : ` — ${choice.reason}`}
            </option>
          );
        })}
      </select>
    </label>
  );
}

function ModelPicker(): React.ReactElement | null {
  const deviceId = useBenchStore((s) => s.deviceId);
  const key = useBenchStore((s) => s.modelKey);
  const running = useBenchStore((s) => s.running.status === 'loading');
  const device = useDevicesStore((s) => (deviceId === null ? undefined : s.devices.get(deviceId)));
  const models = device?.descriptor?.models ?? [];
  if (deviceId === null) return null;
  return (
    <label className="bench-field">
      <span>Installed model</span>
      <select
        value={key ?? ''}
        disabled={running || models.length === 0}
        onChange={(e) => chooseModel(e.target.value)}
        data-testid="bench-model"
      >
        {models.length === 0 ? <option value="">No model installed</option> : null}
        {models.map((m) => (
          <option key={modelKey(m)} value={modelKey(m)}>
            {m.name} {m.version} · {m.sha256.slice(0, 12)}
          </option>
        ))}
      </select>
    </label>
  );
}

function Settings(): React.ReactElement {
  const warmup = useBenchStore((s) => s.warmup);
  const iterations = useBenchStore((s) => s.iterations);
  const threads = useBenchStore((s) => s.threads);
  const running = useBenchStore((s) => s.running.status === 'loading');
  const check = parseSettings(warmup, iterations, threads);
  return (
    <fieldset className="bench-settings" disabled={running}>
      <legend>Settings</legend>
      <label className="bench-field">
        <span>Warm-up (inferences, not timed)</span>
        <input
          inputMode="numeric"
          value={warmup}
          onChange={(e) => benchActions.settings({ warmup: e.target.value })}
          data-testid="bench-warmup"
        />
      </label>
      <label className="bench-field">
        <span>Iterations (timed inferences)</span>
        <input
          inputMode="numeric"
          value={iterations}
          onChange={(e) => benchActions.settings({ iterations: e.target.value })}
          data-testid="bench-iterations"
        />
      </label>
      <label className="bench-field">
        <span>Threads (“auto”: the gateway decides)</span>
        <input value={threads} onChange={(e) => benchActions.settings({ threads: e.target.value })} data-testid="bench-threads" />
      </label>
      {check.ok ? null : (
        <p className="notice notice--error" role="alert" data-testid="bench-settings-error">
          {check.message}
        </p>
      )}
    </fieldset>
  );
}

function Go(): React.ReactElement {
  const s = useBenchStore();
  const bundles = useBundlesStore((b) => b.bundles);
  const device = useDevicesStore((d) => (s.deviceId === null ? undefined : d.devices.get(s.deviceId)));
  const model = device?.descriptor?.models.find((m) => modelKey(m) === s.modelKey);
  const settingsOk = parseSettings(s.warmup, s.iterations, s.threads).ok;
  const deviceOk = device !== undefined && gatewayChoice(device).ok;
  const running = s.running.status === 'loading';
  const ratio = s.progress === null ? null : progressRatio(s.progress.done, s.progress.total);
  const reference = model === undefined ? undefined : bundleForModel(bundles, model);
  return (
    <div className="bench-go">
      <div className="bench-go__actions">
        <button
          type="button"
          className="button button--primary"
          disabled={!deviceOk || model === undefined || !settingsOk || running}
          onClick={() => void runBenchmark()}
          data-testid="bench-run"
        >
          {running ? 'Benchmark running…' : 'Run benchmark'}
        </button>
        <button
          type="button"
          className="button"
          disabled={!deviceOk || model === undefined || s.diagnosis.status === 'loading'}
          onClick={() => void runDiagnosis()}
          data-testid="bench-diagnose"
          title={
            reference === undefined ? 'No verified model bundle in the library holds this model' : `Compare with ${reference.fileName}`
          }
        >
          {s.diagnosis.status === 'loading' ? 'Diagnosing…' : 'Diagnose'}
        </button>
        {model !== undefined && reference === undefined ? (
          <span className="muted">Diagnose needs the model's bundle in the library (golden inputs).</span>
        ) : null}
      </div>
      {running ? (
        <div className="bench-progress" data-testid="bench-progress">
          <progress max={1} value={ratio ?? undefined} aria-label="Benchmark progress" />
          <span>{s.progress === null ? 'Loading the model on the gateway…' : progressText(s.progress.done, s.progress.total)}</span>
        </div>
      ) : null}
      {s.running.status === 'error' ? (
        <ErrorNotice error={s.running.error} title="The benchmark did not finish" testId="bench-run-error" />
      ) : null}
    </div>
  );
}

function History(): React.ReactElement | null {
  const deviceId = useBenchStore((s) => s.deviceId);
  const history = useBenchStore((s) => s.history);
  const shown = useBenchStore((s) => s.shown);
  if (deviceId === null) return null;
  const shownId = shown.status === 'ready' ? shown.value.id : null;
  return (
    <section className="bench-history" aria-label="Previous runs" data-testid="bench-history">
      <h3>Previous runs on this gateway</h3>
      {history.status === 'loading' ? <p className="muted">Loading…</p> : null}
      {history.status === 'error' ? <ErrorNotice error={history.error} title="The previous runs could not be read" /> : null}
      {history.status === 'ready' && history.value.length === 0 ? <p className="muted">No benchmark on this gateway yet.</p> : null}
      {history.status === 'ready' && history.value.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Model</th>
              <th scope="col" className="num">
                p50
              </th>
              <th scope="col" className="num">
                p99
              </th>
              <th scope="col">Verdict</th>
              <th scope="col">
                <span className="visually-hidden">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {history.value.map((r) => (
              <tr key={r.id} data-testid="bench-history-row" data-run-id={r.id} aria-current={r.id === shownId ? 'true' : undefined}>
                <td>{new Date(r.createdAt).toLocaleString()}</td>
                <td>
                  {r.model.name} {r.model.version}
                </td>
                <td className="num">{formatLatency(r.stats.p50)}</td>
                <td className="num">{formatLatency(r.stats.p99)}</td>
                <td>{VERDICT_TEXT[r.verdict].split(' — ')[0]}</td>
                <td>
                  <button
                    type="button"
                    className="button button--small"
                    onClick={() => void showRun(r.id)}
                    data-testid="bench-history-open"
                  >
                    Show
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

export function BenchView(): React.ReactElement {
  const shown = useBenchStore((s) => s.shown);
  const diagnosis = useBenchStore((s) => s.diagnosis);
  return (
    <div className="bench-view" data-testid="bench-view">
      <section className="bench-setup" aria-label="What, where and how">
        <h2>Benchmark &amp; diagnostics</h2>
        <GatewayPicker />
        <ModelPicker />
        <Settings />
        <Go />
      </section>
      <div className="bench-view__body">
        {diagnosis.status === 'ready' ? <DiagnosisResult record={diagnosis.value} /> : null}
        {diagnosis.status === 'error' ? (
          <ErrorNotice error={diagnosis.error} title="The diagnosis did not finish" testId="bench-diagnose-error" />
        ) : null}
        {shown.status === 'loading' ? <p className="muted">Loading the run…</p> : null}
        {shown.status === 'error' ? <ErrorNotice error={shown.error} title="The run could not be read" /> : null}
        {shown.status === 'ready' ? <RunResult run={shown.value} /> : null}
        {shown.status === 'idle' && diagnosis.status === 'idle' ? (
          <p className="muted bench-empty">Choose a gateway and one of its installed models, then run a benchmark.</p>
        ) : null}
        <History />
      </div>
    </div>
  );
}
