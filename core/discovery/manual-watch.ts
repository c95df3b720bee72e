/**
 * Manual paths: gateways the technician added by address, kept fresh by a real check each round.
 *
 * Nothing announces these gateways (another subnet, no multicast reach), so without a check the
 * sweep would mark them lost although nobody asked. Each round opens the path and runs `hello`
 * with a short timeout: an answer is a sighting, silence is recorded with its reason and left to
 * the sweep, exactly as for a device that stops announcing.
 */
import { EventEmitter } from 'node:events';
import type { DeviceDescriptor, DevicePath, SerialPath, SerialPortReport, TcpPath } from '../api/schemas.js';
import { hello } from '../protocol/client-session.js';
import { FgpError } from '../protocol/errors.js';
import { FgpPeer } from '../protocol/peer.js';
import { openTcp } from '../transport/tcp.js';
import { descriptorFromWire, sightingFromDescriptor } from './descriptor.js';
import { pathKey, type Sighting } from './registry.js';
import { probeSerialPort, type ProbeCandidate, type SerialProbeOutcome } from './serial-probe.js';
import type { ManualCheckReport } from './why-not-found.js';

export const DEFAULT_MANUAL_CHECK_TIMEOUT_MS = 2000;
export const DEFAULT_MANUAL_CHECK_CONCURRENCY = 4;

export interface ManualWatchOptions {
  /** Connect plus `hello`, per check. */
  readonly timeoutMs: number;
  /** At most this many checks at once, however many paths were added. */
  readonly concurrency: number;
  readonly now: () => number;
  /** True while one of our own sessions holds the path (a serial port): it must not be opened. */
  readonly inUse?: ((path: DevicePath) => boolean) | undefined;
  /** The last sighting the registry holds for a path, so a held port still counts as present. */
  readonly known?: ((path: DevicePath) => Sighting | undefined) | undefined;
  /** The serial probe (tests may block it); defaults to the one discovery uses. */
  readonly probe?: ((candidate: ProbeCandidate, signal: AbortSignal) => Promise<SerialProbeOutcome>) | undefined;
}

export interface ManualWatchEvents {
  found: [sighting: Sighting, descriptor: DeviceDescriptor | undefined];
  changed: [];
}

type Status = { readonly result: 'pending' } | { readonly result: 'answering'; readonly name: string } | FailedStatus;

interface FailedStatus {
  readonly result: Exclude<SerialPortReport['result'], 'pending' | 'found'>;
  readonly detail: string;
  readonly fix?: string | undefined;
  /** The gateway that answered here before, so the report can say who stopped answering. */
  readonly name?: string | undefined;
}

interface Watched {
  readonly path: DevicePath;
  status: Status;
  last: Sighting | null;
}

function describeTarget(path: DevicePath): string {
  switch (path.transport) {
    case 'tcp':
      return path.host.includes(':') ? `[${path.host}]:${path.port}` : `${path.host}:${path.port}`;
    case 'serial':
      return path.path;
    case 'usb':
      return `USB ${path.busPath}`;
  }
}

export class ManualWatch extends EventEmitter<ManualWatchEvents> {
  private readonly watched = new Map<string, Watched>();
  private inFlight: Promise<void> | null = null;
  /** Serial ports a check has open right now, so a session can wait until they are closed. */
  private readonly openPorts = new Map<string, Promise<unknown>>();
  private abort = new AbortController();

  constructor(private readonly options: ManualWatchOptions) {
    super();
  }

  /** Adds a path (idempotent); it is checked from the next round on. */
  watch(path: DevicePath): boolean {
    const key = pathKey(path);
    if (this.watched.has(key)) return false;
    this.watched.set(key, { path: { ...path }, status: { result: 'pending' }, last: null });
    this.emit('changed');
    return true;
  }

  paths(): DevicePath[] {
    return [...this.watched.values()].map((w) => ({ ...w.path }));
  }

  /** Serial port paths this watch owns, so the serial scanner leaves them alone. */
  serialPortPaths(): Set<string> {
    const out = new Set<string>();
    for (const w of this.watched.values()) if (w.path.transport === 'serial') out.add(w.path.path);
    return out;
  }

  /** Manual serial ports, in the same shape (and with the same hints) as probed ones. */
  serialReports(): SerialPortReport[] {
    const out: SerialPortReport[] = [];
    for (const w of this.watched.values()) {
      if (w.path.transport !== 'serial') continue;
      const report: SerialPortReport = { path: w.path.path, reason: 'named', baudRates: [w.path.baudRate], result: 'pending' };
      if (w.status.result === 'answering') {
        report.result = 'found';
        report.detail = `${w.status.name} at ${w.path.baudRate} baud (added by address)`;
      } else if (w.status.result !== 'pending') {
        report.result = w.status.result;
        report.detail = w.status.fix ? `${w.status.detail} — ${w.status.fix}` : w.status.detail;
      }
      out.push(report);
    }
    return out;
  }

  /** Manual network paths for "why not found" (serial ones are in `serialReports`). */
  tcpReports(): ManualCheckReport[] {
    const out: ManualCheckReport[] = [];
    for (const w of this.watched.values()) {
      if (w.path.transport !== 'tcp') continue;
      const target = describeTarget(w.path);
      switch (w.status.result) {
        case 'pending':
          out.push({ target, result: 'pending' });
          break;
        case 'answering':
          out.push({ target, result: 'answering', name: w.status.name });
          break;
        default: {
          const { detail, fix, name } = w.status;
          out.push({ target, result: 'no-answer', detail, ...(fix !== undefined ? { fix } : {}), ...(name !== undefined ? { name } : {}) });
        }
      }
    }
    return out;
  }

  /**
   * Checks every path once, at most `concurrency` at a time. A round still running when the next
   * is due absorbs it: a path is never checked twice at once, however slow it answers.
   */
  round(): Promise<void> {
    if (!this.inFlight && this.watched.size > 0) {
      this.inFlight = this.runRound().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight ?? Promise.resolve();
  }

  /**
   * Resolves once no check has this serial port open. A session takes its lease first (so no new
   * check opens it), then waits here. Network paths are never held: they resolve at once.
   */
  async released(path: DevicePath): Promise<void> {
    if (path.transport !== 'serial') return;
    for (let open = this.openPorts.get(path.path); open; open = this.openPorts.get(path.path)) await open.catch(() => undefined);
  }

  /** Stops starting checks and waits for those running (each ends within its timeout). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.inFlight;
    this.abort = new AbortController();
  }

  private async runRound(): Promise<void> {
    const queue = [...this.watched.values()];
    const signal = this.abort.signal;
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next && !signal.aborted; next = queue.shift()) await this.check(next, signal);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.options.concurrency, queue.length)) }, worker));
  }

  private async check(w: Watched, signal: AbortSignal): Promise<void> {
    let status: Status;
    try {
      if (w.path.transport === 'tcp') status = await this.checkTcp(w, w.path);
      else if (w.path.transport === 'serial') status = await this.checkSerial(w, w.path, signal);
      // USB paths come from the USB lane, never from an address the technician typed.
      else status = { result: 'error', detail: `${describeTarget(w.path)} cannot be added by address` };
    } catch (err) {
      // Checks report failures as statuses; this only catches the unforeseen, which must not end the round.
      status = { result: 'error', detail: `${describeTarget(w.path)}: ${(err as Error).message}` };
    }
    if (signal.aborted && status.result !== 'answering') return;
    if (status.result !== 'answering' && status.result !== 'pending') {
      // Named after whoever answered here: this check, or the add that put the path in the registry.
      const name = (w.last ?? this.options.known?.(w.path))?.name;
      if (name !== undefined) status = { ...status, name };
    }
    const before = JSON.stringify(w.status);
    w.status = status;
    if (JSON.stringify(status) !== before) this.emit('changed');
  }

  private found(w: Watched, sighting: Sighting, descriptor: DeviceDescriptor | undefined): Status {
    w.last = sighting;
    this.emit('found', sighting, descriptor);
    return { result: 'answering', name: sighting.name };
  }

  private async checkTcp(w: Watched, path: TcpPath): Promise<Status> {
    const timeoutMs = this.options.timeoutMs;
    let peer: FgpPeer;
    let transportKey: Uint8Array | undefined;
    try {
      const opened = await openTcp({ host: path.host, port: path.port, tls: path.tls }, timeoutMs);
      peer = new FgpPeer(opened.stream, { channelBinding: opened.binding, requestTimeoutMs: timeoutMs });
      transportKey = opened.transportKey;
    } catch (err) {
      return failure(err, path);
    }
    try {
      const wire = await hello(peer, transportKey ? { client: 'fieldline-discovery', transportKey } : { client: 'fieldline-discovery' });
      const descriptor = descriptorFromWire(wire);
      return this.found(w, sightingFromDescriptor(descriptor, path, this.options.now()), descriptor);
    } catch (err) {
      return failure(err, path);
    } finally {
      peer.close();
    }
  }

  private async checkSerial(w: Watched, path: SerialPath, signal: AbortSignal): Promise<Status> {
    // Opening a port our own session holds would fail at best and disturb the session at worst;
    // the session itself is proof enough that the gateway is there.
    if (this.options.inUse?.(path)) {
      const known = w.last ?? this.options.known?.(path);
      if (known) return this.found(w, { ...known, path, at: this.options.now() }, undefined);
      return w.status;
    }
    const candidate: ProbeCandidate = { path: path.path, reason: 'named', baudRates: [path.baudRate] };
    const probe = this.options.probe
      ? this.options.probe(candidate, signal)
      : probeSerialPort(candidate, { timeoutMs: this.options.timeoutMs, signal });
    this.openPorts.set(path.path, probe);
    let outcome: SerialProbeOutcome;
    try {
      outcome = await probe;
    } finally {
      if (this.openPorts.get(path.path) === probe) this.openPorts.delete(path.path);
    }
    if (outcome.result === 'found')
      return this.found(w, sightingFromDescriptor(outcome.descriptor, path, this.options.now()), outcome.descriptor);
    if (outcome.result === 'busy' && w.last && w.status.result === 'answering') {
      // As the serial scanner does: a port that answered and is now held is most likely held by us.
      return this.found(w, { ...w.last, at: this.options.now() }, undefined);
    }
    return { result: outcome.result, detail: outcome.detail, fix: outcome.fix };
  }
}

function failure(err: unknown, path: TcpPath): FailedStatus {
  if (err instanceof FgpError) {
    // A silent TCP peer and a refused connection both mean "not answering"; anything else
    // (a bad certificate, a forged hello) is an error worth its own words.
    const silent = ['timeout', 'connection_refused', 'unreachable', 'connection_closed', 'connection_failed'].includes(err.code);
    const target = describeTarget(path);
    const detail = err.message.includes(target) ? err.message : `${target}: ${err.message}`;
    return { result: silent ? 'no-answer' : 'error', detail, fix: err.fix };
  }
  return { result: 'error', detail: `${describeTarget(path)}: ${(err as Error).message}` };
}
