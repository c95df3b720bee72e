/**
 * What discovery searches: which network interfaces, which serial ports the technician named.
 *
 * Pure (no React, no DOM) so the unit tests run it under Node. The engine treats an empty
 * interface list as "every usable interface", so a selection with none ticked is refused here
 * rather than silently widening the search.
 */
import type { DiscoveryReport, InterfaceReport } from '../../core/api/schemas.js';

export interface SearchSelection {
  /** Interface names, in the order the report lists them. */
  readonly interfaces: readonly string[];
  /** Serial ports to probe besides those the device catalog matches. */
  readonly serialPorts: readonly string[];
}

export type SerialListResult =
  | { readonly ok: true; readonly ports: readonly string[] }
  | { readonly ok: false; readonly code: 'bad_serial_port'; readonly message: string; readonly fix: string };

export type SelectionResult =
  | { readonly ok: true; readonly selection: SearchSelection }
  | { readonly ok: false; readonly code: 'no_interface' | 'bad_serial_port'; readonly message: string; readonly fix: string };

const SERIAL_FIX = 'Name each port by its full path, separated by commas: /dev/ttyUSB0, /dev/ttyACM0 on Linux and macOS, COM3 on Windows.';

/** Unix device paths, Windows COM names and their `\\.\COM10` spelling. */
function isSerialPath(text: string): boolean {
  return /^\/\S+$/.test(text) || /^COM\d+$/i.test(text) || /^\\\\\.\\COM\d+$/i.test(text);
}

/**
 * Reads the serial-port field: commas or line breaks separate ports, blanks and repeats drop.
 *
 * Baud rates are refused because discovery tries the catalog's rates itself; a rate belongs in
 * "Add by address", where one port is opened at one rate.
 */
export function parseSerialList(text: string): SerialListResult {
  const ports: string[] = [];
  for (const raw of text.split(/[,\n]/)) {
    const item = raw.trim();
    if (item === '') continue;
    if (item.includes('@')) {
      return {
        ok: false,
        code: 'bad_serial_port',
        message: `"${item}" names a baud rate; discovery tries the usual rates on every port by itself.`,
        fix: `Write just the port (${item.split('@')[0] ?? item}), or use "Add by address" to open it at one rate.`,
      };
    }
    if (!isSerialPath(item)) {
      return { ok: false, code: 'bad_serial_port', message: `"${item}" is not a serial port path.`, fix: SERIAL_FIX };
    }
    if (!ports.includes(item)) ports.push(item);
  }
  return { ok: true, ports };
}

export function formatSerialList(ports: readonly string[]): string {
  return ports.join(', ');
}

/** What the engine is searching now, read back from its report. */
export function selectionFromReport(report: DiscoveryReport): SearchSelection {
  return {
    interfaces: report.interfaces.filter((i) => i.used).map((i) => i.name),
    serialPorts: report.serialPorts.filter((p) => p.reason === 'named').map((p) => p.path),
  };
}

/**
 * Turns what the panel holds into `discovery.start` parameters.
 *
 * Interfaces keep the report's order (so the summary reads the same every time) and names the
 * report no longer lists are dropped: an adapter unplugged while the panel was open.
 */
export function normaliseSelection(
  available: readonly Pick<InterfaceReport, 'name'>[],
  ticked: ReadonlySet<string>,
  serialText: string,
): SelectionResult {
  const interfaces = [...new Set(available.map((i) => i.name))].filter((name) => ticked.has(name));
  if (interfaces.length === 0) {
    return {
      ok: false,
      code: 'no_interface',
      message: 'No network interface is ticked, so discovery would have nowhere to look.',
      fix: 'Tick the interface on the gateway’s network (the cable or Wi-Fi it shares with this laptop).',
    };
  }
  const serial = parseSerialList(serialText);
  if (!serial.ok) return serial;
  return { ok: true, selection: { interfaces, serialPorts: serial.ports } };
}

/** Words for each kind of interface, so the technician sees why one may find nothing. */
export function interfaceKindLabel(kind: InterfaceReport['kind']): string {
  switch (kind) {
    case 'physical':
      return 'network adapter';
    case 'virtual':
      return 'Docker/VM bridge';
    case 'loopback':
      return 'loopback, this computer only';
    case 'namespace-bridge':
      return 'container/namespace bridge';
  }
}

/** Only real adapters reach gateways on site; say so next to the others. */
export function interfaceKindNote(kind: InterfaceReport['kind']): string | null {
  switch (kind) {
    case 'physical':
      return null;
    case 'virtual':
      return 'Gateways are rarely behind a virtual bridge; expect nothing here.';
    case 'loopback':
      return 'Finds only emulated gateways running on this laptop.';
    case 'namespace-bridge':
      return 'Reaches containers or test networks on this laptop, not the site LAN.';
  }
}

/** One short line for the summary: "Searching lo · serial /dev/ttyUSB0". */
export function describeSelection(selection: SearchSelection): string {
  const where = selection.interfaces.length === 0 ? 'Searching no network interface' : `Searching ${selection.interfaces.join(', ')}`;
  return selection.serialPorts.length === 0 ? where : `${where} · serial ${selection.serialPorts.join(', ')}`;
}

/** The "Add by address" field: the engine parses the address; here only blanks are caught. */
export function normaliseAddress(text: string): { ok: true; address: string } | { ok: false; message: string; fix: string } {
  const address = text.trim();
  if (address === '') {
    return {
      ok: false,
      message: 'Type the gateway’s address first.',
      fix: 'Examples: 10.0.0.7, gw-01.local:48621, /dev/ttyUSB0@115200, COM3.',
    };
  }
  return { ok: true, address };
}
