/**
 * Discovery: finds gateways on every chosen interface (mDNS + UDP probe) and serial port at once,
 * feeds the device registry, and keeps the "why not found" report current.
 *
 * The USB network interface of a gateway plugged in by cable (RNDIS/ECM/NCM) gets a LAN lane
 * whatever interfaces were chosen: the technician plugged it in to reach it, and narrowing
 * discovery to the site network (or the defaults leaving out a "virtual" name) must not hide it.
 */
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import type { DevicePath, DiscoveryReport, InterfaceReport, SerialPath, UsbPath } from '../api/schemas.js';
import { UDP_PROBE_PORT } from '../protocol/announce.js';
import { builtinCatalog, type DeviceCatalog } from './catalog.js';
import { chooseInterfaces, classifyInterface, listInterfaces, type InterfaceChoice, type NetInterface } from './interfaces.js';
import { LanLane } from './lan-lane.js';
import { DEFAULT_MANUAL_CHECK_CONCURRENCY, DEFAULT_MANUAL_CHECK_TIMEOUT_MS, ManualWatch } from './manual-watch.js';
import { pathKey, type DeviceRegistry, type Sighting } from './registry.js';
import { DEFAULT_SERIAL_PROBE_TIMEOUT_MS, type ProbeCandidate, type SerialPortInfo, type SerialProbeOutcome } from './serial-probe.js';
import { SerialScanner } from './serial-scanner.js';
import { UsbLane, type UsbLaneSources } from './usb/usb-lane.js';
import { whyNotFound } from './why-not-found.js';

export interface DiscoveryOptions {
  /** Interface names; default every usable non-loopback interface (loopback only when named). */
  readonly interfaces?: readonly string[] | undefined;
  /** Serial ports to probe besides those that match the catalog. */
  readonly serialPorts?: readonly string[] | undefined;
  readonly udpPort?: number | undefined;
  readonly mdns?: boolean | undefined;
  readonly udp?: boolean | undefined;
  readonly serial?: boolean | undefined;
  /** Time between rounds of mDNS queries, UDP probes and serial re-probes. */
  readonly probeIntervalMs?: number | undefined;
  /** A device silent for this long is marked lost (default: the registry's, at least 3 rounds). */
  readonly lostAfterMs?: number | undefined;
  readonly catalog?: DeviceCatalog | undefined;
  readonly listSerialPorts?: (() => Promise<readonly SerialPortInfo[]>) | undefined;
  readonly serialTimeoutMs?: number | undefined;
  /** Where interfaces come from (tests inject recorded ones). */
  readonly listInterfaces?: (() => readonly NetInterface[]) | undefined;
  readonly now?: (() => number) | undefined;
  /** Paths the technician added by address: checked every round, since nothing announces them. */
  readonly manualPaths?: readonly DevicePath[] | undefined;
  /** Connect plus `hello` for one manual path. */
  readonly manualTimeoutMs?: number | undefined;
  /** At most this many manual paths are checked at once. */
  readonly manualConcurrency?: number | undefined;
  /** True while the host's own session holds a path (a serial port), which must then not be opened. */
  readonly inUse?: ((path: DevicePath) => boolean) | undefined;
  /** The USB bus (native or a replayed recording); without it there is no USB lane. */
  readonly usb?: UsbLaneSources | undefined;
  /** The serial probe of the scanner and of manual serial paths (tests block it); default the real one. */
  readonly serialProbe?: ((candidate: ProbeCandidate, signal: AbortSignal) => Promise<SerialProbeOutcome>) | undefined;
}

export const DEFAULT_PROBE_INTERVAL_MS = 5000;
/** The first rounds come quickly after start: one lost datagram should not cost a whole interval. */
const EARLY_ROUNDS_MS: readonly number[] = [0, 250, 1000];
/** After this long a silent network means something; before it, "no answer" hints would flash. */
const SETTLE_MS = 1500;

interface LaneSlot {
  readonly report: InterfaceReport;
  readonly lane: LanLane | null;
}

/** Why discovery uses an interface nobody chose: it is the network function of a USB gateway. */
function usbReason(link: { readonly family: string; readonly busPath: string }): string {
  return `USB network interface of ${link.family} at ${link.busPath}`;
}

export class Discovery extends EventEmitter<{ report: [DiscoveryReport] }> {
  private readonly opts: Required<Pick<DiscoveryOptions, 'udpPort' | 'mdns' | 'udp' | 'serial' | 'probeIntervalMs' | 'lostAfterMs'>>;
  private readonly now: () => number;
  private slots = new Map<string, LaneSlot>();
  private scanner: SerialScanner | null = null;
  private usbLane: UsbLane | null = null;
  private readonly manual: ManualWatch;
  private readonly found = new Set<string>();
  private running = false;
  private startedAt: number | null = null;
  private settled = false;
  private roundTimer: NodeJS.Timeout | null = null;
  private settleTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  /** The USB network interfaces the LAN lanes were last chosen with (name → reason). */
  private usbInterfaces = new Map<string, string>();
  private roundIndex = 0;
  private lastEmitted = '';
  private emitScheduled = false;
  private readonly onRegistryChange = (): void => this.scheduleReport();

  constructor(
    private readonly registry: DeviceRegistry,
    private readonly options: DiscoveryOptions = {},
  ) {
    super();
    const probeIntervalMs = options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
    this.opts = {
      udpPort: options.udpPort ?? UDP_PROBE_PORT,
      mdns: options.mdns ?? true,
      udp: options.udp ?? true,
      serial: options.serial ?? true,
      probeIntervalMs,
      lostAfterMs: options.lostAfterMs ?? Math.max(registry.lostAfterMs, 3 * probeIntervalMs + 1000),
    };
    this.now = options.now ?? Date.now;
    this.manual = new ManualWatch({
      timeoutMs: options.manualTimeoutMs ?? DEFAULT_MANUAL_CHECK_TIMEOUT_MS,
      concurrency: options.manualConcurrency ?? DEFAULT_MANUAL_CHECK_CONCURRENCY,
      now: this.now,
      inUse: options.inUse,
      known: (path) => this.knownSighting(path),
      probe: options.serialProbe,
    });
    for (const path of options.manualPaths ?? []) this.manual.watch(path);
    this.manual.on('found', (sighting, descriptor) => {
      this.sight(sighting);
      if (descriptor && this.running) this.registry.setDescriptor(sighting.id, descriptor);
    });
    this.manual.on('changed', () => this.scheduleReport());
  }

  /**
   * Keeps a path added by address fresh with a real check every round (kept across stop/start).
   * Only paths that answered once should be given: the check says whether they still do.
   */
  watch(path: DevicePath): void {
    if (path.via !== 'manual') return;
    this.manual.watch(path);
  }

  /** The manual paths being watched. */
  manualPaths(): DevicePath[] {
    return this.manual.paths();
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<DiscoveryReport> {
    if (this.running) return this.report();
    this.running = true;
    this.startedAt = this.now();
    this.settled = false;
    this.roundIndex = 0;
    this.found.clear();
    this.usbInterfaces = new Map();
    this.registry.on('change', this.onRegistryChange);

    const lan = this.opts.mdns || this.opts.udp;
    this.slots = new Map();
    if (lan) {
      this.refreshing = this.refreshInterfaces();
      await this.refreshing.finally(() => (this.refreshing = null));
    }
    if (!this.running) return this.report(); // stopped while the sockets were opening
    if (this.opts.serial) {
      const scanner = new SerialScanner({
        named: [...new Set(this.options.serialPorts ?? [])],
        catalog: this.options.catalog ?? builtinCatalog(),
        listPorts: this.options.listSerialPorts ?? (() => SerialPort.list()),
        timeoutMs: this.options.serialTimeoutMs ?? DEFAULT_SERIAL_PROBE_TIMEOUT_MS,
        now: this.now,
        // Ports on a USB device are the USB lane's: it probes them and merges them with the USB path.
        skip: (path) => this.manual.serialPortPaths().has(path) || (this.usbLane?.serialPortPaths().has(path) ?? false),
        inUse: (path) => this.options.inUse?.(path) ?? false,
        probe: this.options.serialProbe,
      });
      scanner.on('found', (sighting, descriptor) => {
        this.sight(sighting);
        this.registry.setDescriptor(sighting.id, descriptor);
      });
      scanner.on('changed', () => this.scheduleReport());
      this.scanner = scanner;
    }
    if (this.options.usb) {
      const lane = new UsbLane({
        ...this.options.usb,
        registry: this.registry,
        now: this.now,
        timeoutMs: this.options.serialTimeoutMs ?? DEFAULT_SERIAL_PROBE_TIMEOUT_MS,
        // Serial ports and USB devices (the engine leases `usb:<busPath>` while a session holds one).
        inUse: (path) => this.options.inUse?.(path) ?? false,
        skip: (path) => this.manual.serialPortPaths().has(path),
      });
      lane.on('gateway', (id) => {
        if (this.found.has(id)) return;
        this.found.add(id);
        this.scheduleReport();
      });
      lane.on('changed', () => {
        this.followUsbInterfaces();
        this.scheduleReport();
      });
      this.usbLane = lane;
      await lane.start();
      if (!this.running) {
        await lane.stop();
        this.usbLane = null;
        return this.report();
      }
      // A USB network interface linked while the lane started has its LAN lane in the first report.
      await this.refreshing;
      if (!this.running) return this.report();
    }
    this.round();
    this.settleTimer = setTimeout(() => {
      this.settled = true;
      this.scheduleReport();
    }, SETTLE_MS);
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(1000, this.opts.probeIntervalMs));
    const report = this.report();
    this.lastEmitted = JSON.stringify(report);
    return report;
  }

  /**
   * Resolves once no probe (USB lane, serial scanner, manual check) holds this port or USB
   * interface open: a session takes its lease first, so none starts meanwhile, then waits here.
   */
  async released(path: SerialPath | UsbPath): Promise<void> {
    await Promise.all([
      this.usbLane?.released(path),
      path.transport === 'serial' ? this.scanner?.released(path.path) : undefined,
      this.manual.released(path),
    ]);
  }

  async stop(): Promise<DiscoveryReport> {
    if (!this.running) return this.report();
    this.running = false;
    for (const timer of [this.roundTimer, this.settleTimer, this.sweepTimer]) if (timer) clearTimeout(timer);
    this.roundTimer = this.settleTimer = this.sweepTimer = null;
    await this.refreshing;
    this.registry.off('change', this.onRegistryChange);
    await Promise.all([...this.slots.values()].map((s) => s.lane?.stop()));
    await Promise.all([this.scanner?.stop(), this.manual.stop(), this.usbLane?.stop()]);
    this.scanner = null;
    const report = this.report();
    this.lastEmitted = JSON.stringify(report);
    this.emit('report', report);
    return report;
  }

  report(): DiscoveryReport {
    const interfaces = [...this.slots.values()].map((s) => {
      if (!s.lane) return { ...s.report };
      const report = s.lane.report(s.report.used);
      if (s.report.reason !== undefined) report.reason = s.report.reason;
      return report;
    });
    const serialPorts = [...(this.scanner?.reports() ?? []), ...this.manual.serialReports()];
    let devicesFound = 0;
    for (const id of this.found) if (this.registry.isOnline(id)) devicesFound++;
    const hints = whyNotFound({
      lan: this.opts.mdns || this.opts.udp,
      serial: this.opts.serial,
      interfaces,
      serialPorts,
      serialPortsListed: this.scanner ? this.scanner.listed : 0,
      serialListError: this.scanner?.listFailure,
      devicesFound,
      settled: this.settled,
      manual: this.manual.tcpReports(),
    });
    const report: DiscoveryReport = { running: this.running, startedAt: this.startedAt, interfaces, serialPorts, devicesFound, hints };
    if (this.usbLane) report.usb = this.usbLane.report();
    return report;
  }

  /** The USB lane, while discovery runs with one (tests wait on it). */
  get usb(): UsbLane | null {
    return this.usbLane;
  }

  /** Counters that do not belong in the user-facing report (bad datagrams, foreign packets). */
  stats(): Record<string, { mdns: unknown; udp: unknown }> {
    const out: Record<string, { mdns: unknown; udp: unknown }> = {};
    for (const [name, slot] of this.slots) {
      if (slot.lane) out[name] = { mdns: slot.lane.browser?.stats ?? null, udp: slot.lane.prober?.stats ?? null };
    }
    return out;
  }

  private sight(sighting: Sighting): void {
    if (!this.running) return;
    const result = this.registry.sight(sighting);
    if (result.kind === 'rejected') return;
    if (!this.found.has(sighting.id)) {
      this.found.add(sighting.id);
      this.scheduleReport();
    }
  }

  /** What the registry last knew of the gateway on a manual path (for a port our session holds). */
  private knownSighting(path: DevicePath): Sighting | undefined {
    const key = pathKey(path);
    const device = this.registry.list().find((d) => d.paths.some((p) => pathKey(p) === key));
    if (!device) return undefined;
    const { id, name, vendor, model, serial, firmware } = device;
    return { id, name, vendor, model, serial, firmware, path, at: this.now() };
  }

  private round(): void {
    if (!this.running) return;
    for (const slot of this.slots.values()) slot.lane?.round();
    void this.scanner?.round();
    void this.manual.round();
    void this.usbLane?.round();
    // Interfaces come and go (a cable plugged in after start); pick them up between rounds.
    if (this.roundIndex > 0 && (this.opts.mdns || this.opts.udp) && !this.refreshing) {
      const refresh: Promise<void> = this.refreshInterfaces().finally(() => {
        if (this.refreshing === refresh) this.refreshing = null;
      });
      this.refreshing = refresh;
    }
    const delay =
      this.roundIndex + 1 < EARLY_ROUNDS_MS.length
        ? EARLY_ROUNDS_MS[this.roundIndex + 1]! - EARLY_ROUNDS_MS[this.roundIndex]!
        : this.opts.probeIntervalMs;
    this.roundIndex++;
    this.roundTimer = setTimeout(() => this.round(), delay);
  }

  private sweep(): void {
    if (this.running) this.registry.sweep(this.now(), this.opts.lostAfterMs);
  }

  /** The USB lane's network interfaces now, each with the reason the report gives. */
  private currentUsbInterfaces(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [name, link] of this.usbLane?.networkInterfaces() ?? []) out.set(name, usbReason(link));
    return out;
  }

  private usbInterfacesChanged(): boolean {
    const now = this.currentUsbInterfaces();
    return now.size !== this.usbInterfaces.size || [...now].some(([name, reason]) => this.usbInterfaces.get(name) !== reason);
  }

  /**
   * A USB device with a network function was plugged in or pulled: its LAN lane starts or stops
   * now rather than at the next round. Lanes are dropped synchronously, so nothing heard on a
   * pulled cable's interface arrives after the USB lane took its paths away.
   */
  private followUsbInterfaces(): void {
    if (!this.running || !(this.opts.mdns || this.opts.udp) || !this.usbInterfacesChanged()) return;
    const refresh = this.refreshInterfaces();
    const previous = this.refreshing;
    const both = Promise.all([previous, refresh]).then(() => undefined);
    this.refreshing = both;
    void both.finally(() => {
      if (this.refreshing === both) this.refreshing = null;
    });
  }

  private async refreshInterfaces(): Promise<void> {
    const usb = this.currentUsbInterfaces();
    this.usbInterfaces = usb;
    const selection = new Map(
      chooseInterfaces((this.options.listInterfaces ?? listInterfaces)(), this.options.interfaces).map((c): [string, InterfaceChoice] => {
        // A USB gateway's network function is used even when not chosen (unless it is down).
        const reason = usb.get(c.name);
        if (reason === undefined) return [c.name, c];
        return [c.name, { ...c, used: c.used || (c.iface !== null && c.error === undefined), reason }];
      }),
    );
    const starting: Promise<void>[] = [];
    let changed = false;
    for (const [name, slot] of this.slots) {
      const next = selection.get(name);
      const same =
        next !== undefined &&
        slot.report.address === (next.iface?.address ?? '') &&
        slot.report.used === next.used &&
        (slot.report.error ?? '') === (next.error ?? '');
      if (!same) {
        void slot.lane?.stop();
        this.slots.delete(name);
        changed = true;
      } else if (slot.report.reason !== next.reason) {
        // Only why it is used changed (the defaults chose it, and it is a USB gateway's too): the lane runs on.
        if (next.reason === undefined) delete slot.report.reason;
        else slot.report.reason = next.reason;
        changed = true;
      }
    }
    for (const [name, choice] of selection) {
      if (this.slots.has(name)) continue;
      changed = true;
      const report: InterfaceReport = {
        name,
        address: choice.iface?.address ?? '',
        kind: choice.iface?.kind ?? classifyInterface(name, false),
        used: choice.used,
        mdnsAnswers: 0,
        udpAnswers: 0,
      };
      if (choice.error) report.error = choice.error;
      if (choice.reason !== undefined) report.reason = choice.reason;
      if (!choice.used || !choice.iface) {
        this.slots.set(name, { report, lane: null });
        continue;
      }
      const lane = new LanLane(choice.iface, { mdns: this.opts.mdns, udp: this.opts.udp, udpPort: this.opts.udpPort, now: this.now });
      lane.on('sighting', (s) => {
        // A lane dropped (its USB cable pulled) may still hold a datagram: it no longer counts.
        if (this.slots.get(name)?.lane !== lane) return;
        this.sight(s);
        this.usbLane?.networkSighting(s);
      });
      lane.on('changed', () => this.scheduleReport());
      this.slots.set(name, { report, lane });
      starting.push(
        lane.start().then(() => {
          // A lane that came up between rounds asks at once instead of waiting for the next one.
          if (this.running && this.roundIndex > 0) lane.round();
        }),
      );
    }
    await Promise.all(starting);
    if (!this.running) await Promise.all([...this.slots.values()].map((s) => s.lane?.stop()));
    if (changed) this.scheduleReport();
  }

  private scheduleReport(): void {
    if (this.emitScheduled) return;
    this.emitScheduled = true;
    setImmediate(() => {
      this.emitScheduled = false;
      const report = this.report();
      const json = JSON.stringify(report);
      if (json === this.lastEmitted) return;
      this.lastEmitted = json;
      this.emit('report', report);
    });
  }
}
