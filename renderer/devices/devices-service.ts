/**
 * The only code that talks to the engine about devices and discovery.
 */
import { api, apiConnection } from '../services/api-client.js';
import { toUiError } from '../services/ui-error.js';
import { devicesActions, useDevicesStore } from './store.js';

async function reload(): Promise<void> {
  devicesActions.listLoading();
  try {
    const [devices, report] = await Promise.all([api().devices.list({}), api().discovery.report({})]);
    devicesActions.listLoaded(devices);
    devicesActions.report(report);
  } catch (err) {
    devicesActions.listFailed(toUiError(err));
  }
}

/** Keeps the store in step with the engine; reloads in full after every reconnect. */
export function startDevicesSync(): () => void {
  const offChanged = api().on('devices.changed', (change) => devicesActions.changed(change));
  const offReport = api().on('discovery.report', (report) => devicesActions.report(report));
  const offLink = apiConnection().onLinkStatus((status) => {
    if (status.state === 'open') void reload();
  });
  return () => {
    offChanged();
    offReport();
    offLink();
  };
}

export async function openDevice(id: string): Promise<void> {
  devicesActions.open(id);
  try {
    devicesActions.detail(id, { status: 'ready', value: await api().devices.info({ id }) });
  } catch (err) {
    devicesActions.detail(id, { status: 'error', error: toUiError(err) });
  }
}

export function closeDevice(): void {
  devicesActions.close();
}

export async function authenticateDevice(id: string): Promise<void> {
  devicesActions.auth(id, { status: 'loading' });
  try {
    const result = await api().devices.authenticate({ id });
    devicesActions.auth(id, { status: 'ready', value: result });
  } catch (err) {
    devicesActions.auth(id, { status: 'error', error: toUiError(err) });
    return;
  }
  // The registry now marks the device authenticated; a failed refresh keeps the panel as it was.
  if (useDevicesStore.getState().openId !== id) return;
  try {
    devicesActions.detail(id, { status: 'ready', value: await api().devices.info({ id }) });
  } catch {
    // The authentication result above is what the technician asked for; it stays on screen.
  }
}

export async function setDiscoveryRunning(running: boolean): Promise<void> {
  devicesActions.discoveryAction({ status: 'loading' });
  try {
    // No parameters: the engine applies the interfaces the host was started with.
    const report = running ? await api().discovery.start({}) : await api().discovery.stop({});
    devicesActions.report(report);
    devicesActions.discoveryAction({ status: 'idle' });
  } catch (err) {
    devicesActions.discoveryAction({ status: 'error', error: toUiError(err) });
  }
}

export function setQuery(query: string): void {
  devicesActions.query(query);
}

export function showReport(open: boolean): void {
  devicesActions.reportOpen(open);
}
