/**
 * `fieldline agent`: runs one gateway agent (a real gateway, as a service) or an emulated fleet
 * (`--emulate N`), prints what it started and runs until SIGINT/SIGTERM.
 *
 * Errors are thrown with `message`, `fix` and `exitCode`, the shape cli/output.ts reports.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AgentLog } from './agent-context.js';
import { startAgent, type RunningAgent } from './agent.js';
import { agentUsage, parseAgentArgs, type AgentArgs } from './cli-args.js';
import { startEmulation, type EmulatedGateway } from './emulate.js';
import { openFunctionFsPort, registerFunctionFsPort } from './functionfs-server.js';

export { agentUsage };

export interface AgentCommandIo {
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
  /** Stops the command; by default SIGINT or SIGTERM does. */
  readonly stop?: AbortSignal;
}

function defaultStateDir(): string {
  // systemd's StateDirectory= sets this (a colon-separated list when there are several).
  const fromSystemd = process.env.STATE_DIRECTORY?.split(':')[0];
  if (fromSystemd) return fromSystemd;
  return path.join(process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state'), 'fieldline-agent');
}

/** Resolves on the first SIGINT/SIGTERM (or abort); a second signal gets node's default: exit. */
function waitForStop(signal: AbortSignal | undefined): { stopped: Promise<string>; dispose: () => void } {
  if (signal) {
    return {
      stopped: signal.aborted
        ? Promise.resolve('stop requested')
        : new Promise((resolve) => signal.addEventListener('abort', () => resolve('stop requested'), { once: true })),
      dispose: () => {},
    };
  }
  let dispose = (): void => {};
  const stopped = new Promise<string>((resolve) => {
    const onSignal = (name: NodeJS.Signals): void => {
      dispose();
      resolve(name);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    dispose = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  });
  return { stopped, dispose };
}

function makeLog(stderr: NodeJS.WritableStream, verbose: boolean): AgentLog {
  const line = (level: string, message: string): void => {
    stderr.write(`${new Date().toISOString()} ${level} ${message}\n`);
  };
  return { info: (m) => verbose && line('info', m), warn: (m) => line('warn', m) };
}

function fgpUrl(agent: RunningAgent): string | null {
  return agent.tcpPort === null ? null : `${agent.tls ? 'tls' : 'tcp'}://${agent.tcpHost}:${agent.tcpPort}`;
}

function summary(g: EmulatedGateway | RunningAgent): Record<string, unknown> {
  const agent = 'agent' in g ? g.agent : g;
  const serial = 'agent' in g ? g.serial : null;
  const d = agent.descriptor();
  return {
    id: agent.id,
    name: agent.name,
    vendor: d.vendor,
    model: d.model,
    serialNumber: d.serial,
    firmware: d.firmware.version,
    stateDir: agent.stateDir,
    tcp: agent.tcpPort === null ? null : { host: agent.tcpHost, port: agent.tcpPort, tls: agent.tls },
    serial: serial ? { path: serial.clientPath, agentPath: serial.agentPath } : agent.serialPath ? { agentPath: agent.serialPath } : null,
    udpPort: agent.udpPort,
    mdns: agent.mdnsInterfaces.filter((i) => !i.error).map((i) => i.address),
  };
}

function pad(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

function discoveryLine(agent: RunningAgent): string {
  const parts: string[] = [];
  const mdnsOk = agent.mdnsInterfaces.filter((i) => !i.error);
  if (mdnsOk.length) parts.push(`mDNS on ${mdnsOk.map((i) => `${i.name} ${i.address}`).join(', ')}`);
  const failed = agent.mdnsInterfaces.filter((i) => i.error);
  if (failed.length) parts.push(`mDNS failed on ${failed.map((i) => `${i.address} (${i.error})`).join(', ')}`);
  if (agent.udpPort !== null) parts.push(`UDP probes on port ${agent.udpPort}`);
  return parts.join(' · ') || 'off';
}

async function runSingle(args: AgentArgs, out: NodeJS.WritableStream, log: AgentLog): Promise<() => Promise<void>> {
  const stateDir = args.stateDir ?? defaultStateDir();
  // --functionfs: the port lives for the whole process (its descriptors are written once); the
  // services find it by path on every boot and serve it natively as USB bulk.
  const usbPort = args.functionFs !== undefined ? await openFunctionFsPort(args.functionFs, (m) => log.info(m)) : null;
  const unregister = usbPort ? registerFunctionFsPort(usbPort) : () => {};
  const serialPath = usbPort ? usbPort.dir : args.serialPath;
  const closePort = async (): Promise<void> => {
    unregister();
    await usbPort?.close();
  };
  let agent: RunningAgent;
  try {
    agent = await startAgent({
      stateDir,
      tcp: { host: args.host ?? '0.0.0.0', ...(args.port !== undefined ? { port: args.port } : {}), tls: args.tls },
      ...(serialPath !== undefined ? { serialPath, serialBaudRate: args.baudRate } : {}),
      mdns: args.mdns ? (args.interfaces ? { interfaces: args.interfaces } : {}) : false,
      udp: args.udp ? { port: args.udpPort, bindAddress: '0.0.0.0', ...(args.interfaces ? { interfaces: args.interfaces } : {}) } : false,
      ...(args.trust ? { trust: [args.trust] } : {}),
      ...(args.faults ? { faults: args.faults } : {}),
      ...(args.rebootMs !== undefined ? { rebootMs: args.rebootMs } : {}),
      ...(args.trialMs !== undefined ? { trialMs: args.trialMs } : {}),
      log,
    });
  } catch (err) {
    await closePort();
    throw err;
  }
  if (usbPort) log.info(`FGP on the USB FunctionFS interface at ${usbPort.dir}`);
  const trusted = await agent.trustedTechnicians();
  if (args.json) {
    out.write(`${JSON.stringify({ agents: [summary(agent)] }, null, 2)}\n`);
  } else {
    const d = agent.descriptor();
    const lines = pad([
      ['  id', agent.id],
      [
        '  device',
        `${[d.vendor, d.model, d.hardwareRevision].filter(Boolean).join(' ')} · serial ${d.serial || '(none)'} · firmware ${d.firmware.version} (slot ${d.firmware.activeSlot})`,
      ],
      [
        '  FGP',
        [fgpUrl(agent), agent.serialPath && `serial ${agent.serialPath}`, usbPort && `usb bulk ${usbPort.dir}`].filter(Boolean).join(' · '),
      ],
      ['  discovery', discoveryLine(agent)],
      ['  state', agent.stateDir],
      [
        '  trusts',
        trusted.length
          ? trusted.map((t) => `${t.name} (${t.role})`).join(', ')
          : 'nobody yet — enrol a technician with --trust <public key> --name "<name>"',
      ],
    ]);
    out.write(`Fieldline agent "${agent.name}" is running\n${lines.join('\n')}\nStop with Ctrl+C or SIGTERM.\n`);
  }
  return async () => {
    await agent.close();
    await closePort();
  };
}

async function runFleet(args: AgentArgs, count: number, out: NodeJS.WritableStream, log: AgentLog): Promise<() => Promise<void>> {
  const ownDir = args.stateDir === undefined;
  const baseDir = args.stateDir ?? (await mkdtemp(path.join(os.tmpdir(), 'fieldline-emulated-')));
  let fleet;
  try {
    fleet = await startEmulation({
      count,
      baseDir,
      serialGateways: args.serialGateways,
      host: args.host ?? '127.0.0.1',
      tls: args.tls,
      basePort: args.port ?? 0,
      interfaces: args.interfaces ?? ['127.0.0.1'],
      mdns: args.mdns,
      udpPort: args.udp ? args.udpPort : false,
      ...(args.trust ? { trust: [args.trust] } : {}),
      ...(args.faults ? { faults: args.faults } : {}),
      ...(args.rebootMs !== undefined ? { rebootMs: args.rebootMs } : {}),
      ...(args.trialMs !== undefined ? { trialMs: args.trialMs } : {}),
      log,
    });
  } catch (err) {
    if (ownDir) await rm(baseDir, { recursive: true, force: true });
    throw err;
  }
  if (args.json) {
    out.write(`${JSON.stringify({ baseDir, agents: fleet.gateways.map(summary) }, null, 2)}\n`);
  } else {
    const rows = fleet.gateways.map((g) => {
      const d = g.agent.descriptor();
      return [
        `  ${g.agent.name}`,
        d.model,
        `fw ${d.firmware.version}`,
        d.serial,
        `${g.agent.id.slice(0, 12)}…`,
        g.serial ? `serial: open ${g.serial.clientPath}` : (fgpUrl(g.agent) ?? ''),
      ];
    });
    const lan = fleet.gateways.find((g) => g.agent.tcpPort !== null);
    out.write(
      `Started ${count} emulated gateway${count === 1 ? '' : 's'} (state in ${baseDir}${ownDir ? ', removed on exit' : ''}):\n` +
        `${pad(rows).join('\n')}\n` +
        (lan ? `Discovery: ${discoveryLine(lan.agent)}\n` : '') +
        'They trust the demo technician (resources/demo/technician.json). Stop with Ctrl+C or SIGTERM.\n',
    );
  }
  return async () => {
    await fleet.close();
    if (ownDir) await rm(baseDir, { recursive: true, force: true });
  };
}

export async function runAgentCommand(argv: string[], io: AgentCommandIo = {}): Promise<number> {
  const out = io.stdout ?? process.stdout;
  const err = io.stderr ?? process.stderr;
  const args = parseAgentArgs(argv);
  if (args.help) {
    out.write(`${agentUsage}\n`);
    return 0;
  }
  // Listen before starting, so a SIGTERM during start-up still ends in a clean close.
  const stop = waitForStop(io.stop);
  const log = makeLog(err, args.verbose || args.emulate === undefined);
  let close: () => Promise<void>;
  try {
    close = args.emulate !== undefined ? await runFleet(args, args.emulate, out, log) : await runSingle(args, out, log);
  } catch (e) {
    stop.dispose();
    throw e;
  }
  const reason = await stop.stopped;
  err.write(`${reason}: stopping…\n`);
  await close();
  err.write('stopped\n');
  return 0;
}
