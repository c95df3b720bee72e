/**
 * The only code that talks to the engine about bundles and the trust store.
 *
 * Importing differs by host: a web page cannot name a file path, so `fieldline serve` receives the
 * bytes on its upload endpoint; in Electron the engine reads the file itself from its path.
 */
import type { BundleSummary, TrustRole } from '../../core/api/schemas.js';
import { api, apiConnection } from '../services/api-client.js';
import { onEngineReady } from '../services/engine-ready.js';
import { ClientError, toUiError } from '../services/ui-error.js';
import { bundlesActions, useBundlesStore } from './store.js';
import { uploadBundle } from './upload.js';

async function reloadList(): Promise<void> {
  bundlesActions.listLoading();
  try {
    bundlesActions.listLoaded(await api().bundles.list({}));
  } catch (err) {
    bundlesActions.listFailed(toUiError(err));
  }
}

async function reloadTrust(): Promise<void> {
  bundlesActions.trust({ status: 'loading' });
  try {
    bundlesActions.trust({ status: 'ready', value: await api().trust.list({}) });
  } catch (err) {
    bundlesActions.trust({ status: 'error', error: toUiError(err) });
  }
}

async function refreshOpen(): Promise<void> {
  const id = useBundlesStore.getState().openId;
  if (id === null) return;
  try {
    bundlesActions.detail(id, { status: 'ready', value: await api().bundles.get({ id }) });
  } catch (err) {
    bundlesActions.detail(id, { status: 'error', error: toUiError(err) });
  }
}

/** Keeps the library and the trust store in step with the engine, across reconnects. */
export function startBundlesSync(): () => void {
  const offChanged = api().on('bundles.changed', (change) => {
    void reloadList();
    if (change.reason === 'reverified') void reloadTrust();
    const open = useBundlesStore.getState().openId;
    if (change.id === null || change.id === open) {
      // The trust store or the file changed: earlier per-gateway verdicts may no longer hold.
      bundlesActions.clearGatewayChecks();
      void refreshOpen();
    }
  });
  const offLink = onEngineReady(() => {
    void reloadList();
    void reloadTrust();
  });
  return () => {
    offChanged();
    offLink();
  };
}

export async function openBundle(id: string): Promise<void> {
  bundlesActions.open(id);
  await refreshOpen();
}

export function closeBundle(): void {
  bundlesActions.close();
}

let importSeq = 0;

/** Imports each file in turn; every one ends listed (verified or refused) or with an error saying why not. */
export async function importFiles(files: readonly File[]): Promise<void> {
  bundlesActions.batchStarted();
  for (const file of files) {
    const key = `import-${++importSeq}`;
    bundlesActions.importStarted({ key, fileName: file.name, size: file.size, sent: 0, phase: 'uploading' });
    await finishImport(key, file.size, () =>
      apiConnection().host === 'web'
        ? uploadBundle(file, (sent) => bundlesActions.importUpdated(key, { sent, phase: sent >= file.size ? 'verifying' : 'uploading' }))
        : importByPath(file, key),
    );
  }
}

/** Runs one import and leaves it listed (verified or refused) and opened, or failed with why. */
async function finishImport(key: string, size: number, run: () => Promise<BundleSummary>): Promise<void> {
  try {
    const summary = await run();
    bundlesActions.importUpdated(key, { phase: 'done', sent: size, result: summary });
    await reloadList();
    await openBundle(summary.id);
  } catch (err) {
    bundlesActions.importUpdated(key, { phase: 'failed', error: toUiError(err) });
  }
}

/** Electron: the engine reads the file where it is, so nothing is uploaded. */
async function importByPath(file: File, key: string): Promise<BundleSummary> {
  const path = window.fieldlineFiles?.pathFor(file) ?? '';
  if (!path) {
    throw new ClientError(
      'import_needs_path',
      `${file.name} cannot be imported: this window was not told where the file is.`,
      'Drop the file from your file manager, or choose it with the Import button; or use `fieldline bundle verify` on the command line.',
    );
  }
  bundlesActions.importUpdated(key, { sent: file.size, phase: 'verifying' });
  return api().bundles.import({ path, fileName: file.name });
}

/** Electron's File → Import bundle…: files the shell's dialog chose, imported where they are. */
export async function importPaths(paths: readonly string[]): Promise<void> {
  bundlesActions.batchStarted();
  for (const path of paths) {
    const key = `import-${++importSeq}`;
    const fileName = path.split(/[\\/]/).pop() ?? path;
    bundlesActions.importStarted({ key, fileName, size: 0, sent: 0, phase: 'verifying' });
    await finishImport(key, 0, () => api().bundles.import({ path, fileName }));
  }
}

export function dismissImport(key: string): void {
  bundlesActions.dismissImport(key);
}

export async function removeBundle(id: string): Promise<void> {
  bundlesActions.removeAction({ status: 'loading' });
  try {
    await api().bundles.remove({ id });
    bundlesActions.removeAction({ status: 'idle' });
    bundlesActions.close();
    await reloadList();
  } catch (err) {
    bundlesActions.removeAction({ status: 'error', error: toUiError(err) });
  }
}

export interface KeyInput {
  readonly publicKey: string;
  readonly name: string;
  readonly roles: readonly TrustRole[];
  /** yyyy-mm-dd from a date field; empty for no expiry. */
  readonly expires: string;
}

export async function importTrustKey(input: KeyInput): Promise<boolean> {
  const expiresAt = input.expires === '' ? undefined : Date.parse(`${input.expires}T23:59:59Z`);
  if (expiresAt !== undefined && Number.isNaN(expiresAt)) {
    bundlesActions.trustAction({
      status: 'error',
      error: { code: 'bad_date', message: 'The expiry date is not a date.', fix: 'Use the date picker, or leave it empty for no expiry.' },
    });
    return false;
  }
  bundlesActions.trustAction({ status: 'loading' });
  try {
    const key = await api().trust.import({
      publicKey: input.publicKey.trim(),
      name: input.name,
      roles: [...input.roles],
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
    bundlesActions.trustAction({ status: 'ready', value: key });
    await reloadTrust();
    return true;
  } catch (err) {
    bundlesActions.trustAction({ status: 'error', error: toUiError(err) });
    return false;
  }
}

export async function revokeTrustKey(keyId: string, reason: string): Promise<boolean> {
  bundlesActions.trustAction({ status: 'loading' });
  try {
    const key = await api().trust.revoke({ keyId, reason });
    bundlesActions.trustAction({ status: 'ready', value: key });
    await reloadTrust();
    return true;
  } catch (err) {
    bundlesActions.trustAction({ status: 'error', error: toUiError(err) });
    return false;
  }
}

export async function removeTrustKey(keyId: string): Promise<boolean> {
  bundlesActions.trustAction({ status: 'loading' });
  try {
    await api().trust.remove({ keyId });
    bundlesActions.trustAction({ status: 'ready', value: keyId });
    await reloadTrust();
    return true;
  } catch (err) {
    bundlesActions.trustAction({ status: 'error', error: toUiError(err) });
    return false;
  }
}

/** Gateways checked at once: each check may open a session, and serial lines are slow. */
const CHECK_CONCURRENCY = 4;

/**
 * Judges the open bundle for each gateway (hardware, security counter, installed version, clock).
 * Run on demand because it may open a session with every gateway that has not been read yet.
 */
export async function checkAgainstGateways(bundleId: string, deviceIds: readonly string[]): Promise<void> {
  for (const deviceId of deviceIds) bundlesActions.gatewayCheck(bundleId, deviceId, { status: 'loading' });
  const queue = [...deviceIds];
  const worker = async (): Promise<void> => {
    for (let deviceId = queue.shift(); deviceId !== undefined; deviceId = queue.shift()) {
      try {
        bundlesActions.gatewayCheck(bundleId, deviceId, { status: 'ready', value: await api().bundles.check({ id: bundleId, deviceId }) });
      } catch (err) {
        bundlesActions.gatewayCheck(bundleId, deviceId, { status: 'error', error: toUiError(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, deviceIds.length) }, worker));
}
