/**
 * A fleet of emulated gateways on this machine, for the demo, the tests and the benchmarks.
 *
 * Each gateway is a real agent with its own state directory (so its own key and id), name,
 * model, serial number and firmware. The last `serialGateways` of them sit behind a socat pty
 * pair instead of the LAN. All trust the demo technician. By default they listen and announce
 * on loopback only: emulated gateways must not appear to other technicians on the real LAN.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { UDP_PROBE_PORT } from '../core/protocol/announce.js';
import { silentLog, type AgentLog } from './agent-context.js';
import { startAgent, type AgentFaults, type RunningAgent } from './agent.js';
import { loadDemoTechnician } from './demo-technician.js';
import { ensureDemoSigners } from './bundle-trust.js';
import { openPtyPair, type PtyPair } from './socat-pty.js';
import type { DeviceSeed, TrustedTechnician } from './state-schema.js';

export interface EmulationOptions {
  readonly count: number;
  /** Parent of every gateway's state directory and pty links. */
  readonly baseDir: string;
  /** How many of `count` are serial-only gateways behind a pty pair. */
  readonly serialGateways?: number;
  readonly host?: string;
  readonly tls?: boolean;
  /** First TCP port; gateway i listens on basePort + i. 0 (default) = any free port each. */
  readonly basePort?: number;
  /** IPv4 interface addresses for mDNS and UDP answers. Default: loopback only. */
  readonly interfaces?: readonly string[];
  readonly mdns?: boolean;
  /** UDP probe port, or false for none. 0 = a free port (then each gateway gets its own). */
  readonly udpPort?: number | false;
  /** Trusted besides the demo technician. */
  readonly trust?: readonly TrustedTechnician[];
  readonly faults?: AgentFaults;
  readonly rebootMs?: number;
  readonly trialMs?: number;
  readonly log?: AgentLog;
}

export interface EmulatedGateway {
  readonly agent: RunningAgent;
  /** For serial gateways: the pty the app opens (`clientPath`) and the one the agent serves. */
  readonly serial: { readonly agentPath: string; readonly clientPath: string } | null;
}

export interface Emulation {
  readonly baseDir: string;
  readonly gateways: readonly EmulatedGateway[];
  close(): Promise<void>;
}

interface ModelProfile {
  readonly model: string;
  readonly vendor: string;
  readonly serialPrefix: string;
  readonly hardwareRevisions: readonly string[];
  readonly firmware: readonly string[];
  readonly accelerators: DeviceSeed['accelerators'];
}

/** A plausible mixed fleet: two generations of one vendor's box and a competitor's. */
export const EMULATED_MODELS: readonly ModelProfile[] = [
  {
    model: 'EdgeBox X1',
    vendor: 'Acme Edge Systems',
    serialPrefix: 'EBX1',
    hardwareRevisions: ['rev-b', 'rev-c'],
    firmware: ['2.4.1', '2.4.0', '2.3.7'],
    accelerators: [],
  },
  {
    model: 'EdgeBox X2',
    vendor: 'Acme Edge Systems',
    serialPrefix: 'EBX2',
    hardwareRevisions: ['rev-a'],
    firmware: ['3.1.0', '3.0.2'],
    accelerators: [{ kind: 'npu', name: 'Hailo-8L' }],
  },
  {
    model: 'Sentinel S3',
    vendor: 'Northgate Devices',
    serialPrefix: 'SN3',
    hardwareRevisions: ['1.2', '1.3'],
    firmware: ['5.0.3', '4.9.8'],
    accelerators: [{ kind: 'gpu', name: 'Jetson Orin Nano' }],
  },
];

export function emulatedName(index: number, count: number): string {
  return `gw-${String(index + 1).padStart(Math.max(2, String(count).length), '0')}`;
}

/** The identity of emulated gateway `index` (0-based): deterministic, so a demo looks the same every run. */
export function emulatedDevice(index: number, count: number): Partial<DeviceSeed> {
  const profile = EMULATED_MODELS[index % EMULATED_MODELS.length]!;
  const round = Math.floor(index / EMULATED_MODELS.length);
  const firmware = profile.firmware[round % profile.firmware.length]!;
  const previous = profile.firmware[(round + 1) % profile.firmware.length]!;
  const name = emulatedName(index, count);
  return {
    name,
    vendor: profile.vendor,
    model: profile.model,
    hardwareRevision: profile.hardwareRevisions[round % profile.hardwareRevisions.length]!,
    serial: `${profile.serialPrefix}-${String(index + 1).padStart(6, '0')}`,
    activeSlot: 'a',
    slots: [
      { name: 'a', version: firmware, state: 'active' },
      { name: 'b', version: previous, state: 'inactive' },
    ],
    models: [],
    accelerators: profile.accelerators.map((a) => ({ ...a })),
    capabilities: ['emulated'],
    config: { hostname: name, site: 'Fieldline demo site', timezone: 'UTC', network: { interfaces: [{ name: 'eth0', mode: 'dhcp' }] } },
  };
}

function checkOptions(o: EmulationOptions): void {
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 1000)
    throw new Error(`the number of emulated gateways must be 1 to 1000, not ${o.count}`);
  const serial = o.serialGateways ?? 0;
  if (!Number.isInteger(serial) || serial < 0 || serial > o.count)
    throw new Error(`serial gateways must be 0 to ${o.count} (the total), not ${serial}`);
  if (
    o.basePort !== undefined &&
    o.basePort !== 0 &&
    (!Number.isInteger(o.basePort) || o.basePort < 1 || o.basePort + o.count - 1 > 65535)
  ) {
    throw new Error(`base port ${o.basePort} leaves no room for ${o.count} gateways below 65536`);
  }
}

async function startGateway(
  index: number,
  o: EmulationOptions,
  trust: readonly TrustedTechnician[],
  log: AgentLog,
): Promise<EmulatedGateway> {
  const name = emulatedName(index, o.count);
  const stateDir = path.join(o.baseDir, name);
  const serialCount = o.serialGateways ?? 0;
  const isSerial = index >= o.count - serialCount;
  const prefixed: AgentLog = { info: (m) => log.info(`[${name}] ${m}`), warn: (m) => log.warn(`[${name}] ${m}`) };
  const common = {
    stateDir,
    device: emulatedDevice(index, o.count),
    trust,
    log: prefixed,
    ...(o.faults ? { faults: o.faults } : {}),
    ...(o.rebootMs !== undefined ? { rebootMs: o.rebootMs } : {}),
    ...(o.trialMs !== undefined ? { trialMs: o.trialMs } : {}),
  };
  // Emulated gateways accept bundles signed by the demo roots, like the demo technician.
  await ensureDemoSigners(stateDir);

  if (isSerial) {
    const pty: PtyPair = await openPtyPair(path.join(o.baseDir, `${name}.agent.tty`), path.join(o.baseDir, `${name}.tty`));
    try {
      const agent = await startAgent({ ...common, tcp: false, mdns: false, udp: false, serialPath: pty.agentPath });
      return {
        agent: {
          ...agent,
          close: async () => {
            await agent.close();
            await pty.close();
          },
        },
        serial: { agentPath: pty.agentPath, clientPath: pty.clientPath },
      };
    } catch (err) {
      await pty.close();
      throw err;
    }
  }
  const interfaces = o.interfaces ?? ['127.0.0.1'];
  const agent = await startAgent({
    ...common,
    tcp: { host: o.host ?? '127.0.0.1', port: o.basePort ? o.basePort + index : 0, tls: o.tls ?? true },
    mdns: o.mdns === false ? false : { interfaces },
    udp: o.udpPort === false ? false : { port: o.udpPort ?? UDP_PROBE_PORT, bindAddress: '0.0.0.0', interfaces },
  });
  return { agent, serial: null };
}

export async function startEmulation(options: EmulationOptions): Promise<Emulation> {
  checkOptions(options);
  const log = options.log ?? silentLog;
  await mkdir(options.baseDir, { recursive: true });
  const trust = [loadDemoTechnician().trustEntry, ...(options.trust ?? [])];
  const started = await Promise.allSettled(Array.from({ length: options.count }, (_, i) => startGateway(i, options, trust, log)));
  const gateways = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const close = async (): Promise<void> => {
    await Promise.all(gateways.map((g) => g.agent.close()));
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await close();
    throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }
  return { baseDir: options.baseDir, gateways, close };
}
