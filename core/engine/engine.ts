/**
 * The engine: composes store, discovery and device sessions behind the API contract.
 *
 * Hosts (Electron utility process, `fieldline serve`, CLI) create one and serve its handlers.
 */
import { ApiError, type EventName } from '../api/contract.js';
import { TrustStore } from '../bundle/index.js';
import type { Handlers } from '../api/dispatch.js';
import type { Device, DeviceDescriptor, DevicePath, DiscoveryReport } from '../api/schemas.js';
import { authenticate } from '../protocol/client-session.js';
import { Discovery, DeviceRegistry, pathKey, type DiscoveryOptions } from '../discovery/index.js';
import { isUsbBulkOpener } from '../discovery/usb/adapter.js';
import { standInId } from '../discovery/usb/usb-lane.js';
import { usbLaneSources } from '../discovery/usb/usb-sources.js';
import { packageVersion } from '../package-info.js';
import { openDatabase } from '../store/database.js';
import { TrustedTimeStore } from '../store/trusted-time.js';
import { PinStore } from '../store/pin-store.js';
import { ProfileStore } from '../store/profile-store.js';
import { parseAddress } from './address.js';
import { BenchResultsStore } from '../bench/results-store.js';
import { benchHandlers } from './bench-handlers.js';
import { bundleHandlers } from './bundle-handlers.js';
import { createFlashJobs, flashHandlers, type FlashEngineDeps } from './flash-handlers.js';
import { BundleLibrary } from './bundle-library.js';
import { openDeviceSession, rankPaths, type DeviceSession, type OpenOptions } from './device-session.js';
import type { Engine, EngineOptions } from './engine-types.js';
import { PortLeases } from './port-leases.js';
import { recordGatewayTime } from './trusted-clock.js';
import { audited } from './audited-methods.js';
import { auditHandlers } from './audit-handlers.js';
import { openEngineAudit } from './engine-audit.js';
import { flashStepHook } from './audit-flash-steps.js';
import { exchangeWitness } from './audit-witness.js';
import { secretsHandlers } from './secrets-handlers.js';
import type { Ed25519Identity } from '../protocol/identity.js';

export type { Engine, EngineOptions } from './engine-types.js';

const appVersion = packageVersion();

export async function createEngine(options: EngineOptions): Promise<Engine> {
  const db = openDatabase(options.dataDir);
  const profiles = new ProfileStore(db, options.dataDir);
  const pins = new PinStore(db);
  const registry = new DeviceRegistry();
  const listeners = new Set<(event: EventName, data: unknown) => void>();
  const emit = (event: EventName, data: unknown): void => {
    for (const listener of listeners) listener(event, data);
  };
  const now = options.now ?? Date.now;
  const trustedTime = new TrustedTimeStore(db, now);

  const audit = openEngineAudit({
    dataDir: options.dataDir,
    host: options.host,
    app: `fieldline/${appVersion}`,
    ...(options.auditKeyVault ? { vault: options.auditKeyVault } : {}),
    db,
    profiles,
    emit,
    now,
  });
  const { log: auditLog, recorder } = audit;
  registry.on('change', (change) => {
    emit('devices.changed', change);
    if (change.kind !== 'appeared') return;
    const d = change.device;
    // A USB device no gateway answered on is not a gateway found: its stand-in id means nothing later.
    if (d.usb && d.id === standInId(d.usb)) return;
    try {
      recorder.event('discovery.device-found', d.id, {
        name: d.name,
        model: d.model,
        serial: d.serial,
        paths: d.paths.map(pathKey),
      });
    } catch {
      // Seeing a gateway touches nothing; an unwritable log refuses the next action instead.
    }
  });

  const library: BundleLibrary = new BundleLibrary({
    dataDir: options.dataDir,
    db,
    policy: () => trust.policy(),
    onChange: (change) => emit('bundles.changed', change),
    now,
    trustedTime,
  });
  // Every trust change judges the whole library again.
  const trust = new TrustStore(db, (change) => {
    if (change.type !== 'seeded') library.reverifyAll().catch(() => undefined);
  });

  // The native USB bus, or a watched recording when FIELDLINE_USB_REPLAY names one (see README).
  const usb = usbLaneSources(options.dataDir, process.env);
  let discovery: Discovery | null = null;
  let lastReport: DiscoveryReport | null = null;
  /** Paths added by address; kept here so a discovery started later keeps checking them. */
  const manualPaths = new Map<string, DevicePath>();
  const leases = new PortLeases();

  /** The lease that keeps discovery's probes off a port (or USB interface) a session holds. */
  const leaseKey = (path: DevicePath): string | null =>
    path.transport === 'serial' ? path.path : path.transport === 'usb' ? `usb:${path.busPath}` : null;

  /** openDeviceSession, with its serial port or USB device leased (before opening) until the session closes. */
  async function openSession(path: DevicePath, open: OpenOptions): Promise<DeviceSession> {
    const key = leaseKey(path);
    const release = key === null ? () => {} : leases.hold(key);
    try {
      // The lease stops new probes; one already asking this port or interface must finish first.
      if (path.transport !== 'tcp') await discovery?.released(path);
      // FGP over a USB bulk interface goes through the same adapter the USB lane enumerates with.
      const session = await openDeviceSession(path, isUsbBulkOpener(usb.adapter) ? { ...open, usb: usb.adapter } : open);
      // The gateway proved its key and passed the pin check: its trusted time is evidence.
      recordGatewayTime(trustedTime, session.descriptor);
      return { ...session, close: () => session.close().finally(release) };
    } catch (err) {
      release();
      throw err;
    }
  }

  async function startDiscovery(params: {
    interfaces?: string[] | undefined;
    serialPorts?: string[] | undefined;
  }): Promise<DiscoveryReport> {
    if (discovery) await discovery.stop();
    const discoveryOptions: DiscoveryOptions = {
      interfaces: params.interfaces ?? options.discovery?.interfaces?.slice(),
      serialPorts: params.serialPorts ?? options.discovery?.serialPorts?.slice(),
      udpPort: options.discovery?.udpPort,
      manualPaths: [...manualPaths.values()],
      inUse: (path) => {
        const key = leaseKey(path);
        return key !== null && leases.isHeld(key);
      },
      usb,
    };
    const next = new Discovery(registry, discoveryOptions);
    next.on('report', (report) => {
      lastReport = report;
      emit('discovery.report', report);
    });
    discovery = next;
    const report = await next.start();
    lastReport = report;
    return report;
  }

  function requireDevice(id: string): Device {
    const device = registry.get(id);
    if (!device)
      throw new ApiError(
        'unknown_device',
        `no gateway with id ${id.slice(0, 12)}… has been seen`,
        'Run discovery, or add the gateway by its address.',
      );
    return device;
  }

  /** Tries each of a device's paths, best first; the last failure is the one reported. */
  async function withSession<T>(device: Device, use: (session: DeviceSession) => Promise<T>): Promise<T> {
    let lastError: unknown = new ApiError('no_path', `${device.name} has no known path`, 'Run discovery again.');
    for (const path of rankPaths(device.paths)) {
      let session: DeviceSession;
      try {
        session = await openSession(path, { expectId: device.id, pins });
      } catch (err) {
        // A pin or identity failure is a security verdict: never fall through to another path.
        if ((err as { code?: string }).code === 'pin_mismatch' || (err as { code?: string }).code === 'identity_mismatch') throw err;
        lastError = err;
        continue;
      }
      try {
        registry.setDescriptor(device.id, session.descriptor);
        return await use(session);
      } finally {
        await session.close();
      }
    }
    throw lastError;
  }

  function technicianIdentity(): Ed25519Identity {
    const identity = profiles.identity();
    if (!identity)
      throw new ApiError(
        'no_profile',
        'there is no technician profile on this laptop yet',
        'Create your technician profile first (name and organisation).',
      );
    return identity;
  }

  /** An authenticated session with a gateway, over its best path. */
  async function withGateway<T>(deviceId: string, use: (session: DeviceSession) => Promise<T>): Promise<T> {
    const device = requireDevice(deviceId);
    const identity = technicianIdentity();
    return withSession(device, async (session) => {
      await authenticate(session.peer, device.id, identity);
      return use(session);
    });
  }

  /** Witness exchanges under way: closing waits for them, so the last action's witness is not lost. */
  const witnessing = new Set<Promise<void>>();

  /** Leaves the log's latest checkpoint on a gateway that was acted on; best effort, recorded. */
  function leaveWitness(deviceId: string): void {
    const checkpoint = auditLog.checkpoint();
    const exchange = withGateway(deviceId, ({ peer }) => exchangeWitness(peer, auditLog.logId, checkpoint))
      .then((answer) => {
        auditLog.recordWitness(deviceId, checkpoint);
        if (answer.conflict)
          recorder.event('audit.witness', deviceId, { seq: checkpoint.seq }, 'failed', {
            code: 'witness_conflict',
            message: `the gateway holds another checkpoint at #${checkpoint.seq}: this log was rewritten after the gateway witnessed it`,
          });
      })
      .catch(() => undefined)
      .finally(() => witnessing.delete(exchange));
    witnessing.add(exchange);
  }

  const gateways = {
    async descriptor(deviceId: string) {
      const device = requireDevice(deviceId);
      if (device.descriptor) return device.descriptor;
      return withSession(device, async (session) => session.descriptor);
    },
  };
  /** Registers a gateway reached directly; a path added by hand is re-checked by discovery each round. */
  function rememberDevice(d: DeviceDescriptor, path: DevicePath): void {
    registry.sight({
      id: d.id,
      name: d.name,
      vendor: d.vendor,
      model: d.model,
      serial: d.serial,
      firmware: d.firmware.version,
      path,
      at: Date.now(),
    });
    registry.setDescriptor(d.id, d);
    // Nothing announces a gateway added by address: discovery checks it each round instead.
    if (path.via === 'manual') {
      manualPaths.set(pathKey(path), path);
      discovery?.watch(path);
    }
  }
  const flashDeps: FlashEngineDeps = {
    db,
    dataDir: options.dataDir,
    library,
    pins,
    requireDevice,
    openSession,
    descriptor: gateways.descriptor,
    onDescriptor: (id, descriptor) => registry.setDescriptor(id, descriptor),
    rememberDevice,
    technician: () => profiles.identity(),
    onProgress: (progress) => emit('flash.progress', progress),
    onStep: flashStepHook(recorder, leaveWitness),
    ...(options.flash?.timing ? { timing: options.flash.timing } : {}),
  };
  // Jobs a previous run left running are marked interrupted here, before anything is served.
  const flashJobs = createFlashJobs(flashDeps);

  const handlers: Handlers = audited(
    {
      ...auditHandlers({ log: auditLog, keyProtection: audit.keyProtection, sync: audit.sync, site: audit.site, withGateway, now }),
      ...bundleHandlers(library, trust, gateways),
      ...flashHandlers(flashJobs, flashDeps),
      ...benchHandlers({
        dataDir: options.dataDir,
        library,
        results: new BenchResultsStore(db, now),
        requireDevice,
        withGateway,
        onProgress: (progress) => emit('bench.progress', progress),
      }),
      'app.info': async () => ({ version: appVersion, host: options.host, dataDir: options.dataDir }),
      ...secretsHandlers(options.dataDir, recorder),
      'profile.get': async () => profiles.get(),
      'profile.create': async ({ name, organisation }) => profiles.create(name, organisation),
      'discovery.start': async (params) => startDiscovery(params),
      'discovery.stop': async () => {
        if (discovery) {
          await discovery.stop();
          lastReport = discovery.report();
          discovery = null;
        }
        return lastReport ?? emptyReport();
      },
      'discovery.report': async () => discovery?.report() ?? lastReport ?? emptyReport(),
      'devices.list': async () => registry.list(),
      'devices.info': async ({ id }) => {
        const device = requireDevice(id);
        await withSession(device, async () => undefined);
        return requireDevice(id);
      },
      'devices.add': async ({ address }) => {
        const parsed = parseAddress(address);
        if (!parsed.ok)
          throw new ApiError('bad_address', parsed.reason, 'Examples: 10.0.0.7, gw-01.local:48621, /dev/ttyUSB0@115200, COM3.');
        const session = await openSession(parsed.path, { pins });
        try {
          const d = session.descriptor;
          rememberDevice(d, parsed.path);
          return requireDevice(d.id);
        } finally {
          await session.close();
        }
      },
      'devices.authenticate': async ({ id }) => {
        const device = requireDevice(id);
        const identity = technicianIdentity();
        const outcome = await withSession(device, (session) => authenticate(session.peer, device.id, identity));
        registry.markAuthenticated(id);
        return { deviceId: id, technician: outcome.technician, role: outcome.role };
      },
    },
    recorder,
    (deviceId) => leaveWitness(deviceId),
  );

  if (options.autoStartDiscovery) await startDiscovery({});

  return {
    handlers,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await flashJobs.close();
      // Each exchange ends within its session's timeouts; the log must still be open to record it.
      await Promise.all([...witnessing]);
      if (discovery) await discovery.stop();
      await library.idle();
      listeners.clear();
      db.close();
      await audit.close();
    },
  };
}

function emptyReport(): DiscoveryReport {
  return { running: false, startedAt: null, interfaces: [], serialPorts: [], devicesFound: 0, hints: [] };
}
