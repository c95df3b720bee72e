/**
 * Where the engine's USB lane reads from: the real bus, or a recording named by
 * FIELDLINE_USB_REPLAY.
 *
 * The replay switch lets support replay a customer's bus (`fieldline usb record` on their laptop)
 * and lets e2e tests plug and unplug devices by rewriting the file: the recording is watched and
 * every change becomes attach/detach events, through the same code a real bus goes through.
 */
import { resolve } from 'node:path';
import { realSysfs, type ListedSerialPort } from './link.js';
import { ReplayUsbAdapter } from './replay-adapter.js';
import { loadUsbCatalog } from './usb-catalog.js';
import { NativeUsbAdapter } from './usb-adapter.js';
import type { UsbLaneSources } from './usb-lane.js';

export const USB_REPLAY_ENV = 'FIELDLINE_USB_REPLAY';

/** The serial port listing; serialport's native binding is loaded only when asked. */
async function listSerialPorts(): Promise<readonly ListedSerialPort[]> {
  const { SerialPort } = await import('serialport');
  return SerialPort.list();
}

export function usbLaneSources(dataDir: string | null, env: NodeJS.ProcessEnv): UsbLaneSources {
  const { catalog, problems } = loadUsbCatalog(dataDir);
  for (const p of problems) process.stderr.write(`fieldline: usb catalog: ${p} (entry skipped)\n`);
  const replay = env[USB_REPLAY_ENV];
  if (replay) {
    const file = resolve(replay);
    const adapter = ReplayUsbAdapter.watchingFile(file);
    return {
      adapter,
      catalog,
      listPorts: async () => adapter.serialPorts(),
      sysfs: adapter.sysfs(),
      replay: file,
      replayError: () => adapter.loadError,
    };
  }
  return {
    adapter: new NativeUsbAdapter(),
    catalog,
    listPorts: listSerialPorts,
    sysfs: process.platform === 'linux' ? realSysfs : null,
  };
}
