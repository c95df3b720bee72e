/**
 * The only code that talks to the engine about benchmarks and diagnostics.
 */
import type { DiagnosisRecord, FlashReportFormat } from '../../core/api/schemas.js';
import { downloadText } from '../flash/download.js';
import { api } from '../services/api-client.js';
import { onEngineReady } from '../services/engine-ready.js';
import { toUiError } from '../services/ui-error.js';
import { useBundlesStore } from '../bundles/store.js';
import { useDevicesStore } from '../devices/store.js';
import { modelKey, parseRunSettings, referenceBundles } from './selection.js';
import { benchActions, useBenchStore } from './store.js';

function chosenModel(): { name: string; version: string; sha256: string } | undefined {
  const s = useBenchStore.getState();
  if (s.deviceId === null || s.modelKey === null) return undefined;
  const device = useDevicesStore.getState().devices.get(s.deviceId);
  return device?.descriptor?.models.find((m) => modelKey(m) === s.modelKey);
}

export async function loadHistory(): Promise<void> {
  const deviceId = useBenchStore.getState().deviceId;
  if (deviceId === null) return;
  benchActions.history({ status: 'loading' });
  try {
    const runs = await api().bench.list({ deviceId });
    if (useBenchStore.getState().deviceId === deviceId) benchActions.history({ status: 'ready', value: runs });
  } catch (err) {
    if (useBenchStore.getState().deviceId === deviceId) benchActions.history({ status: 'error', error: toUiError(err) });
  }
}

export async function loadDiagnoses(): Promise<void> {
  const deviceId = useBenchStore.getState().deviceId;
  if (deviceId === null) return;
  benchActions.diagnoses({ status: 'loading' });
  try {
    const list = await api().diagnose.list({ deviceId });
    if (useBenchStore.getState().deviceId === deviceId) benchActions.diagnoses({ status: 'ready', value: list });
  } catch (err) {
    if (useBenchStore.getState().deviceId === deviceId) benchActions.diagnoses({ status: 'error', error: toUiError(err) });
  }
}

/** Started once at launch: progress of a run keeps arriving whichever view is showing. */
export function startBenchSync(): () => void {
  const offProgress = api().on('bench.progress', (event) => {
    const s = useBenchStore.getState();
    // Only the gateway whose run this window started: other windows' runs have their own view.
    if (s.running.status === 'loading' && s.deviceId === event.deviceId) benchActions.progress({ done: event.done, total: event.total });
  });
  const offLink = onEngineReady(() => {
    void loadHistory();
    void loadDiagnoses();
    void loadAllRuns();
  });
  return () => {
    offProgress();
    offLink();
  };
}

export function chooseDevice(deviceId: string | null): void {
  benchActions.chooseDevice(deviceId);
  const device = deviceId === null ? undefined : useDevicesStore.getState().devices.get(deviceId);
  const first = device?.descriptor?.models[0];
  if (first !== undefined) benchActions.chooseModel(modelKey(first));
  void loadHistory();
  void loadDiagnoses();
  void loadAllRuns();
}

export function chooseModel(key: string): void {
  benchActions.chooseModel(key);
}

export async function runBenchmark(): Promise<void> {
  const s = useBenchStore.getState();
  const model = chosenModel();
  if (s.deviceId === null || model === undefined || s.running.status === 'loading') return;
  const settings = parseRunSettings(s);
  if (!settings.ok) return;
  const v = settings.value;
  const deviceId = s.deviceId;
  benchActions.running({ status: 'loading' });
  try {
    const run = await api().bench.run({
      deviceId,
      model: { name: model.name, version: model.version },
      warmup: v.warmup,
      ...(v.iterations === null ? {} : { iterations: v.iterations }),
      ...(v.durationMs === null ? {} : { durationMs: v.durationMs }),
      ...(v.threads === null ? {} : { threads: v.threads }),
      ...(v.executionProvider === null ? {} : { executionProvider: v.executionProvider }),
      ...(v.profile ? { profile: true } : {}),
    });
    benchActions.running({ status: 'ready', value: true });
    if (useBenchStore.getState().deviceId === deviceId) benchActions.shown({ status: 'ready', value: run });
    void loadHistory();
    void loadAllRuns();
  } catch (err) {
    benchActions.running({ status: 'error', error: toUiError(err) });
  }
}

export async function showRun(id: string): Promise<void> {
  benchActions.shown({ status: 'loading' });
  try {
    benchActions.shown({ status: 'ready', value: await api().bench.get({ id }) });
  } catch (err) {
    benchActions.shown({ status: 'error', error: toUiError(err) });
  }
}

export async function runDiagnosis(): Promise<void> {
  const s = useBenchStore.getState();
  const model = chosenModel();
  if (s.deviceId === null || model === undefined || s.diagnosis.status === 'loading') return;
  const refs = referenceBundles(useBundlesStore.getState().bundles, model, s.bundleModelShas);
  const chosenId =
    s.diagnoseBundleId !== null && refs.options.some((o) => o.bundle.id === s.diagnoseBundleId) ? s.diagnoseBundleId : refs.defaultId;
  const bundle = refs.options.find((o) => o.bundle.id === chosenId)?.bundle;
  if (bundle === undefined) {
    benchActions.diagnosis({
      status: 'error',
      error: {
        code: 'no_reference_bundle',
        message: `No verified model bundle for ${model.name} is in the library, so there are no golden inputs to compare with.`,
        fix: 'Import the bundle this model came from in the Bundles view, then run the diagnosis again.',
      },
    });
    return;
  }
  benchActions.diagnosis({ status: 'loading' });
  try {
    benchActions.diagnosis({ status: 'ready', value: await api().diagnose.run({ deviceId: s.deviceId, bundleId: bundle.id }) });
  } catch (err) {
    benchActions.diagnosis({ status: 'error', error: toUiError(err) });
  }
  void loadDiagnoses();
}

/** Shows a stored diagnosis from the list where a fresh one appears. */
export function showDiagnosis(record: DiagnosisRecord): void {
  benchActions.diagnosis({ status: 'ready', value: record });
}

/** Stops the run this window started; its `bench.run` then answers with the partial result. */
export async function cancelBenchmark(): Promise<void> {
  const s = useBenchStore.getState();
  if (s.deviceId === null || s.running.status !== 'loading' || s.cancel.status === 'loading') return;
  benchActions.cancel({ status: 'loading' });
  try {
    await api().bench.cancel({ deviceId: s.deviceId });
    benchActions.cancel({ status: 'ready', value: true });
  } catch (err) {
    benchActions.cancel({ status: 'error', error: toUiError(err) });
  }
}

/** "Leave with a record": the engine writes the run's report (as for a flash job), the page saves it. */
export async function exportRun(id: string, format: FlashReportFormat): Promise<void> {
  benchActions.exporting({ status: 'loading' });
  try {
    const report = await api().bench.export({ id, format });
    downloadText(report.fileName, report.mediaType, report.content);
    benchActions.exporting({ status: 'idle' });
  } catch (err) {
    benchActions.exporting({ status: 'error', error: toUiError(err) });
  }
}

/** Whether this host can print (a browser, Electron); a host without it gets no Print button. */
export function canPrint(): boolean {
  return typeof window.print === 'function';
}

/**
 * Print / Save as PDF: the very report file, printed from this page. Its body goes into a
 * print-only container (bench.css hides the app when printing); its own <style> is left out,
 * the strict CSP would refuse it, and bench.css styles the container instead.
 */
export async function printRun(id: string): Promise<void> {
  benchActions.exporting({ status: 'loading' });
  try {
    const report = await api().bench.export({ id, format: 'html' });
    const parsed = new DOMParser().parseFromString(report.content, 'text/html');
    for (const el of parsed.querySelectorAll('style, script, iframe, object, embed, link, meta, base')) el.remove();
    // The engine escapes what gateways report; dropping handlers and script URLs as well means a
    // bug there still cannot run code here (the CSP would refuse it too).
    for (const el of parsed.body.querySelectorAll('*')) {
      for (const attr of [...el.attributes]) {
        if (/^on/i.test(attr.name) || /^\s*javascript:/i.test(attr.value)) el.removeAttribute(attr.name);
      }
    }
    const container = document.createElement('div');
    container.className = 'bench-print';
    container.dataset.testid = 'bench-print';
    container.append(...Array.from(parsed.body.childNodes, (n) => document.importNode(n, true)));
    document.querySelector('.bench-print')?.remove();
    document.body.append(container);
    document.documentElement.classList.add('bench-printing');
    const done = (): void => {
      document.documentElement.classList.remove('bench-printing');
      container.remove();
      window.removeEventListener('afterprint', done);
    };
    window.addEventListener('afterprint', done);
    benchActions.exporting({ status: 'idle' });
    window.print();
  } catch (err) {
    benchActions.exporting({ status: 'error', error: toUiError(err) });
  }
}

export function chooseDiagnoseBundle(id: string): void {
  benchActions.diagnoseBundle(id);
}

/**
 * Reads the model file hash of every library bundle that may serve as the chosen model's
 * reference (bundles.get), so the one holding the installed model becomes the default.
 */
export async function loadReferenceShas(): Promise<void> {
  const model = chosenModel();
  if (model === undefined) return;
  const known = useBenchStore.getState().bundleModelShas;
  const wanted = useBundlesStore
    .getState()
    .bundles.filter((b) => b.status === 'verified' && b.kind === 'model' && b.name === model.name && !(b.id in known));
  await Promise.all(
    wanted.map(async (b) => {
      try {
        const detail = await api().bundles.get({ id: b.id });
        const payload = detail.manifest?.payloads.find((p) => p.target === 'model');
        benchActions.bundleModelSha(b.id, payload === undefined ? null : (payload.uncompressed?.sha256 ?? payload.sha256));
      } catch {
        // Left unread: the option says "reading its manifest…" and the next model choice tries again.
      }
    }),
  );
}

/** Every stored run on every gateway, for the comparison picker. */
export async function loadAllRuns(): Promise<void> {
  if (useBenchStore.getState().allRuns.status !== 'ready') benchActions.allRuns({ status: 'loading' });
  try {
    benchActions.allRuns({ status: 'ready', value: await api().bench.list({}) });
  } catch (err) {
    benchActions.allRuns({ status: 'error', error: toUiError(err) });
  }
}

async function loadCompareSamples(id: string): Promise<void> {
  const current = useBenchStore.getState().compareSamples[id];
  if (current !== undefined && (current.status === 'ready' || current.status === 'loading')) return;
  benchActions.compareSamples(id, { status: 'loading' });
  try {
    const run = await api().bench.get({ id });
    benchActions.compareSamples(id, { status: 'ready', value: run.samplesUs });
  } catch (err) {
    benchActions.compareSamples(id, { status: 'error', error: toUiError(err) });
  }
}

/** Ticks or unticks a run for comparison; the first ticked stays the reference. */
export function toggleCompare(id: string): void {
  const ids = useBenchStore.getState().compareIds;
  const next = ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id];
  benchActions.compareIds(next);
  for (const x of next) void loadCompareSamples(x);
}

export function clearCompare(): void {
  benchActions.compareIds([]);
}
