/**
 * The USB lane of discovery: what is plugged in by cable, merged into the registry.
 *
 * Each catalog device on the bus is linked to its serial ports and network interfaces; its FGP
 * bulk interface (when the catalog names one and the adapter can open it) and then its serial
 * ports are asked for FGP hello. A gateway that answers is one device under its real id with its
 * USB path (carrying `fgp` when the bulk interface answers) and the serial paths that answered
 * (its USB network interface is found by the LAN lane under the same id; a gateway heard only on
 * that interface is adopted by `networkSighting`, so it too is one row). A device that cannot speak FGP — a boot ROM in recovery, a UART bridge
 * with nothing answering, a device we may not open — has no FGP identity, so it is listed under a
 * stand-in id (sha256 of "usb:vendor:product:serial-or-busPath") with its `usb` block saying its
 * mode, what that means, the next step and the error with its fix. The stand-in is removed when a
 * hello succeeds on it or the cable is pulled; a real gateway whose cable is pulled loses those
 * paths (and goes lost when nothing else reaches it).
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { DeviceDescriptor, SerialPath, DeviceUsb, UsbPath } from '../../api/schemas.js';
import type { UsbBulkOptions } from '../../transport/usb-bulk.js';
import { sightingFromDescriptor } from '../descriptor.js';
import { pathKey, type DeviceRegistry, type Sighting } from '../registry.js';
import { probeSerialPort, type ProbeCandidate, type SerialProbeOutcome } from '../serial-probe.js';
import { isUsbBulkOpener, type UsbAdapter, type UsbBulkOpener, type UsbBulkTarget } from './adapter.js';
import { describeBulkTarget, probeUsbBulk, type BulkProbeOutcome } from './bulk-probe.js';
import { linkNetworkInterfaces, linkSerialPorts, type ListedSerialPort, type NetworkLink, type SysfsReader } from './link.js';
import type { UsbCatalog } from './usb-catalog.js';
import { UsbEnumerator, type UsbDeviceRecord } from './usb-enumerator.js';

/** Where the lane reads the bus, the serial port listing and sysfs (a recording replays all three). */
export interface UsbLaneSources {
  readonly adapter: UsbAdapter;
  readonly catalog: UsbCatalog;
  readonly listPorts: () => Promise<readonly ListedSerialPort[]>;
  /** null where there is no sysfs (macOS, Windows): linking falls back to serial numbers. */
  readonly sysfs: SysfsReader | null;
  /** The recording being replayed, for the report. */
  readonly replay?: string | undefined;
  /** Why the replayed recording could not be loaded, if it could not. */
  readonly replayError?: (() => string | null) | undefined;
}

export interface UsbLaneOptions extends UsbLaneSources {
  readonly registry: DeviceRegistry;
  readonly now: () => number;
  /** How long to wait for hello at each baud rate. */
  readonly timeoutMs: number;
  /**
   * True while Fieldline's own session holds this path: it is not probed, the gateway is still
   * there. A held USB path (the engine leases `usb:<busPath>`) keeps every probe off the device.
   */
  readonly inUse?: ((path: SerialPath | UsbPath) => boolean) | undefined;
  /** Ports someone else probes (a gateway added by address): two probes at once would collide. */
  readonly skip?: ((path: string) => boolean) | undefined;
  /** The probe (tests may count calls); defaults to the serial probe discovery uses. */
  readonly probe?: ((candidate: ProbeCandidate, signal: AbortSignal) => Promise<SerialProbeOutcome>) | undefined;
  /** Bulk transport timing for the bulk probe (tests shorten the idle poll). */
  readonly bulk?: UsbBulkOptions | undefined;
}

export interface UsbLaneEvents {
  /** A gateway answered hello over its FGP bulk interface or a USB-linked serial port. */
  gateway: [id: string];
  /** The lane's report changed (devices, errors). */
  changed: [];
}

/** The stand-in id of a USB device no gateway answered on. */
export function standInId(d: {
  readonly vendorId: string;
  readonly productId: string;
  readonly serial?: string | undefined;
  readonly busPath: string;
}): string {
  return createHash('sha256')
    .update(`usb:${d.vendorId}:${d.productId}:${d.serial ?? d.busPath}`)
    .digest('hex');
}

export function usbPathOf(record: UsbDeviceRecord): UsbPath {
  const path: UsbPath = { transport: 'usb', busPath: record.busPath, vendorId: record.vendorId, productId: record.productId, via: 'usb' };
  if (record.serial !== undefined) path.serial = record.serial;
  if (record.fgp) path.fgp = { ...record.fgp };
  return path;
}

type Probe = NonNullable<DeviceUsb['probe']>;

/** The registry keys of the paths this cable gives the gateway. */
function gatewayKeys(t: Tracked): Set<string> {
  const keys = new Set([pathKey(usbPathOf(t.record))]);
  if (t.gateway?.serial) keys.add(pathKey(t.gateway.serial));
  return keys;
}

/** Who answered on a USB network interface: the fields of the LAN sighting, without its path. */
type NetworkGateway = Pick<Sighting, 'id' | 'name' | 'vendor' | 'model' | 'serial' | 'firmware'>;

/** When to look for the ttys and network interfaces of a device just plugged in. */
const RELINK_AFTER_ATTACH_MS = 1500;

interface Tracked {
  record: UsbDeviceRecord;
  serialPorts: string[];
  networkInterfaces: string[];
  /**
   * The gateway that answered, and where: over the bulk interface (then the USB path is how it is
   * kept fresh) and/or a linked serial port.
   */
  gateway: { readonly descriptor: DeviceDescriptor; readonly bulk: boolean; readonly serial: SerialPath | null } | null;
  /**
   * The gateway the LAN lane heard on this device's USB network interface (RNDIS/ECM/NCM), when
   * it answered nowhere on the cable itself: the USB path joins that gateway's row.
   */
  network: NetworkGateway | null;
  /** Stand-in id while the device is listed as one. */
  standIn: string | null;
  /**
   * The gateway that answered here and then fell silent, cable still in: its (lost) row stands for
   * the device instead of a stand-in, so one cable never shows as two rows.
   */
  silentGateway: { readonly id: string; readonly keys: ReadonlySet<string> } | null;
  probe: Probe;
  /** Linked ports asked once without an answer: asked again only when replugged. */
  readonly silent: Set<string>;
  /** The bulk interface was asked without an answer: asked again only when replugged. */
  bulkSilent: boolean;
  /** Why the bulk interface could not be opened: shown over a silent serial port's result. */
  bulkFailure: Probe | null;
}

export interface UsbLaneReport {
  readonly devices: number;
  readonly error?: string;
  readonly replay?: string;
}

export class UsbLane extends EventEmitter<UsbLaneEvents> {
  private readonly enumerator: UsbEnumerator;
  private readonly tracked = new Map<string, Tracked>();
  private listError: string | undefined;
  private running = false;
  private abort = new AbortController();
  /** Probes run one at a time: two on one port would garble each other's frames. */
  private probing: Promise<void> = Promise.resolve();
  /** The probe that has a device's interface or tty open right now. */
  private inFlight: { readonly busPath: string; readonly port: string | null; readonly done: Promise<unknown> } | null = null;
  /** Attach, detach and rounds are handled in order. */
  private work: Promise<void> = Promise.resolve();
  private relinkTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: UsbLaneOptions) {
    super();
    this.enumerator = new UsbEnumerator(options.adapter, options.catalog);
    this.enumerator.on('attach', (record) => {
      void this.enqueue(() => this.attach([record]));
      // The kernel names the device's ttys and network interfaces a moment after it enumerates:
      // look again shortly rather than at the next round.
      this.relinkTimer ??= setTimeout(() => {
        this.relinkTimer = null;
        void this.round();
      }, RELINK_AFTER_ATTACH_MS);
      this.relinkTimer.unref();
    });
    this.enumerator.on('detach', (record) => this.enqueue(async () => this.detach(record.busPath)));
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    const first = await this.enumerator.start();
    if (!first.ok) this.listError = first.reason;
    else await this.enqueue(() => this.attach(first.devices));
    this.emit('changed');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    if (this.relinkTimer) clearTimeout(this.relinkTimer);
    this.relinkTimer = null;
    await this.enumerator.stop();
    await this.work;
    await this.probing;
  }

  /** Keeps what is plugged in fresh in the registry; re-links and asks new ports. */
  round(): Promise<void> {
    return this.enqueue(() => this.refresh());
  }

  /** Resolves when everything received so far (hot-plug, probes) has been handled. */
  async settled(): Promise<void> {
    // Work schedules probes and probes schedule work: wait until neither chain moved.
    for (;;) {
      const work = this.work;
      const probing = this.probing;
      await this.enumerator.settled();
      await work;
      await probing;
      if (work === this.work && probing === this.probing) return;
    }
  }

  /**
   * Resolves once no probe has this path's device open. A session takes its lease first (so no
   * new probe starts), then waits here, so it never finds the interface claimed by discovery.
   */
  async released(path: SerialPath | UsbPath): Promise<void> {
    for (;;) {
      const current = this.inFlight;
      if (!current) return;
      const mine = path.transport === 'usb' ? current.busPath === path.busPath : current.port === path.path;
      if (!mine) return;
      await current.done.catch(() => undefined);
    }
  }

  /** The network interfaces of the catalog devices plugged in, and whose they are: discovery runs a LAN lane on each. */
  networkInterfaces(): Map<string, { readonly family: string; readonly busPath: string }> {
    const out = new Map<string, { family: string; busPath: string }>();
    for (const t of this.tracked.values())
      for (const name of t.networkInterfaces) out.set(name, { family: t.record.catalog!.family, busPath: t.record.busPath });
    return out;
  }

  /**
   * A LAN sighting: when it came over the USB network interface of a device that answered nowhere
   * on the cable itself, that device is this gateway (its USB path joins the gateway's row) rather
   * than a stand-in. The first gateway heard there keeps the device until it falls silent.
   */
  networkSighting(s: Sighting): void {
    const iface = s.path.transport === 'tcp' ? s.path.iface : undefined;
    if (iface === undefined || ![...this.tracked.values()].some((t) => t.networkInterfaces.includes(iface))) return;
    void this.enqueue(async () => {
      for (const t of this.tracked.values()) {
        if (!t.networkInterfaces.includes(iface) || t.gateway || t.network) continue;
        const { id, name, vendor, model, serial, firmware } = s;
        t.network = { id, name, vendor, model, serial, firmware };
        this.publish(t);
        this.emit('changed');
      }
    });
  }

  /** Serial ports the lane owns: the serial scanner leaves them alone. */
  serialPortPaths(): Set<string> {
    const out = new Set<string>();
    for (const t of this.tracked.values()) for (const p of t.serialPorts) out.add(p);
    return out;
  }

  report(): UsbLaneReport {
    const error = this.options.replayError?.() ?? this.listError;
    return {
      devices: this.tracked.size,
      ...(error !== undefined && error !== null ? { error } : {}),
      ...(this.options.replay !== undefined ? { replay: this.options.replay } : {}),
    };
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    this.work = this.work.then(() => (this.running ? job() : undefined)).catch(() => undefined);
    return this.work;
  }

  private async attach(records: readonly UsbDeviceRecord[]): Promise<void> {
    for (const record of records) {
      // Devices the catalog does not know (a mouse, a keyboard) are not gateways: `usb list` shows them.
      if (!record.catalog) continue;
      const old = this.tracked.get(record.busPath);
      if (old) this.detach(record.busPath);
      this.tracked.set(record.busPath, {
        record,
        serialPorts: [],
        networkInterfaces: [],
        gateway: null,
        network: null,
        standIn: null,
        silentGateway: null,
        probe: { result: 'not-probed', detail: 'no serial port of this device is listed yet' },
        silent: new Set(),
        bulkSilent: false,
        bulkFailure: null,
      });
    }
    await this.relink();
    for (const t of this.tracked.values()) if (records.some((r) => r.busPath === t.record.busPath)) this.publish(t);
    this.emit('changed');
    this.scheduleProbes();
  }

  private detach(busPath: string): void {
    const t = this.tracked.get(busPath);
    if (!t) return;
    this.tracked.delete(busPath);
    if (t.standIn) this.options.registry.remove(t.standIn);
    if (t.silentGateway && !t.gateway && !t.network) this.options.registry.detachUsb(t.silentGateway.id, t.silentGateway.keys);
    const id = t.gateway?.descriptor.id ?? t.network?.id;
    if (id !== undefined) {
      const keys = gatewayKeys(t);
      // The gateway's USB network interface went with the cable.
      for (const p of this.options.registry.get(id)?.paths ?? [])
        if (p.transport === 'tcp' && p.iface !== undefined && t.networkInterfaces.includes(p.iface)) keys.add(pathKey(p));
      this.options.registry.detachUsb(id, keys);
    }
    this.emit('changed');
  }

  /** Links every tracked device to its serial ports and network interfaces. */
  private async relink(): Promise<void> {
    const all = this.enumerator.current();
    const devices = all.length ? all : [...this.tracked.values()].map((t) => t.record);
    let ports: readonly ListedSerialPort[] = [];
    try {
      ports = await this.options.listPorts();
    } catch {
      // No listing (no udev): the devices are still shown, just without their serial paths.
    }
    const serial = linkSerialPorts(devices, ports, this.options.sysfs).links;
    const network: ReadonlyMap<string, readonly NetworkLink[]> = this.options.sysfs
      ? linkNetworkInterfaces(devices, this.options.sysfs)
      : new Map();
    for (const t of this.tracked.values()) {
      t.serialPorts = (serial.get(t.record.busPath) ?? []).map((l) => l.path);
      t.networkInterfaces = (network.get(t.record.busPath) ?? []).map((l) => l.name);
    }
  }

  private async refresh(): Promise<void> {
    await this.relink();
    for (const t of this.tracked.values()) {
      const serial = t.gateway?.serial;
      if (t.gateway && serial && !t.serialPorts.includes(serial.path)) {
        if (t.gateway.bulk) {
          // Still reached over its bulk interface: only the serial path goes.
          t.gateway = { ...t.gateway, serial: null };
          this.options.registry.detachUsb(t.gateway.descriptor.id, new Set([pathKey(serial)]), { unplugged: false });
        } else this.lostGateway(t, 'its serial port is no longer listed');
      }
      this.publish(t);
    }
    this.scheduleProbes();
  }

  private usbInfo(t: Tracked): DeviceUsb {
    const { record } = t;
    const catalog = record.catalog!;
    const info: DeviceUsb = {
      busPath: record.busPath,
      vendorId: record.vendorId,
      productId: record.productId,
      family: catalog.family,
      mode: catalog.mode,
      meaning: catalog.meaning,
      nextStep: catalog.nextStep,
      serialPorts: [...t.serialPorts],
      networkInterfaces: [...t.networkInterfaces],
      attached: true,
    };
    if (record.manufacturer !== undefined) info.manufacturer = record.manufacturer;
    if (record.product !== undefined) info.product = record.product;
    if (record.serial !== undefined) info.serial = record.serial;
    if (record.error) info.error = { ...record.error };
    if (!t.gateway && !t.network) info.probe = { ...this.shownProbe(t) };
    return info;
  }

  /** Puts the device in the registry as it stands now: the gateway that answered, or its stand-in. */
  private publish(t: Tracked): void {
    if (!this.running) return;
    const at = this.options.now();
    const usb = this.usbInfo(t);
    const { registry } = this.options;
    if (t.gateway) {
      t.silentGateway = null;
      if (t.standIn) {
        registry.remove(t.standIn);
        t.standIn = null;
      }
      const { descriptor, serial } = t.gateway;
      for (const path of serial ? [usbPathOf(t.record), serial] : [usbPathOf(t.record)])
        registry.sight({ ...sightingFromDescriptor(descriptor, path, at), usb });
      registry.setDescriptor(descriptor.id, descriptor);
      this.emit('gateway', descriptor.id);
      return;
    }
    if (t.network) {
      const { id } = t.network;
      const row = registry.get(id);
      const heard =
        row?.state === 'online' &&
        row.paths.some((p) => p.transport === 'tcp' && p.iface !== undefined && t.networkInterfaces.includes(p.iface));
      if (heard) {
        t.silentGateway = null;
        if (t.standIn) {
          registry.remove(t.standIn);
          t.standIn = null;
        }
        registry.sight({ ...t.network, path: usbPathOf(t.record), at, usb });
        return;
      }
      // Its path on the USB network interface was swept: the agent stopped answering there.
      t.network = null;
      const keys = gatewayKeys(t);
      if (registry.detachUsb(id, keys, { unplugged: false }) === 'lost') t.silentGateway = { id, keys };
    }
    if (t.silentGateway) {
      // Still lost (nothing else revived it): its row keeps saying what the cable shows.
      if (registry.get(t.silentGateway.id)?.state === 'lost') {
        registry.setUsb(t.silentGateway.id, usb);
        return;
      }
      t.silentGateway = null;
    }
    const { record } = t;
    const id = standInId(record);
    t.standIn = id;
    const sighting: Sighting = {
      id,
      name: record.catalog!.family,
      vendor: record.manufacturer ?? '',
      model: record.product ?? '',
      serial: record.serial ?? '',
      firmware: '',
      path: usbPathOf(record),
      at,
      usb,
    };
    registry.sight(sighting);
  }

  private lostGateway(t: Tracked, why: string): void {
    if (!t.gateway) return;
    const id = t.gateway.descriptor.id;
    const keys = gatewayKeys(t);
    t.gateway = null;
    t.probe = { result: 'no-answer', detail: `the gateway stopped answering: ${why}` };
    // Reached only by this cable: its row goes lost and stands for the device. Reached another way
    // too: it stays online without the cable paths, and a stand-in says what is plugged in.
    if (this.options.registry.detachUsb(id, keys, { unplugged: false }) === 'lost') t.silentGateway = { id, keys };
  }

  /** The device's FGP bulk interface, when it has one and the adapter can open it. */
  private bulkTarget(t: Tracked): { readonly opener: UsbBulkOpener; readonly target: UsbBulkTarget } | null {
    const { record } = t;
    if (!record.fgp || !isUsbBulkOpener(this.options.adapter)) return null;
    return {
      opener: this.options.adapter,
      target: {
        busPath: record.busPath,
        vendorId: record.vendorId,
        productId: record.productId,
        serial: record.serial,
        ...record.fgp,
      },
    };
  }

  /** A bulk interface that could not be opened says more than a silent tty beside it. */
  private shownProbe(t: Tracked): Probe {
    return t.bulkFailure && (t.probe.result === 'no-answer' || t.probe.result === 'not-probed') ? t.bulkFailure : t.probe;
  }

  private serialPath(port: string, baudRate: number): SerialPath {
    return { transport: 'serial', path: port, baudRate, via: 'probe' };
  }

  /**
   * What to ask now: a gateway where it answered each round (its bulk interface before its serial
   * port), new ports and a new bulk interface once.
   */
  private scheduleProbes(): void {
    const jobs: (() => Promise<void>)[] = [];
    const inUse = (path: SerialPath | UsbPath): boolean => this.options.inUse?.(path) ?? false;
    for (const t of this.tracked.values()) {
      const catalog = t.record.catalog!;
      // A boot ROM runs no agent: writing to it would change nothing and could confuse a flash tool.
      if (catalog.mode === 'recovery') {
        t.probe = { result: 'not-probed', detail: 'a device in recovery mode runs no agent: Fieldline does not probe it' };
        continue;
      }
      // Our own session holds the device (over its bulk interface): it is still there, leave it be.
      if (inUse(usbPathOf(t.record))) continue;
      const bulk = this.bulkTarget(t);
      const baudRates = catalog.baudRates?.length ? [...catalog.baudRates] : [115200];
      const newPorts = (except: string | undefined): string[] =>
        t.serialPorts.filter(
          (port) => port !== except && !t.silent.has(port) && !this.options.skip?.(port) && !inUse(this.serialPath(port, baudRates[0]!)),
        );
      if (t.gateway) {
        const serial = t.gateway.serial;
        if (t.gateway.bulk && bulk) {
          jobs.push(() => this.probeBulkTracked(t, bulk.opener, bulk.target));
          // The agent may serve its tty as well: those ports are asked once, for the serial path.
          for (const port of newPorts(serial?.path)) jobs.push(() => this.probeTracked(t, port, baudRates));
          continue;
        }
        if (serial && !inUse(serial)) jobs.push(() => this.probeTracked(t, serial.path, [serial.baudRate]));
        continue;
      }
      if (bulk && !t.bulkSilent) jobs.push(() => this.probeBulkTracked(t, bulk.opener, bulk.target));
      for (const port of newPorts(undefined)) jobs.push(() => this.probeTracked(t, port, baudRates));
      if (t.serialPorts.length === 0 && !bulk)
        t.probe = {
          result: 'not-probed',
          detail: 'no serial port of this device is listed',
          fix: 'On Linux, check that the cdc_acm / usbserial driver is loaded (dmesg shows ttyACM or ttyUSB when the cable is plugged in).',
        };
    }
    for (const job of jobs) {
      this.probing = this.probing.then(() => (this.running ? job() : undefined)).catch(() => undefined);
    }
  }

  /** Says "asking …" once, when the device is new: a silent gateway asked again each round would flicker. */
  private markPending(t: Tracked, detail: string): void {
    if (t.gateway || t.probe.result !== 'not-probed') return;
    t.probe = { result: 'pending', detail };
    void this.enqueue(async () => this.publish(t));
  }

  /** Notes which device a probe has open until it is done (probes run one at a time). */
  private async track<T>(t: Tracked, port: string | null, probe: Promise<T>): Promise<T> {
    const entry = { busPath: t.record.busPath, port, done: probe };
    this.inFlight = entry;
    try {
      return await probe;
    } finally {
      if (this.inFlight === entry) this.inFlight = null;
    }
  }

  private async probeBulkTracked(t: Tracked, opener: UsbBulkOpener, target: UsbBulkTarget): Promise<void> {
    if (this.tracked.get(t.record.busPath) !== t) return; // unplugged meanwhile
    // The session may have started after this probe was scheduled.
    if (this.options.inUse?.(usbPathOf(t.record))) return;
    this.markPending(t, `asking ${describeBulkTarget(target)} for FGP hello`);
    const outcome: BulkProbeOutcome = await this.track(
      t,
      null,
      probeUsbBulk(opener, target, { timeoutMs: this.options.timeoutMs, signal: this.abort.signal, bulk: this.options.bulk }),
    );
    await this.enqueue(async () => {
      if (this.tracked.get(t.record.busPath) !== t) return;
      if (outcome.result === 'found') {
        const previous = t.gateway?.descriptor.id;
        if (previous !== undefined && previous !== outcome.descriptor.id)
          this.lostGateway(t, 'another gateway answers on its USB interface');
        // A serial path that answered with the same id stays; the bulk interface is how it is kept fresh.
        const serial = t.gateway?.descriptor.id === outcome.descriptor.id ? t.gateway.serial : null;
        t.gateway = { descriptor: outcome.descriptor, bulk: true, serial };
        t.bulkSilent = false;
        t.bulkFailure = null;
      } else if (t.gateway?.bulk) {
        if (outcome.result === 'busy') return; // most likely our own session: it is still there
        if (t.gateway.serial) {
          // Still answering on its tty: kept fresh there from now on.
          t.gateway = { ...t.gateway, bulk: false };
        } else this.lostGateway(t, outcome.detail);
      } else {
        // A gateway that answered here before may come back (reboot): keep asking. Others wait for a replug.
        if (!t.silentGateway) t.bulkSilent = true;
        const probe: Probe = { result: outcome.result, detail: outcome.detail, ...(outcome.fix !== undefined ? { fix: outcome.fix } : {}) };
        if (outcome.openFailed) t.bulkFailure = probe;
        t.probe = probe;
      }
      this.publish(t);
      this.emit('changed');
    });
  }

  private async probeTracked(t: Tracked, port: string, baudRates: readonly number[]): Promise<void> {
    if (this.tracked.get(t.record.busPath) !== t) return; // unplugged meanwhile
    if (this.options.inUse?.(usbPathOf(t.record))) return; // a session claimed the device meanwhile
    this.markPending(t, `asking ${port} for FGP hello at ${baudRates.join(', ')} baud`);
    const candidate: ProbeCandidate = { path: port, reason: 'catalog', catalogEntry: t.record.catalog!.entryId, baudRates };
    const signal = this.abort.signal;
    const outcome = await this.track(
      t,
      port,
      this.options.probe
        ? this.options.probe(candidate, signal)
        : probeSerialPort(candidate, { timeoutMs: this.options.timeoutMs, signal }),
    );
    await this.enqueue(async () => {
      if (this.tracked.get(t.record.busPath) !== t) return;
      const gateway = t.gateway;
      if (outcome.result === 'found') {
        const serial = this.serialPath(port, outcome.baudRate);
        t.silent.delete(port);
        if (gateway?.bulk) {
          // The bulk interface is preferred: its tty joins only when the same gateway answers there.
          if (gateway.descriptor.id === outcome.descriptor.id) t.gateway = { ...gateway, serial };
          else t.silent.add(port);
        } else {
          if (gateway && gateway.descriptor.id !== outcome.descriptor.id) this.lostGateway(t, 'another gateway answers on its port');
          t.gateway = { descriptor: outcome.descriptor, bulk: false, serial };
        }
      } else if (gateway?.serial?.path === port) {
        if (outcome.result === 'busy') return; // most likely our own session: it is still there
        if (gateway.bulk) {
          // Still answering over its bulk interface: only the serial path goes.
          t.gateway = { ...gateway, serial: null };
          this.options.registry.detachUsb(gateway.descriptor.id, new Set([pathKey(gateway.serial)]), { unplugged: false });
        } else this.lostGateway(t, outcome.detail);
      } else {
        // A gateway that answered here before may come back (reboot): keep asking. Others wait for a replug.
        if (!t.silentGateway) t.silent.add(port);
        t.probe = { result: outcome.result, detail: outcome.detail, ...(outcome.fix !== undefined ? { fix: outcome.fix } : {}) };
      }
      this.publish(t);
      this.emit('changed');
    });
  }
}
