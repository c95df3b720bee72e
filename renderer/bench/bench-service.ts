/**
 * The only code that talks to the engine about benchmarks and diagnostics.
 */
import { api, apiConnection } from '../services/api-client.js';
import { toUiError } from '../services/ui-error.js';
import { useBundlesStore } from '../bundles/store.js';
import { useDevicesStore } from '../devices/store.js';
import { bundleForModel, modelKey, parseSettings } from './selection.js';
import { benchActions, useBenchStore } from './store.js';

function chosenModel(): { name: string; version: string } | undefined {
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

/** Started once at launch: progress of a run keeps arriving whichever view is showing. */
export function startBenchSync(): () => void {
  const offProgress = api().on('bench.progress', (event) => {
    const s = useBenchStore.getState();
    // Only the gateway whose run this window started: other windows' runs have their own view.
    if (s.running.status === 'loading' && s.deviceId === event.deviceId) benchActions.progress({ done: event.done, total: event.total });
  });
  const offLink = apiConnection().onLinkStatus((status) => {
    if (status.state === 'open') void loadHistory();
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
}

export function chooseModel(key: string): void {
  benchActions.chooseModel(key);
}

export async function runBenchmark(): Promise<void> {
  const s = useBenchStore.getState();
  const model = chosenModel();
  if (s.deviceId === null || model === undefined || s.running.status === 'loading') return;
  const settings = parseSettings(s.warmup, s.iterations, s.threads);
  if (!settings.ok) return;
  const deviceId = s.deviceId;
  benchActions.running({ status: 'loading' });
  try {
    const run = await api().bench.run({
      deviceId,
      model: { name: model.name, version: model.version },
      warmup: settings.value.warmup,
      iterations: settings.value.iterations,
      ...(settings.value.threads === null ? {} : { threads: settings.value.threads }),
    });
    benchActions.running({ status: 'ready', value: true });
    if (useBenchStore.getState().deviceId === deviceId) benchActions.shown({ status: 'ready', value: run });
    void loadHistory();
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
  const bundle = bundleForModel(useBundlesStore.getState().bundles, model);
  if (bundle === undefined) {
    benchActions.diagnosis({
      status: 'error',
      error: {
        code: 'no_reference_bundle',
        message: `No verified model bundle for ${model.name} ${model.version} is in the library, so there are no golden inputs to compare with.`,
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
}
