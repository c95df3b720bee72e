/**
 * One running gateway agent: state directory, FGP on TCP/TLS and/or a serial line, and the
 * discovery announcements (mDNS and the UDP probe responder).
 */
import { performance } from 'node:perf_hooks';
import type { Announcement } from '../core/protocol/announce.js';
import { encodeTxt, UDP_PROBE_PORT } from '../core/protocol/announce.js';
import { DEFAULT_MAX_FRAME, MAX_FRAME_LIMIT } from '../core/protocol/frame.js';
import { PROTOCOL_VERSION, type WireDescriptor } from '../core/protocol/handshake.js';
import type { RequestHandler } from '../core/protocol/peer.js';
import { DEFAULT_FGP_PORT } from '../core/transport/tcp.js';
import { silentLog, type AgentContext, type AgentLog, type TransportInfo } from './agent-context.js';
import { startMdnsAnnouncer, type MdnsAnnouncer, type MdnsInterfaceState } from './announce-mdns.js';
import { startUdpResponder, type UdpResponder } from './announce-udp.js';
import { openBundleGuard, type BundleGuard } from './bundle-guard.js';
import { buildDescriptor } from './descriptor.js';
import { createFgpHandler, METHOD_NAMES } from './fgp-handler.js';
import { readHardwareIdentity, seedFromHardware, toHostLabel } from './hardware-identity.js';
import { checkIpv4List, resolveInterfaces, type Ipv4Interface } from './net-interfaces.js';
import { startSerialServer, type SerialServer } from './serial-server.js';
import { firmwareVersion, type DeviceFile, type DeviceSeed, type TrustedTechnician } from './state-schema.js';
import { openState } from './state.js';
import { startTcpServer, type TcpServer } from './tcp-server.js';

/** Frames stay small on serial: a 16 KiB frame is 1.4 s of line time at 115200 baud. */
export const SERIAL_MAX_FRAME = 8 * 1024;
export const TCP_MAX_FRAME = MAX_FRAME_LIMIT;
/** An authenticated serial session left idle this long must authenticate again. */
export const SERIAL_IDLE_RESET_MS = 15 * 60_000;

export interface AgentFaults {
  /** Delay before every answer, to make a slow link or a busy gateway testable. */
  readonly latencyMs?: number;
}

export interface AgentOptions {
  readonly stateDir: string;
  /**
   * Explicit identity for an emulated gateway. Used only when device.json is first created, and
   * then the machine's own hardware identity is not read.
   */
  readonly device?: Partial<DeviceSeed>;
  /** Technicians to trust, added to trusted-technicians.json. */
  readonly trust?: readonly TrustedTechnician[];
  /** FGP over TCP; TLS unless `tls: false`. Default 0.0.0.0:48621 with TLS. */
  readonly tcp?: { readonly host?: string; readonly port?: number; readonly tls?: boolean } | false;
  readonly serialPath?: string;
  readonly serialBaudRate?: number;
  /** mDNS on the given IPv4 interface addresses, or every IPv4 interface; needs TCP. */
  readonly mdns?: { readonly interfaces?: readonly string[] } | false;
  /**
   * UDP probe responder; needs TCP. `interfaces` limits answers to probes from those
   * interfaces' subnets (defaults to the mDNS list when that is given).
   */
  readonly udp?: { readonly port?: number; readonly bindAddress?: string; readonly interfaces?: readonly string[] } | false;
  readonly faults?: AgentFaults;
  readonly log?: AgentLog;
  /** Root for /etc, /sys and /proc when reading hardware identity (tests). */
  readonly hardwareRoot?: string;
}

export interface RunningAgent {
  readonly id: string;
  readonly name: string;
  readonly stateDir: string;
  readonly tcpHost: string | null;
  readonly tcpPort: number | null;
  readonly tls: boolean;
  readonly udpPort: number | null;
  readonly serialPath: string | null;
  readonly mdnsInterfaces: readonly MdnsInterfaceState[];
  /** The descriptor as `hello` would answer it on TCP (or serial, for a serial-only agent). */
  descriptor(): WireDescriptor;
  /** What mDNS and UDP announce; null without TCP. */
  announcement(): Announcement | null;
  trust(entries: readonly TrustedTechnician[]): Promise<void>;
  trustedTechnicians(): Promise<readonly TrustedTechnician[]>;
  close(): Promise<void>;
}

/** Neutral values an emulated gateway's explicit identity is laid over. */
function emulatedSeed(overrides: Partial<DeviceSeed>): DeviceSeed {
  const name = overrides.name ?? 'emulated-gateway';
  const hostname = toHostLabel(overrides.config?.hostname ?? name);
  return {
    name,
    vendor: 'Fieldline',
    model: 'Emulated gateway',
    hardwareRevision: 'emu',
    serial: '',
    activeSlot: 'a',
    slots: [
      { name: 'a', version: '1.0.0', state: 'active' },
      { name: 'b', version: '', state: 'empty' },
    ],
    models: [],
    accelerators: [],
    capabilities: [],
    ...overrides,
    config: { hostname, site: '', timezone: 'UTC', network: { interfaces: [] }, ...overrides.config },
  };
}

function withLatency(handler: RequestHandler, ms: number): RequestHandler {
  return async (request, peer) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return handler(request, peer);
  };
}

function interfacesFor(addresses: readonly string[] | undefined, what: string): Ipv4Interface[] {
  if (addresses) {
    const bad = checkIpv4List(addresses);
    if (bad) throw new Error(`${what}: ${bad}`);
  }
  const { found, missing } = resolveInterfaces(addresses);
  if (missing.length)
    throw new Error(
      `${what}: ${missing.join(', ')} ${missing.length === 1 ? 'is not an address' : 'are not addresses'} of this machine's interfaces`,
    );
  return [...found];
}

/**
 * A damaged bundle-guard.json must not make the gateway unreachable (a technician has to be able
 * to reach it to repair it): the agent runs without a guard, claims no counters, and says why.
 */
async function openGuard(stateDir: string, device: () => DeviceFile, log: AgentLog): Promise<BundleGuard | null> {
  try {
    return await openBundleGuard({ stateDir, device });
  } catch (err) {
    log.warn(`bundle rollback state unreadable, every bundle will be refused: ${(err as Error).message}`);
    return null;
  }
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const log = options.log ?? silentLog;
  // Checked before anything listens: a typo in an address should not cost a half-started agent.
  const udpLimit = options.udp === false ? undefined : (options.udp?.interfaces ?? (options.mdns ? options.mdns.interfaces : undefined));
  const udpInterfaces = udpLimit ? interfacesFor(udpLimit, 'udp interfaces') : undefined;
  const mdnsInterfaces = options.mdns === false ? [] : interfacesFor(options.mdns?.interfaces, 'mdns interfaces');
  const state = await openState(options.stateDir, {
    seed: async () => (options.device ? emulatedSeed(options.device) : seedFromHardware(await readHardwareIdentity(options.hardwareRoot))),
    ...(options.trust ? { trust: options.trust } : {}),
  });
  const device: DeviceFile = state.device;
  const bundleGuard = await openGuard(state.dir, () => device, log);
  const context: AgentContext = {
    identity: state.identity,
    stateDir: state.dir,
    device: () => device,
    trustedTechnicians: () => state.trustedTechnicians(),
    bundleGuard,
    startedAt: performance.now(),
    log,
  };
  const handlerFor = (transport: TransportInfo): RequestHandler => {
    const handler = createFgpHandler(context, transport);
    return options.faults?.latencyMs ? withLatency(handler, options.faults.latencyMs) : handler;
  };

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        log.warn(`while stopping: ${(err as Error).message}`);
      }
    }
  };

  let tcp: TcpServer | null = null;
  const announced = (server: TcpServer): Announcement => ({
    id: state.identity.id,
    name: device.name,
    vendor: device.vendor,
    model: device.model,
    fw: firmwareVersion(device),
    sn: device.serial,
    port: server.port,
    tls: server.tls,
  });
  let serial: SerialServer | null = null;
  let udp: UdpResponder | null = null;
  let mdns: MdnsAnnouncer | null = null;
  try {
    if (options.tcp !== false) {
      const t = options.tcp ?? {};
      const server = await startTcpServer({
        host: t.host ?? '0.0.0.0',
        port: t.port ?? DEFAULT_FGP_PORT,
        tls: t.tls ?? true,
        identity: state.identity,
        commonName: device.name,
        maxFrame: TCP_MAX_FRAME,
        initialMaxFrame: DEFAULT_MAX_FRAME,
        handlerFor,
        log,
      });
      tcp = server;
      closers.push(() => server.close());
    }
    if (options.serialPath !== undefined) {
      const line = await startSerialServer({
        path: options.serialPath,
        baudRate: options.serialBaudRate ?? 115200,
        maxFrame: SERIAL_MAX_FRAME,
        initialMaxFrame: DEFAULT_MAX_FRAME,
        idleResetMs: SERIAL_IDLE_RESET_MS,
        handlerFor,
        log,
      });
      serial = line;
      closers.push(() => line.close());
    }
    if (tcp && options.udp !== false) {
      const u = options.udp ?? {};
      const server = tcp;
      const responder = await startUdpResponder({
        port: u.port ?? UDP_PROBE_PORT,
        bindAddress: u.bindAddress ?? '0.0.0.0',
        ...(udpInterfaces ? { interfaces: udpInterfaces } : {}),
        announcement: () => announced(server),
        log,
      });
      udp = responder;
      closers.push(() => responder.close());
    }
    if (tcp && options.mdns !== false) {
      const server = tcp;
      const announcer = await startMdnsAnnouncer({
        interfaces: mdnsInterfaces,
        service: () => ({ name: device.name, hostname: device.config.hostname, port: server.port, txt: encodeTxt(announced(server)) }),
        log,
      });
      mdns = announcer;
      closers.push(() => announcer.close());
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  log.info(
    `agent ${device.name} (${state.identity.id.slice(0, 12)}…) ${state.created.key ? 'created a new identity' : 'started'}` +
      (tcp ? `, FGP on ${tcp.tls ? 'tls' : 'tcp'}://${tcp.host}:${tcp.port}` : '') +
      (serial ? `, serial ${serial.path}` : ''),
  );

  let closing: Promise<void> | null = null;
  return {
    id: state.identity.id,
    name: device.name,
    stateDir: state.dir,
    tcpHost: tcp?.host ?? null,
    tcpPort: tcp?.port ?? null,
    tls: tcp?.tls ?? false,
    udpPort: udp?.port ?? null,
    serialPath: serial?.path ?? null,
    mdnsInterfaces: mdns?.interfaces ?? [],
    descriptor: () =>
      buildDescriptor(
        state.identity,
        device,
        PROTOCOL_VERSION,
        tcp ? TCP_MAX_FRAME : SERIAL_MAX_FRAME,
        METHOD_NAMES,
        bundleGuard?.snapshot() ?? null,
      ),
    announcement: () => (tcp ? announced(tcp) : null),
    trust: (entries) => state.trust(entries),
    trustedTechnicians: async () => (await state.trustedTechnicians()).technicians,
    close: () => (closing ??= closeAll()),
  };
}
