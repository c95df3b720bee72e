/**
 * Serial side of discovery: which ports to probe, when to probe them again, what each said.
 *
 * Probing writes to a port, so a port is probed again only when that can tell something new:
 * a port where a gateway answered (to keep it fresh and notice it leave), a port the technician
 * named (the gateway may still be booting), and a port that newly appeared (plugged in).
 * A catalog port that stayed silent is left alone until it is plugged in again. A port our own
 * session holds is never opened, and `released` lets a session wait out a probe already running.
 */
import { EventEmitter } from 'node:events';
import type { DeviceDescriptor, SerialPath, SerialPortReport } from '../api/schemas.js';
import type { DeviceCatalog } from './catalog.js';
import { sightingFromDescriptor } from './descriptor.js';
import type { Sighting } from './registry.js';
import {
  probeSerialPort,
  selectSerialCandidates,
  type ProbeCandidate,
  type SerialPortInfo,
  type SerialProbeOutcome,
} from './serial-probe.js';

export interface SerialScannerOptions {
  readonly named: readonly string[];
  readonly catalog: DeviceCatalog;
  readonly listPorts: () => Promise<readonly SerialPortInfo[]>;
  readonly timeoutMs: number;
  readonly now: () => number;
  /** Ports someone else probes (gateways added by address): two probes at once would collide. */
  readonly skip?: ((path: string) => boolean) | undefined;
  /** True while Fieldline's own session holds the port: it is not opened, the gateway is still there. */
  readonly inUse?: ((path: SerialPath) => boolean) | undefined;
  /** The probe (tests may block it); defaults to the serial probe. */
  readonly probe?: ((candidate: ProbeCandidate, signal: AbortSignal) => Promise<SerialProbeOutcome>) | undefined;
}

export interface SerialScannerEvents {
  found: [sighting: Sighting, descriptor: DeviceDescriptor];
  changed: [];
}

interface PortState {
  candidate: ProbeCandidate;
  report: SerialPortReport;
  /** The last gateway that answered here, re-sighted while its port is busy with our own session. */
  last: { sighting: Sighting; descriptor: DeviceDescriptor } | null;
}

export class SerialScanner extends EventEmitter<SerialScannerEvents> {
  private readonly ports = new Map<string, PortState>();
  private listedCount: number | null = 0;
  private listError: string | undefined;
  private inFlight: Promise<void> | null = null;
  /** The port a probe has open right now (probes run one at a time). */
  private probing: { readonly port: string; readonly done: Promise<unknown> } | null = null;
  private abort = new AbortController();

  constructor(private readonly options: SerialScannerOptions) {
    super();
  }

  get listed(): number | null {
    return this.listedCount;
  }

  get listFailure(): string | undefined {
    return this.listError;
  }

  reports(): SerialPortReport[] {
    return [...this.ports.values()].map((p) => ({ ...p.report, baudRates: [...p.report.baudRates] }));
  }

  /** Starts a probe round unless one is still running; resolves when that round is done. */
  round(): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.runRound().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  /**
   * Resolves once no probe has this port open. A session takes its lease first (so no new probe
   * opens the port), then waits here, so it never finds the port locked by discovery.
   */
  async released(port: string): Promise<void> {
    for (;;) {
      const current = this.probing;
      if (current?.port !== port) return;
      await current.done.catch(() => undefined);
    }
  }

  /** Stops probing and waits until the port being probed is closed again. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.inFlight;
    this.abort = new AbortController();
  }

  private async list(): Promise<readonly SerialPortInfo[]> {
    try {
      const listed = await this.options.listPorts();
      this.listedCount = listed.length;
      this.listError = undefined;
      return listed;
    } catch (err) {
      // Named ports are still probed: listing needs udev, opening a path does not.
      this.listedCount = null;
      this.listError = (err as Error).message;
      return [];
    }
  }

  private async runRound(): Promise<void> {
    const listed = await this.list();
    const skip = this.options.skip;
    const candidates = selectSerialCandidates(listed, this.options.named, this.options.catalog).filter((c) => !skip?.(c.path));
    const present = new Set(candidates.map((c) => c.path));
    let changed = false;
    for (const path of [...this.ports.keys()]) {
      if (!present.has(path)) {
        this.ports.delete(path);
        changed = true;
      }
    }
    const due: PortState[] = [];
    for (const candidate of candidates) {
      let state = this.ports.get(candidate.path);
      if (!state) {
        const report: SerialPortReport = {
          path: candidate.path,
          reason: candidate.reason,
          baudRates: [...candidate.baudRates],
          result: 'pending',
        };
        if (candidate.catalogEntry) report.catalogEntry = candidate.catalogEntry;
        state = { candidate, report, last: null };
        this.ports.set(candidate.path, state);
        changed = true;
      }
      if (this.isDue(state)) due.push(state);
    }
    if (changed) this.emit('changed');
    for (const state of due) {
      if (this.abort.signal.aborted) return;
      await this.probe(state);
    }
  }

  private isDue(state: PortState): boolean {
    switch (state.report.result) {
      case 'pending':
      case 'found':
        return true;
      case 'no-answer':
      case 'busy':
      case 'error':
        return state.candidate.reason === 'named';
      case 'permission-denied':
        // Joining dialout needs a new login: probing again before that only repeats the refusal.
        return false;
    }
  }

  private async probe(state: PortState): Promise<void> {
    const { candidate } = state;
    const held: SerialPath = { transport: 'serial', path: candidate.path, baudRate: candidate.baudRates[0] ?? 0, via: 'probe' };
    if (this.options.inUse?.(held)) {
      // Our own session on this gateway holds the port (leased before it opens it): it is still there.
      if (state.last && state.report.result === 'found')
        this.emit('found', { ...state.last.sighting, at: this.options.now() }, state.last.descriptor);
      return;
    }
    const signal = this.abort.signal;
    const done = this.options.probe
      ? this.options.probe(candidate, signal)
      : probeSerialPort(candidate, { timeoutMs: this.options.timeoutMs, signal });
    const entry = { port: candidate.path, done };
    this.probing = entry;
    let outcome: SerialProbeOutcome;
    try {
      outcome = await done;
    } finally {
      if (this.probing === entry) this.probing = null;
    }
    if (this.abort.signal.aborted && outcome.result !== 'found') return;
    const before = JSON.stringify(state.report);
    const report: SerialPortReport = { ...state.report, baudRates: [...state.candidate.baudRates] };
    delete report.detail;
    if (outcome.result === 'found') {
      const path = { transport: 'serial' as const, path: state.candidate.path, baudRate: outcome.baudRate, via: 'probe' as const };
      const sighting = sightingFromDescriptor(outcome.descriptor, path, this.options.now());
      state.last = { sighting, descriptor: outcome.descriptor };
      report.result = 'found';
      report.detail = `${outcome.descriptor.name} (${outcome.descriptor.model}) at ${outcome.baudRate} baud`;
      this.emit('found', sighting, outcome.descriptor);
    } else if (outcome.result === 'busy' && state.last && state.report.result === 'found') {
      // Most likely our own session on this gateway holds the port: it is still there.
      this.emit('found', { ...state.last.sighting, at: this.options.now() }, state.last.descriptor);
    } else {
      state.last = null;
      report.result = outcome.result;
      report.detail = outcome.fix ? `${outcome.detail} — ${outcome.fix}` : outcome.detail;
    }
    state.report = report;
    if (JSON.stringify(report) !== before) this.emit('changed');
  }
}
