/**
 * The Devices feature's state: the live registry copy, the filter, the open device.
 *
 * Only devices-service.ts writes here; components read through hooks and selectors.
 */
import { create } from 'zustand';
import type { AuthResult, Device, DiscoveryReport } from '../../core/api/schemas.js';
import type { DeviceChange } from '../../core/api/schemas.js';
import type { UiError } from '../services/ui-error.js';
import { applyChange, fromList, type DeviceMap } from './device-map.js';
import type { SearchSelection } from './search-settings.js';

/** At most one toolbar popover is open at a time. */
export type ToolbarPanel = 'none' | 'search' | 'add';

export type Load<T> =
  | { readonly status: 'idle' }
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly value: T }
  | { readonly status: 'error'; readonly error: UiError };

export interface DevicesState {
  readonly devices: DeviceMap;
  readonly listLoad: Load<true>;
  readonly report: DiscoveryReport | null;
  readonly query: string;
  readonly openId: string | null;
  /** The full descriptor fetched for the open device. */
  readonly detail: Load<Device>;
  readonly auth: Load<AuthResult>;
  readonly discoveryAction: Load<true>;
  /** The side panel shows the discovery report instead of a device. */
  readonly reportOpen: boolean;
  /**
   * What the technician chose in "Search settings"; null until they apply one, when discovery
   * uses what the host was started with. "Start discovery" reuses it.
   */
  readonly searchSelection: SearchSelection | null;
  readonly searchApply: Load<true>;
  readonly addDevice: Load<true>;
  readonly toolbarPanel: ToolbarPanel;
}

export const useDevicesStore = create<DevicesState>()(() => ({
  devices: new Map(),
  listLoad: { status: 'idle' },
  report: null,
  query: '',
  openId: null,
  detail: { status: 'idle' },
  auth: { status: 'idle' },
  discoveryAction: { status: 'idle' },
  reportOpen: false,
  searchSelection: null,
  searchApply: { status: 'idle' },
  addDevice: { status: 'idle' },
  toolbarPanel: 'none',
}));

const set = useDevicesStore.setState;

export const devicesActions = {
  listLoading: (): void => set({ listLoad: { status: 'loading' } }),
  listLoaded: (devices: readonly Device[]): void => set({ devices: fromList(devices), listLoad: { status: 'ready', value: true } }),
  listFailed: (error: UiError): void => set({ listLoad: { status: 'error', error } }),
  changed: (change: DeviceChange): void => set((s) => ({ devices: applyChange(s.devices, change) })),
  report: (report: DiscoveryReport): void => set({ report }),
  query: (query: string): void => set({ query }),
  open: (id: string): void => set({ openId: id, detail: { status: 'loading' }, auth: { status: 'idle' }, reportOpen: false }),
  close: (): void => set({ openId: null, detail: { status: 'idle' }, auth: { status: 'idle' } }),
  /** Results for a device the user has since closed or switched away from are dropped. */
  detail: (id: string, detail: Load<Device>): void => set((s) => (s.openId === id ? { detail } : {})),
  auth: (id: string, auth: Load<AuthResult>): void => set((s) => (s.openId === id ? { auth } : {})),
  discoveryAction: (discoveryAction: Load<true>): void => set({ discoveryAction }),
  /** A device the engine just answered for; the registry event may arrive before or after. */
  upsert: (device: Device): void => set((s) => ({ devices: applyChange(s.devices, { kind: 'updated', device }) })),
  searchSelection: (searchSelection: SearchSelection): void => set({ searchSelection }),
  searchApply: (searchApply: Load<true>): void => set({ searchApply }),
  addDevice: (addDevice: Load<true>): void => set({ addDevice }),
  /** Opening a panel starts it clean (an old error would read as a new failure), unless work is still running. */
  toolbarPanel: (toolbarPanel: ToolbarPanel): void =>
    set((s) => ({
      toolbarPanel,
      ...(toolbarPanel === 'search' && s.searchApply.status !== 'loading' ? { searchApply: { status: 'idle' } as const } : {}),
      ...(toolbarPanel === 'add' && s.addDevice.status !== 'loading' ? { addDevice: { status: 'idle' } as const } : {}),
    })),
  reportOpen: (reportOpen: boolean): void =>
    set(reportOpen ? { reportOpen, openId: null, detail: { status: 'idle' }, auth: { status: 'idle' } } : { reportOpen }),
};
