/**
 * The only code that talks to the engine about devices and discovery.
 */
import type { Device } from '../../core/api/schemas.js';
import { api } from '../services/api-client.js';
import { onEngineReady } from '../services/engine-ready.js';
import { toUiError } from '../services/ui-error.js';
import { normaliseAddress, type SearchSelection } from './search-settings.js';
import { isUsbOnly } from './selectors.js';
import { devicesActions, useDevicesStore, type ToolbarPanel } from './store.js';

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
  const offLink = onEngineReady(() => void reload());
  return () => {
    offChanged();
    offReport();
    offLink();
  };
}

export async function openDevice(id: string): Promise<void> {
  devicesActions.open(id);
  // A USB device no gateway answered on has nothing to ask: the registry copy is all there is.
  const known = useDevicesStore.getState().devices.get(id);
  if (known !== undefined && isUsbOnly(known)) {
    devicesActions.detail(id, { status: 'ready', value: known });
    return;
  }
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

function startParams(selection: SearchSelection | null): { interfaces?: string[]; serialPorts?: string[] } {
  return selection === null ? {} : { interfaces: [...selection.interfaces], serialPorts: [...selection.serialPorts] };
}

export async function setDiscoveryRunning(running: boolean): Promise<void> {
  devicesActions.discoveryAction({ status: 'loading' });
  try {
    // Without a selection of the technician's, the engine applies what the host was started with.
    const report = running
      ? await api().discovery.start(startParams(useDevicesStore.getState().searchSelection))
      : await api().discovery.stop({});
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

export function showToolbarPanel(panel: ToolbarPanel): void {
  devicesActions.toolbarPanel(panel);
}

/** Restarts discovery on the chosen interfaces and ports; the choice is kept for "Start discovery". */
export async function applySearchSelection(selection: SearchSelection): Promise<boolean> {
  devicesActions.searchApply({ status: 'loading' });
  try {
    const report = await api().discovery.start(startParams(selection));
    devicesActions.report(report);
    devicesActions.searchSelection(selection);
    devicesActions.searchApply({ status: 'ready', value: true });
    devicesActions.discoveryAction({ status: 'idle' });
    return true;
  } catch (err) {
    devicesActions.searchApply({ status: 'error', error: toUiError(err) });
    return false;
  }
}

/** Reaches a gateway discovery cannot see; on success it is listed and opened beside the list. */
export async function addDeviceByAddress(text: string): Promise<boolean> {
  const input = normaliseAddress(text);
  if (!input.ok) {
    devicesActions.addDevice({ status: 'error', error: { code: 'empty_address', message: input.message, fix: input.fix } });
    return false;
  }
  devicesActions.addDevice({ status: 'loading' });
  let device: Device;
  try {
    device = await api().devices.add({ address: input.address });
  } catch (err) {
    devicesActions.addDevice({ status: 'error', error: toUiError(err) });
    return false;
  }
  devicesActions.upsert(device);
  devicesActions.addDevice({ status: 'ready', value: true });
  devicesActions.toolbarPanel('none');
  // The engine just read the whole descriptor; no second connection is needed to show it.
  devicesActions.open(device.id);
  devicesActions.detail(device.id, { status: 'ready', value: device });
  return true;
}
