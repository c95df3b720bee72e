/**
 * The only code that talks to the engine about flashing.
 *
 * Compatibility comes from `bundles.check` (at most four gateways at once: each may open a
 * session); the job itself from `flash.*`. When this build's engine has no flash methods, starting
 * a job says so with the code `flash_unavailable` — nothing pretends to make progress.
 */
import type { Device, FlashReportFormat } from '../../core/api/schemas.js';
import { api } from '../services/api-client.js';
import { onEngineReady } from '../services/engine-ready.js';
import { toUiError, type UiError } from '../services/ui-error.js';
import { compareDevices, isUsbOnly } from '../devices/selectors.js';
import { useDevicesStore } from '../devices/store.js';
import { useBundlesStore } from '../bundles/store.js';
import { downloadText } from './download.js';
import { applyJob, applyJobs, applyProgress, targetKey } from './job-state.js';
import { applyEligibility, chosenIds, gatewayEligibility, runLimited, toggleGateway } from './selection.js';
import { flashActions, useFlashStore, type WizardStep } from './store.js';

/** Gateways checked at once: each check may open a session, and serial lines are slow. */
export const CHECK_CONCURRENCY = 4;

/** What the technician reads when the engine has no flash methods. */
export function flashUnavailable(method: string): UiError {
  return {
    code: 'flash_unavailable',
    message: `The flash engine is not available in this build: the engine does not offer "${method}".`,
    fix: 'Nothing was sent to any gateway. Update Fieldline to a build with flash jobs; until then the Bundles view can still check bundles against gateways.',
  };
}

function isMissingMethod(err: unknown): boolean {
  return toUiError(err).code === 'unknown_method';
}

/** Gateways a job can target: a USB device that does not answer FGP (recovery mode) is not one. */
function knownDevices(): readonly Device[] {
  return [...useDevicesStore.getState().devices.values()].filter((d) => !isUsbOnly(d)).sort(compareDevices);
}

async function loadJobs(): Promise<void> {
  try {
    const jobs = await api().flash.list({});
    flashActions.engine({ status: 'available' });
    flashActions.jobs((state) => applyJobs(state, jobs));
  } catch (err) {
    flashActions.engine(
      isMissingMethod(err) ? { status: 'unavailable', error: flashUnavailable('flash.list') } : { status: 'error', error: toUiError(err) },
    );
  }
}

const fetching = new Set<string>();

/** A job we heard about only through its events (started in another window): ask for it once. */
async function fetchJob(jobId: string): Promise<void> {
  if (fetching.has(jobId)) return;
  fetching.add(jobId);
  try {
    const job = await api().flash.get({ jobId });
    flashActions.jobs((state) => applyJob(state, job));
  } catch {
    // The next reload (reconnect) lists it; its events keep arriving meanwhile.
  } finally {
    fetching.delete(jobId);
  }
}

/** Started once at launch: progress keeps flowing into the store whichever view is showing. */
export function startFlashSync(): () => void {
  const offProgress = api().on('flash.progress', (event) => {
    flashActions.jobs((state) => applyProgress(state, event));
    const start = useFlashStore.getState().start;
    const ours = start.status === 'ready' && start.value === event.jobId;
    if (!useFlashStore.getState().jobs.jobs.has(event.jobId) && !ours && start.status !== 'loading') void fetchJob(event.jobId);
  });
  // After a reconnect the events missed meanwhile are gone: the list is the truth.
  const offLink = onEngineReady(() => void loadJobs());
  return () => {
    offProgress();
    offLink();
  };
}

export async function checkGateways(): Promise<void> {
  const bundleId = useFlashStore.getState().bundleId;
  if (bundleId === null) return;
  const devices = knownDevices();
  for (const d of devices) flashActions.check(bundleId, d.id, { status: 'loading' });
  await runLimited(devices, CHECK_CONCURRENCY, async (device) => {
    try {
      flashActions.check(bundleId, device.id, { status: 'ready', value: await api().bundles.check({ id: bundleId, deviceId: device.id }) });
    } catch (err) {
      flashActions.check(bundleId, device.id, { status: 'error', error: toUiError(err) });
    }
    const s = useFlashStore.getState();
    if (s.bundleId !== bundleId) return;
    flashActions.selection(applyEligibility(s.selection, device.id, gatewayEligibility(device, s.checks.get(device.id))));
  });
}

/** Step 1 → 2: a verified bundle from the library; every known gateway is checked against it. */
export function chooseBundle(bundleId: string): void {
  const bundle = useBundlesStore.getState().bundles.find((b) => b.id === bundleId);
  if (bundle === undefined || bundle.status !== 'verified') return;
  // Coming back to the same bundle keeps the checks and the technician's choices.
  if (useFlashStore.getState().bundleId === bundleId) return flashActions.step('where');
  flashActions.chooseBundle(bundleId);
  void checkGateways();
}

export function toggle(deviceId: string): void {
  const s = useFlashStore.getState();
  const device = useDevicesStore.getState().devices.get(deviceId);
  if (device === undefined) return;
  flashActions.selection(toggleGateway(s.selection, deviceId, gatewayEligibility(device, s.checks.get(deviceId))));
}

export function chosen(): readonly string[] {
  const s = useFlashStore.getState();
  return chosenIds(s.selection, knownDevices(), s.checks);
}

/** Moves between the steps the technician has already reached; never past a step not satisfied. */
export function goToStep(step: WizardStep): void {
  const s = useFlashStore.getState();
  if (step === 'what') return flashActions.step('what');
  if (s.bundleId === null) return;
  if (step === 'where') return flashActions.step('where');
  if (step === 'confirm') {
    void review();
    return;
  }
  if (s.viewJobId !== null) flashActions.step('go');
}

/** Step 2 → 3: the summary; the engine's planner (when it has one) looks at every gateway again. */
export async function review(): Promise<void> {
  const s = useFlashStore.getState();
  const ids = chosen();
  if (s.bundleId === null || ids.length === 0) return;
  flashActions.step('confirm');
  if (s.engine.status === 'unavailable') return flashActions.plan({ status: 'idle' });
  flashActions.plan({ status: 'loading' });
  const bundleId = s.bundleId;
  try {
    const plan = await api().flash.plan({ bundleId, deviceIds: [...ids] });
    if (useFlashStore.getState().bundleId === bundleId) flashActions.plan({ status: 'ready', value: plan });
  } catch (err) {
    if (isMissingMethod(err)) {
      flashActions.engine({ status: 'unavailable', error: flashUnavailable('flash.plan') });
      flashActions.plan({ status: 'idle' });
    } else flashActions.plan({ status: 'error', error: toUiError(err) });
  }
}

/** Step 3 → 4: starts the job on the chosen gateways (the engine skips any it finds incompatible). */
export async function startFlashJob(): Promise<void> {
  const s = useFlashStore.getState();
  const ids = chosen();
  if (s.bundleId === null || ids.length === 0 || s.start.status === 'loading') return;
  flashActions.start({ status: 'loading' });
  try {
    const job = await api().flash.start({ bundleId: s.bundleId, deviceIds: [...ids] });
    flashActions.engine({ status: 'available' });
    flashActions.jobs((state) => applyJob(state, job));
    flashActions.start({ status: 'ready', value: job.id });
    flashActions.viewJob(job.id);
  } catch (err) {
    if (isMissingMethod(err)) {
      const error = flashUnavailable('flash.start');
      flashActions.engine({ status: 'unavailable', error });
      flashActions.start({ status: 'error', error });
    } else flashActions.start({ status: 'error', error: toUiError(err) });
  }
}

/** Cancels one gateway of a job, or (without a device) the whole job. */
export async function cancelFlash(jobId: string, deviceId?: string): Promise<void> {
  const key = targetKey(jobId, deviceId ?? '*');
  flashActions.action(key, { status: 'loading' });
  try {
    const job = await api().flash.cancel(deviceId === undefined ? { jobId } : { jobId, deviceId });
    flashActions.jobs((state) => applyJob(state, job));
    flashActions.action(key, { status: 'idle' });
  } catch (err) {
    flashActions.action(key, { status: 'error', error: toUiError(err) });
  }
}

/** Runs failed, cancelled or interrupted gateways again; transfers resume from the bytes held. */
export async function retryFlash(jobId: string, deviceIds?: readonly string[]): Promise<void> {
  const key = targetKey(jobId, deviceIds?.length === 1 ? deviceIds[0]! : '*');
  flashActions.action(key, { status: 'loading' });
  try {
    const job = await api().flash.retry(deviceIds === undefined ? { jobId } : { jobId, deviceIds: [...deviceIds] });
    flashActions.jobs((state) => applyJob(state, job));
    flashActions.action(key, { status: 'idle' });
  } catch (err) {
    flashActions.action(key, { status: 'error', error: toUiError(err) });
  }
}

/** The key under which the export of a job's report keeps its state in `actions`. */
export function exportKey(jobId: string): string {
  return targetKey(jobId, 'export');
}

/** "Leave with a record": the engine writes the job's report, the page saves it as a file. */
export async function exportReport(jobId: string, format: FlashReportFormat): Promise<void> {
  const key = exportKey(jobId);
  flashActions.action(key, { status: 'loading' });
  try {
    const report = await api().flash.export({ jobId, format });
    downloadText(report.fileName, report.mediaType, report.content);
    flashActions.action(key, { status: 'idle' });
  } catch (err) {
    flashActions.action(key, { status: 'error', error: toUiError(err) });
  }
}

export function viewJob(jobId: string): void {
  flashActions.viewJob(jobId);
}

export function newFlash(): void {
  flashActions.reset();
}
