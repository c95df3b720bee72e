/**
 * Serial probe: is there a Fieldline gateway behind this port?
 *
 * A probe opens the port, sends `hello` and closes the port again whatever happens: a port left
 * open or locked would stop the technician's own console (and the next probe) from using it.
 * Only ports that match the device catalog or that the technician named are ever probed.
 */
import type { SerialPort } from 'serialport';
import type { DeviceDescriptor, SerialPortReport } from '../api/schemas.js';
import { hello } from '../protocol/client-session.js';
import { FgpError } from '../protocol/errors.js';
import { FRAME_DELIMITER } from '../protocol/frame.js';
import { FgpPeer } from '../protocol/peer.js';
import { closeSerial, openSerial } from '../transport/serial.js';
import { matchCatalog, NAMED_PORT_BAUD_RATES, type DeviceCatalog } from './catalog.js';
import { descriptorFromWire } from './descriptor.js';

/** What `SerialPort.list()` gives (a structural subset, so tests can pass recorded descriptors). */
export interface SerialPortInfo {
  readonly path: string;
  readonly vendorId?: string | undefined;
  readonly productId?: string | undefined;
  readonly manufacturer?: string | undefined;
  readonly serialNumber?: string | undefined;
}

export interface ProbeCandidate {
  readonly path: string;
  readonly reason: 'catalog' | 'named';
  readonly catalogEntry?: string;
  readonly baudRates: readonly number[];
}

/** Ports worth probing: catalog matches plus every named port (named ones first, in order given). */
export function selectSerialCandidates(
  listed: readonly SerialPortInfo[],
  named: readonly string[],
  catalog: DeviceCatalog,
): ProbeCandidate[] {
  const out = new Map<string, ProbeCandidate>();
  const byPath = new Map(listed.map((p) => [p.path, p]));
  for (const path of named) {
    if (out.has(path)) continue;
    const entry = byPath.has(path) ? matchCatalog(byPath.get(path)!, catalog) : null;
    out.set(
      path,
      entry
        ? { path, reason: 'named', catalogEntry: entry.name, baudRates: [...entry.baudRates] }
        : { path, reason: 'named', baudRates: [...NAMED_PORT_BAUD_RATES] },
    );
  }
  for (const port of listed) {
    if (out.has(port.path)) continue;
    const entry = matchCatalog(port, catalog);
    if (entry) out.set(port.path, { path: port.path, reason: 'catalog', catalogEntry: entry.name, baudRates: [...entry.baudRates] });
  }
  return [...out.values()];
}

export type SerialProbeOutcome =
  | { readonly result: 'found'; readonly baudRate: number; readonly descriptor: DeviceDescriptor }
  | {
      readonly result: Exclude<SerialPortReport['result'], 'found' | 'pending'>;
      readonly detail: string;
      readonly fix?: string;
    };

export interface SerialProbeOptions {
  /** How long to wait for the `hello` answer at each baud rate. */
  readonly timeoutMs?: number;
  /** Stops before the next baud rate (discovery is stopping); the port is still closed first. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_SERIAL_PROBE_TIMEOUT_MS = 1000;

const LOCKED = /cannot lock port|resource temporarily unavailable|EAGAIN/i;
const BUSY_FIX = 'Close the other program (a serial console, another Fieldline) and try again.';

interface Attempt {
  readonly outcome: SerialProbeOutcome;
  /** The port could not be opened: no other baud rate will change that. */
  readonly openFailed: boolean;
}

async function helloAt(path: string, baudRate: number, timeoutMs: number): Promise<Attempt> {
  let port: SerialPort;
  try {
    port = await openSerial({ path, baudRate });
  } catch (err) {
    const e = err instanceof FgpError ? err : new FgpError('serial_failed', `${path}: ${(err as Error).message}`);
    // serialport reports another holder's lock as "Resource temporarily unavailable Cannot lock port".
    if (e.code !== 'port_busy' && LOCKED.test(e.message)) {
      return { outcome: { result: 'busy', detail: `${path} is in use by another program`, fix: BUSY_FIX }, openFailed: true };
    }
    const result = e.code === 'permission_denied' ? 'permission-denied' : e.code === 'port_busy' ? 'busy' : 'error';
    return { outcome: e.fix !== undefined ? { result, detail: e.message, fix: e.fix } : { result, detail: e.message }, openFailed: true };
  }
  const peer = new FgpPeer(port, { requestTimeoutMs: timeoutMs });
  try {
    // A lone delimiter ends whatever half frame the device may hold from earlier line noise.
    port.write(Buffer.from([FRAME_DELIMITER]));
    const wire = await hello(peer, { client: 'fieldline-discovery' });
    return { outcome: { result: 'found', baudRate, descriptor: descriptorFromWire(wire) }, openFailed: false };
  } catch (err) {
    if (err instanceof FgpError && err.code === 'timeout') {
      return { outcome: { result: 'no-answer', detail: `no FGP answer at ${baudRate} baud within ${timeoutMs} ms` }, openFailed: false };
    }
    return { outcome: { result: 'error', detail: `at ${baudRate} baud: ${(err as Error).message}` }, openFailed: false };
  } finally {
    await closeSerial(port);
    peer.close();
  }
}

/**
 * Tries each baud rate in turn until `hello` is answered. Open failures (permission, busy) end
 * the probe at once: another baud rate would not change them.
 */
export async function probeSerialPort(candidate: ProbeCandidate, options: SerialProbeOptions = {}): Promise<SerialProbeOutcome> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SERIAL_PROBE_TIMEOUT_MS;
  const silent: string[] = [];
  let lastError: SerialProbeOutcome | null = null;
  for (const baudRate of candidate.baudRates) {
    if (options.signal?.aborted) return { result: 'error', detail: 'probe stopped: discovery was stopped' };
    const { outcome, openFailed } = await helloAt(candidate.path, baudRate, timeoutMs);
    if (outcome.result === 'found' || openFailed) return outcome;
    // Silence or a garbled answer: the device may be set to another baud rate.
    if (outcome.result === 'no-answer') silent.push(String(baudRate));
    else lastError = outcome;
  }
  if (lastError && silent.length === 0) return lastError;
  return {
    result: 'no-answer',
    detail: `nothing answered FGP hello on ${candidate.path} at ${candidate.baudRates.join(', ')} baud`,
    fix: 'Check that the gateway is powered, that the cable carries data, and that the Fieldline agent serves this port.',
  };
}
