/**
 * One running gateway agent: state directory, FGP on TCP/TLS and/or a serial line, the
 * discovery announcements, and an emulated boot cycle (A/B slots, trial boots, rollback).
 *
 * An emulated reboot stops every service (connections and listeners), waits `rebootMs`, runs
 * the emulated bootloader (agent/slots/slot-controller.ts), checks the health of a trial boot,
 * and starts the services again on the same ports.
 */
import { WitnessStore } from './audit-witness-store.js';
import { performance } from 'node:perf_hooks';
import type { Announcement } from '../core/protocol/announce.js';
import { UDP_PROBE_PORT } from '../core/protocol/announce.js';
import { PROTOCOL_VERSION, type WireDescriptor } from '../core/protocol/handshake.js';
import type { RequestHandler } from '../core/protocol/peer.js';
import { DEFAULT_FGP_PORT } from '../core/transport/tcp.js';
import { closeInferSessions } from './bench/session-cache.js';
import { silentLog, type AgentContext, type AgentLog, type HealthInfo, type TransportInfo } from './agent-context.js';
import type { MdnsInterfaceState } from './announce-mdns.js';
import { ArtifactStore } from './artifacts/artifact-store.js';
import { openBundleGuard, type BundleGuard } from './bundle-guard.js';
import { buildDescriptor } from './descriptor.js';
import { wrapWithFaults } from './faults/fault-stream.js';
import { FaultState, PowerLost, PowerRail, type AgentFaults } from './faults/faults.js';
import { createFgpHandler, METHOD_NAMES } from './fgp-handler.js';
import { readHardwareIdentity, seedFromHardware, toHostLabel } from './hardware-identity.js';
import { checkIpv4List, resolveInterfaces, type Ipv4Interface } from './net-interfaces.js';
import { SERIAL_MAX_FRAME, startServices, TCP_MAX_FRAME, type Services } from './services.js';
import { checkTrialHealth } from './slots/health.js';
import { readModelIndex } from './slots/model-store.js';
import { SlotController, type RollbackInfo, type TrialInfo } from './slots/slot-controller.js';
import type { SlotName } from './slots/slot-image.js';
import type { DeviceFile, DeviceSeed, TrustedTechnician } from './state-schema.js';
import { openState } from './state.js';

export { SERIAL_IDLE_RESET_MS, SERIAL_MAX_FRAME, TCP_MAX_FRAME } from './services.js';
export type { AgentFaults, PowerLossAt } from './faults/faults.js';
export { PowerLost } from './faults/faults.js';

export const DEFAULT_REBOOT_MS = 1500;
export const DEFAULT_TRIAL_MS = 120_000;

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
  /** How long an emulated reboot keeps the gateway away. Default 1500 ms. */
  readonly rebootMs?: number;
  /** How long a trial boot waits for `confirm` before rolling back by itself. Default 120 s. */
  readonly trialMs?: number;
  /** Space the artifact store leaves free on the state directory's file system. Default 32 MiB. */
  readonly artifactReserveBytes?: number;
  /** Committed artifacts kept besides the one in use (default 2), and how long an untouched `.part` lives (default 24 h). */
  readonly artifactRetention?: { readonly keep?: number; readonly partTtlMs?: number };
  readonly log?: AgentLog;
  /** Root for /etc, /sys and /proc when reading hardware identity (tests). */
  readonly hardwareRoot?: string;
}

export interface SlotSnapshot {
  readonly running: SlotName;
  readonly trial: TrialInfo | null;
  readonly lastRollback: RollbackInfo | null;
  readonly health: HealthInfo;
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
  /** What mDNS and UDP announce; null without TCP (or while rebooting). */
  announcement(): Announcement | null;
  trust(entries: readonly TrustedTechnician[]): Promise<void>;
  trustedTechnicians(): Promise<readonly TrustedTechnician[]>;
  /** Completed boots since start (1 after startAgent resolves; each emulated reboot adds one). */
  bootCount(): number;
  /** Resolves once `bootCount()` reaches `count`. */
  waitForBoot(count: number): Promise<void>;
  /** Resolves when injected power loss took the agent down (tests then start a new agent on the same state). */
  whenPowerLost(): Promise<PowerLost>;
  slots(): SlotSnapshot;
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

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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
  const base: DeviceFile = state.device;
  let device: DeviceFile = base;
  const rebootMs = options.rebootMs ?? DEFAULT_REBOOT_MS;
  const faults = new FaultState(options.faults ?? {});

  let services: Services | null = null;
  let stopped = false;
  let deadlineTimer: NodeJS.Timeout | null = null;
  let powerLost: (loss: PowerLost) => void = () => {};
  const lost = new Promise<PowerLost>((resolve) => (powerLost = resolve));

  const stopTimers = (): void => {
    if (deadlineTimer) clearTimeout(deadlineTimer);
    deadlineTimer = null;
  };
  const power = new PowerRail(options.faults?.powerLossAt, (loss) => {
    // The process "dies": nothing is awaited, nothing more is written.
    log.warn(`fault injection: ${loss.message}`);
    stopped = true;
    stopTimers();
    const running = services;
    services = null;
    void running?.close();
    void artifacts.close();
    powerLost(loss);
  });
  const slots = new SlotController(state.dir, base, power, options.trialMs ?? DEFAULT_TRIAL_MS, log);
  const artifacts = await ArtifactStore.open(state.dir, {
    ...(options.artifactReserveBytes !== undefined ? { reserveBytes: options.artifactReserveBytes } : {}),
    ...options.artifactRetention,
    corruption: (offset, length) => faults.corruptionIn(offset, length),
  });
  const bundleGuard = await openGuard(state.dir, () => device, log);
  let health: HealthInfo = { state: 'unchecked', message: 'no trial boot since the agent started', at: null };

  const refresh = async (): Promise<void> => {
    await slots.refreshImages();
    let models = base.models;
    try {
      const index = await readModelIndex(state.dir);
      if (index) models = index.map((m) => ({ name: m.name, version: m.version, sha256: m.sha256 }));
    } catch (err) {
      log.warn(`the model store index is unreadable: ${(err as Error).message}`);
    }
    device = { ...base, ...slots.describe(base), models };
  };

  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(run: () => Promise<T>): Promise<T> => {
    const next = queue.then(run);
    queue = next.catch(() => undefined);
    return next;
  };

  let boots = 0;
  const bootWaiters: { count: number; resolve: () => void }[] = [];
  const bootedOnce = (): void => {
    boots++;
    for (const w of bootWaiters.splice(0)) {
      if (boots >= w.count) w.resolve();
      else bootWaiters.push(w);
    }
  };

  // Listeners come back on the ports of the first boot, as a gateway keeps its address.
  let tcpPort = options.tcp === false ? null : (options.tcp?.port ?? DEFAULT_FGP_PORT);
  let udpPort = options.udp === false ? null : (options.udp?.port ?? UDP_PROBE_PORT);

  const context: AgentContext = {
    identity: state.identity,
    stateDir: state.dir,
    device: () => device,
    trustedTechnicians: () => state.trustedTechnicians(),
    bundleGuard,
    witnesses: new WitnessStore(state.dir),
    startedAt: performance.now(),
    log,
    flash: {
      artifacts,
      slots,
      power,
      faults,
      rebootMs,
      refresh,
      exclusive,
      health: () => health,
      recordHealth: (info) => {
        health = info;
      },
      scheduleReboot: (reason) => {
        // Long enough for the answer in flight to leave before the connections close.
        setTimeout(() => void reboot(reason), 50);
      },
    },
  };
  const handlerFor = (transport: TransportInfo): RequestHandler => {
    const handler = createFgpHandler(context, transport);
    return options.faults?.latencyMs ? withLatency(handler, options.faults.latencyMs) : handler;
  };

  const start = async (): Promise<Services> => {
    const t = options.tcp === false ? null : (options.tcp ?? {});
    const u = options.udp === false ? null : (options.udp ?? {});
    const started = await startServices({
      identity: state.identity,
      device: () => device,
      tcp: t && tcpPort !== null ? { host: t.host ?? '0.0.0.0', port: tcpPort, tls: t.tls ?? true } : null,
      serial: options.serialPath !== undefined ? { path: options.serialPath, baudRate: options.serialBaudRate ?? 115200 } : null,
      udp:
        u && udpPort !== null
          ? { port: udpPort, bindAddress: u.bindAddress ?? '0.0.0.0', ...(udpInterfaces ? { interfaces: udpInterfaces } : {}) }
          : null,
      mdns: options.mdns === false ? null : { interfaces: mdnsInterfaces },
      handlerFor,
      ...(faults.touchesStream ? { wrapStream: (stream, remote) => wrapWithFaults(stream, faults, remote, log) } : {}),
      log,
    });
    if (started.tcp) tcpPort = started.tcp.port;
    if (started.udp) udpPort = started.udp.port;
    return started;
  };

  /** The emulated boot: bootloader decision, health of a trial, then the services. */
  const bootUp = async (): Promise<void> => {
    for (;;) {
      const outcome = await slots.boot();
      await refresh();
      if (!outcome.trial) break;
      const check = await checkTrialHealth(state.dir, slots.image(outcome.running), faults.faults.failHealth === true);
      health = { state: check.ok ? 'ok' : 'failed', message: check.message, at: Date.now() };
      if (check.ok) break;
      log.warn(`trial boot of slot ${outcome.running} failed its health check: ${check.message}`);
      await slots.failTrial(`the health check of slot ${outcome.running} failed: ${check.message}`);
      await sleep(rebootMs);
      if (stopped) return;
    }
    if (stopped) return;
    services = await start();
    const trial = slots.trial;
    if (trial) deadlineTimer = setTimeout(() => void onDeadline(), Math.max(0, trial.deadline - Date.now()));
    bootedOnce();
  };

  const onDeadline = (): Promise<void> =>
    exclusive(async () => {
      deadlineTimer = null;
      const trial = slots.trial;
      if (!trial || stopped) return;
      await slots.failTrial(
        `slot ${trial.slot} was not confirmed within ${Math.round((options.trialMs ?? DEFAULT_TRIAL_MS) / 1000)} s of its trial boot`,
      );
      void reboot('trial deadline passed');
    });

  const reboot = async (reason: string): Promise<void> => {
    if (stopped) return;
    log.info(`rebooting (${reason})`);
    stopTimers();
    const running = services;
    services = null;
    await running?.close();
    await artifacts.close();
    await closeInferSessions(state.dir);
    await sleep(rebootMs);
    if (stopped) return;
    try {
      await bootUp();
    } catch (err) {
      if (err instanceof PowerLost) return;
      log.warn(`the gateway did not come back after the reboot: ${(err as Error).message}`);
    }
  };

  try {
    await bootUp();
  } catch (err) {
    stopped = true;
    stopTimers();
    await (services as Services | null)?.close();
    if (err instanceof PowerLost) throw new Error(`the agent lost power while booting (${err.message})`);
    throw err;
  }
  const first = services as Services | null;
  log.info(
    `agent ${device.name} (${state.identity.id.slice(0, 12)}…) ${state.created.key ? 'created a new identity' : 'started'}` +
      (first?.tcp ? `, FGP on ${first.tcp.tls ? 'tls' : 'tcp'}://${first.tcp.host}:${first.tcp.port}` : '') +
      (first?.serial ? `, serial ${first.serial.path}` : ''),
  );

  let closing: Promise<void> | null = null;
  return {
    id: state.identity.id,
    name: device.name,
    stateDir: state.dir,
    tcpHost: first?.tcp?.host ?? null,
    tcpPort: first?.tcp?.port ?? null,
    tls: first?.tcp?.tls ?? false,
    udpPort: first?.udp?.port ?? null,
    serialPath: first?.serial?.path ?? null,
    mdnsInterfaces: first?.mdns?.interfaces ?? [],
    descriptor: () =>
      buildDescriptor(
        state.identity,
        device,
        PROTOCOL_VERSION,
        options.tcp !== false ? TCP_MAX_FRAME : SERIAL_MAX_FRAME,
        METHOD_NAMES,
        bundleGuard?.snapshot() ?? null,
      ),
    announcement: () => services?.announcement() ?? null,
    trust: (entries) => state.trust(entries),
    trustedTechnicians: async () => (await state.trustedTechnicians()).technicians,
    bootCount: () => boots,
    waitForBoot: (count) => (boots >= count ? Promise.resolve() : new Promise<void>((resolve) => bootWaiters.push({ count, resolve }))),
    whenPowerLost: () => lost,
    slots: () => ({ running: slots.running, trial: slots.trial, lastRollback: slots.lastRollback, health }),
    close: () =>
      (closing ??= (async () => {
        stopped = true;
        stopTimers();
        const running = services;
        services = null;
        await running?.close();
        await artifacts.close();
        await closeInferSessions(state.dir);
      })()),
  };
}
