/**
 * Real reference agents inside network namespaces, for discovery tests and the benchmark.
 *
 * Run directly (`ip netns exec NS node --import tsx agent-in-netns.ts '<spec json>'`) it starts
 * one agent per address in the spec, each announcing over mDNS and answering UDP probes on its
 * own address only, prints one JSON line with their ids, and stops them on SIGTERM or when its
 * parent goes away (stdin closes). Imported, it launches such processes for a TestLan.
 */
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { emulatedDevice } from '../../agent/emulate.js';
import { UDP_PROBE_PORT } from '../../core/protocol/announce.js';
import { spawnInNetns, type TestLan } from './netns.js';

interface AgentSpec {
  readonly address: string;
  readonly stateDir: string;
  /** Index in the whole fleet and its size: the emulated identity (name, model, serial). */
  readonly index: number;
  readonly count: number;
}

interface ProcessSpec {
  readonly agents: readonly AgentSpec[];
  readonly udpPort?: number;
}

export interface StartedAgentInfo {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly port: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

async function main(spec: ProcessSpec): Promise<void> {
  const agents: RunningAgent[] = [];
  let closing = false;
  const close = async (code: number): Promise<never> => {
    if (!closing) {
      closing = true;
      await Promise.allSettled(agents.map((a) => a.close()));
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => void close(0));
  process.on('SIGINT', () => void close(0));
  process.stdin.on('end', () => void close(0));
  process.stdin.resume();
  try {
    for (const a of spec.agents) {
      agents.push(
        await startAgent({
          stateDir: a.stateDir,
          device: emulatedDevice(a.index, a.count),
          tcp: { host: a.address, tls: true },
          mdns: { interfaces: [a.address] },
          udp: { port: spec.udpPort ?? UDP_PROBE_PORT, bindAddress: '0.0.0.0', interfaces: [a.address] },
        }),
      );
    }
  } catch (err) {
    process.stderr.write(`agent-in-netns: ${(err as Error).message}\n`);
    await close(1);
  }
  const info: StartedAgentInfo[] = agents.map((a, i) => ({
    id: a.id,
    name: a.name,
    address: spec.agents[i]!.address,
    port: a.tcpPort ?? 0,
  }));
  process.stdout.write(`${JSON.stringify({ ready: info })}\n`);
}

export interface NetnsFleet {
  readonly agents: readonly (StartedAgentInfo & { readonly ns: string })[];
  /** Kills the process of namespace `ns` without letting it say goodbye (a crash, a pulled cable). */
  crash(ns: string): Promise<void>;
  /** Starts the agents of namespace `ns` again, with the same state (so the same ids). */
  restart(ns: string): Promise<void>;
  close(): Promise<void>;
}

function waitReady(child: ChildProcess, ns: string): Promise<StartedAgentInfo[]> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (stderr.length < 4000) stderr += chunk;
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { ready?: StartedAgentInfo[] };
        if (parsed.ready) resolve(parsed.ready);
      } catch {
        // agent log lines are not JSON
      }
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`agents in ${ns} exited (${signal ?? code}) before they were ready: ${stderr.trim().slice(-800)}`)),
    );
  });
}

/** One process per namespace of `lan`, each running one agent per address of that namespace. */
export async function startNetnsFleet(lan: TestLan, stateRoot: string, udpPort?: number): Promise<NetnsFleet> {
  const count = lan.hosts.reduce((n, h) => n + h.addresses.length, 0);
  const children = new Map<string, ChildProcess>();
  const specs = new Map<string, ProcessSpec>();
  let index = 0;
  const launch = (ns: string): Promise<StartedAgentInfo[]> => {
    const child = spawnInNetns(
      ns,
      process.execPath,
      ['--import', 'tsx', path.join(here, 'agent-in-netns.ts'), JSON.stringify(specs.get(ns))],
      root,
    );
    children.set(ns, child);
    return waitReady(child, ns);
  };
  const starting = lan.hosts.map((host) => {
    specs.set(host.ns, {
      agents: host.addresses.map((address) => ({
        address,
        stateDir: path.join(stateRoot, `${host.ns}-${address}`),
        index: index++,
        count,
      })),
      ...(udpPort !== undefined ? { udpPort } : {}),
    });
    return launch(host.ns).then((agents) => agents.map((a) => ({ ...a, ns: host.ns })));
  });
  const stop = async (child: ChildProcess, signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };
  const close = async (): Promise<void> => {
    await Promise.all([...children.values()].map((c) => stop(c, 'SIGTERM')));
  };
  const settled = await Promise.allSettled(starting);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await close();
    throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }
  return {
    agents: settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : [])),
    crash: async (ns) => {
      const child = children.get(ns);
      if (child) await stop(child, 'SIGKILL');
    },
    restart: async (ns) => {
      const child = children.get(ns);
      if (child) await stop(child, 'SIGTERM');
      await launch(ns);
    },
    close,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const raw = process.argv[2];
  if (!raw) {
    process.stderr.write('usage: agent-in-netns.ts \'{"agents":[{"address":"10.77.1.10","stateDir":"/tmp/x","index":0,"count":1}]}\'\n');
    process.exit(2);
  }
  void main(JSON.parse(raw) as ProcessSpec);
}
