/**
 * The Benchmark view: what (gateway and installed model) → settings → go, then the result:
 * charts, statistics, verdict; a diagnosis against the library bundle; the gateway's previous runs.
 */
import { useBundlesStore } from '../bundles/store.js';
import { compareDevices } from '../devices/selectors.js';
import { useDevicesStore } from '../devices/store.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { useEffect } from 'react';
import {
  cancelBenchmark,
  chooseDevice,
  chooseDiagnoseBundle,
  chooseModel,
  loadReferenceShas,
  runBenchmark,
  runDiagnosis,
  showDiagnosis,
  showRun,
} from './bench-service.js';
import { CompareRuns } from './CompareRuns.js';
import { DiagnosisResult } from './DiagnosisResult.js';
import { DIAGNOSIS_TEXT, formatLatency, progressRatio, progressText, VERDICT_TEXT } from './format.js';
import { RunResult } from './RunResult.js';
import { gatewayChoice, modelKey, parseRunSettings, providerChoices, referenceBundles } from './selection.js';
import { benchActions, useBenchStore, type Load } from './store.js';

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

function ProviderPicker(): React.ReactElement {
  const deviceId = useBenchStore((s) => s.deviceId);
  const provider = useBenchStore((s) => s.provider);
  const history = useBenchStore((s) => s.history);
  const device = useDevicesStore((d) => (deviceId === null ? undefined : d.devices.get(deviceId)));
  // The newest run says which onnxruntime providers the gateway really has.
  const reported = history.status === 'ready' && history.value.length > 0 ? history.value[0]!.run.providers : null;
  const options = providerChoices(device?.descriptor?.accelerators ?? [], reported);
  return (
    <label className="bench-field">
      <span>Execution provider</span>
      <select value={provider} onChange={(e) => benchActions.settings({ provider: e.target.value })} data-testid="bench-provider">
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function Settings(): React.ReactElement {
  const s = useBenchStore();
  const running = s.running.status === 'loading';
  const check = parseRunSettings(s);
  return (
    <fieldset className="bench-settings" disabled={running}>
      <legend>Settings</legend>
      <label className="bench-field">
        <span>Warm-up (inferences, not timed)</span>
        <input
          inputMode="numeric"
          value={s.warmup}
          onChange={(e) => benchActions.settings({ warmup: e.target.value })}
          data-testid="bench-warmup"
        />
      </label>
      <div className="bench-mode" role="radiogroup" aria-label="How long to measure">
        <label className="bench-check">
          <input
            type="radio"
            name="bench-mode"
            checked={s.mode === 'iterations'}
            onChange={() => benchActions.settings({ mode: 'iterations' })}
            data-testid="bench-mode-iterations"
          />
          <span>A number of inferences</span>
        </label>
        <label className="bench-check">
          <input
            type="radio"
            name="bench-mode"
            checked={s.mode === 'duration'}
            onChange={() => benchActions.settings({ mode: 'duration' })}
            data-testid="bench-mode-duration"
          />
          <span>Run for a number of seconds</span>
        </label>
      </div>
      {s.mode === 'iterations' ? (
        <label className="bench-field">
          <span>Iterations (timed inferences)</span>
          <input
            inputMode="numeric"
            value={s.iterations}
            onChange={(e) => benchActions.settings({ iterations: e.target.value })}
            data-testid="bench-iterations"
          />
        </label>
      ) : (
        <label className="bench-field">
          <span>Run for (seconds, timed)</span>
          <input
            inputMode="decimal"
            value={s.durationS}
            onChange={(e) => benchActions.settings({ durationS: e.target.value })}
            data-testid="bench-duration"
          />
        </label>
      )}
      <label className="bench-field">
        <span>Threads (“auto”: the gateway decides)</span>
        <input value={s.threads} onChange={(e) => benchActions.settings({ threads: e.target.value })} data-testid="bench-threads" />
      </label>
      <ProviderPicker />
      <label className="bench-check">
        <input
          type="checkbox"
          checked={s.profile}
          onChange={(e) => benchActions.settings({ profile: e.target.checked })}
          data-testid="bench-profile-box"
        />
        <span>Per-operator profile (onnxruntime profiling; it slows the run a little)</span>
      </label>
      {check.ok ? null : (
        <p className="notice notice--error" role="alert" data-testid="bench-settings-error">
          {check.message}
        </p>
      )}
    </fieldset>
  );
}

function ReferencePicker({ model }: { model: { name: string; version: string; sha256: string } }): React.ReactElement | null {
  const bundles = useBundlesStore((b) => b.bundles);
  const shas = useBenchStore((s) => s.bundleModelShas);
  const chosen = useBenchStore((s) => s.diagnoseBundleId);
  const busy = useBenchStore((s) => s.diagnosis.status === 'loading');
  useEffect(() => {
    void loadReferenceShas();
  }, [bundles, model.name, model.version, model.sha256]);
  const refs = referenceBundles(bundles, model, shas);
  if (refs.options.length === 0) return null;
  const value = chosen !== null && refs.options.some((o) => o.bundle.id === chosen) ? chosen : (refs.defaultId ?? '');
  return (
    <label className="bench-field bench-reference">
      <span>Diagnose against (library bundle with the golden inputs)</span>
      <select value={value} disabled={busy} onChange={(e) => chooseDiagnoseBundle(e.target.value)} data-testid="bench-diagnose-bundle">
        {refs.options.map((o) => (
          <option key={o.bundle.id} value={o.bundle.id} data-holds-installed={o.holdsInstalled} data-file-name={o.bundle.fileName}>
            {o.label}
          </option>
        ))}
      </select>
      <span className="muted bench-reference__chosen" data-testid="bench-diagnose-bundle-text">
        {refs.options.find((o) => o.bundle.id === value)?.label}
      </span>
    </label>
  );
}

function Go(): React.ReactElement {
  const s = useBenchStore();
  const bundles = useBundlesStore((b) => b.bundles);
  const device = useDevicesStore((d) => (s.deviceId === null ? undefined : d.devices.get(s.deviceId)));
  const model = device?.descriptor?.models.find((m) => modelKey(m) === s.modelKey);
  const settingsOk = parseRunSettings(s).ok;
  const deviceOk = device !== undefined && gatewayChoice(device).ok;
  const running = s.running.status === 'loading';
  const ratio = s.progress === null ? null : progressRatio(s.progress.done, s.progress.total);
  const references = model === undefined ? [] : referenceBundles(bundles, model, s.bundleModelShas).options;
  return (
    <div className="bench-go">
      {model === undefined ? null : <ReferencePicker model={model} />}
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
            references.length === 0
              ? 'No verified model bundle in the library holds this model'
              : 'Send the bundle’s golden inputs to the gateway and compare with this laptop'
          }
        >
          {s.diagnosis.status === 'loading' ? 'Diagnosing…' : 'Diagnose'}
        </button>
        {model !== undefined && references.length === 0 ? (
          <span className="muted">Diagnose needs the model's bundle in the library (golden inputs).</span>
        ) : null}
      </div>
      {running ? (
        <div className="bench-progress" data-testid="bench-progress">
          <progress max={1} value={ratio ?? undefined} aria-label="Benchmark progress" />
          <span>{s.progress === null ? 'Loading the model on the gateway…' : progressText(s.progress.done, s.progress.total)}</span>
          <button
            type="button"
            className="button button--small"
            disabled={s.cancel.status === 'loading' || s.cancel.status === 'ready'}
            onClick={() => void cancelBenchmark()}
            data-testid="bench-cancel"
            title="Stop the run; the inferences measured so far are kept as a cancelled run"
          >
            {s.cancel.status === 'idle' || s.cancel.status === 'error' ? 'Cancel' : 'Cancelling…'}
          </button>
        </div>
      ) : null}
      {s.cancel.status === 'error' ? <ErrorNotice error={s.cancel.error} title="The run could not be cancelled" /> : null}
      {s.running.status === 'error' ? (
        <ErrorNotice error={s.running.error} title="The benchmark did not finish" testId="bench-run-error" />
      ) : null}
    </div>
  );
}

/** A gateway's stored records as a table: loading, failed, empty, or one row each (`row` draws it). */
function PastRecords<T>(props: {
  readonly label: string;
  readonly testId: string;
  readonly title: string;
  readonly records: Load<readonly T[]>;
  readonly errorTitle: string;
  readonly empty: string;
  readonly columns: readonly React.ReactElement[];
  readonly row: (record: T) => React.ReactElement;
}): React.ReactElement {
  const { records } = props;
  return (
    <section className="bench-history" aria-label={props.label} data-testid={props.testId}>
      <h3>{props.title}</h3>
      {records.status === 'loading' ? <p className="muted">Loading…</p> : null}
      {records.status === 'error' ? <ErrorNotice error={records.error} title={props.errorTitle} /> : null}
      {records.status === 'ready' && records.value.length === 0 ? <p className="muted">{props.empty}</p> : null}
      {records.status === 'ready' && records.value.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              {props.columns}
              <th scope="col">
                <span className="visually-hidden">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>{records.value.map(props.row)}</tbody>
        </table>
      ) : null}
    </section>
  );
}

function History(): React.ReactElement | null {
  const deviceId = useBenchStore((s) => s.deviceId);
  const history = useBenchStore((s) => s.history);
  const shown = useBenchStore((s) => s.shown);
  if (deviceId === null) return null;
  const shownId = shown.status === 'ready' ? shown.value.id : null;
  return (
    <PastRecords
      label="Previous runs"
      testId="bench-history"
      title="Previous runs on this gateway"
      records={history}
      errorTitle="The previous runs could not be read"
      empty="No benchmark on this gateway yet."
      columns={[
        <th key="when" scope="col">
          When
        </th>,
        <th key="model" scope="col">
          Model
        </th>,
        <th key="p50" scope="col" className="num">
          p50
        </th>,
        <th key="p99" scope="col" className="num">
          p99
        </th>,
        <th key="verdict" scope="col">
          Verdict
        </th>,
      ]}
      row={(r) => (
        <tr key={r.id} data-testid="bench-history-row" data-run-id={r.id} aria-current={r.id === shownId ? 'true' : undefined}>
          <td>{new Date(r.createdAt).toLocaleString()}</td>
          <td>
            {r.model.name} {r.model.version}
          </td>
          <td className="num">{formatLatency(r.stats.p50)}</td>
          <td className="num">{formatLatency(r.stats.p99)}</td>
          <td>{VERDICT_TEXT[r.verdict].split(' — ')[0]}</td>
          <td>
            <button type="button" className="button button--small" onClick={() => void showRun(r.id)} data-testid="bench-history-open">
              Show
            </button>
          </td>
        </tr>
      )}
    />
  );
}

function DiagnosisHistory(): React.ReactElement | null {
  const deviceId = useBenchStore((s) => s.deviceId);
  const diagnoses = useBenchStore((s) => s.diagnoses);
  const shown = useBenchStore((s) => s.diagnosis);
  if (deviceId === null) return null;
  const shownId = shown.status === 'ready' ? shown.value.id : null;
  return (
    <PastRecords
      label="Previous diagnoses"
      testId="bench-diagnoses"
      title="Previous diagnoses of this gateway"
      records={diagnoses}
      errorTitle="The previous diagnoses could not be read"
      empty="No diagnosis of this gateway yet."
      columns={[
        <th key="when" scope="col">
          When
        </th>,
        <th key="bundle" scope="col">
          Reference bundle
        </th>,
        <th key="verdict" scope="col">
          Verdict
        </th>,
        <th key="explanation" scope="col">
          Explanation
        </th>,
      ]}
      row={(d) => (
        <tr
          key={d.id}
          data-testid="bench-diagnoses-row"
          data-diagnosis-id={d.id}
          data-verdict={d.verdict}
          aria-current={d.id === shownId ? 'true' : undefined}
        >
          <td>{new Date(d.createdAt).toLocaleString()}</td>
          <td>{d.bundleLabel}</td>
          <td>{DIAGNOSIS_TEXT[d.verdict].split(' — ')[0]}</td>
          <td className="bench-history__explanation">{d.explanation}</td>
          <td>
            <button type="button" className="button button--small" onClick={() => showDiagnosis(d)} data-testid="bench-diagnoses-open">
              Show
            </button>
          </td>
        </tr>
      )}
    />
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
        <DiagnosisHistory />
        <CompareRuns />
      </div>
    </div>
  );
}
