/**
 * A reference agent for the flash benchmarks, in its own process (the gateway is another
 * machine: its CPU work must not share the sender's event loop), optionally inside a network
 * namespace.
 *
 * Run directly (`node --import tsx flash-agent.ts '<spec json>'`), it waits for lines on stdin:
 * each `fresh` stops the running agent, deletes its state and starts a new one on an empty state
 * directory (so every run transfers the whole artifact), then prints `{"ready":{id,port}}`;
 * `stop` stops it (letting go of its serial line) and prints `{"stopped":true}`.
 * It exits when stdin closes. Imported, `launchFlashAgent` drives such a process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { ensureDemoSigners } from '../../agent/bundle-trust.js';
import { loadDemoTechnician } from '../../agent/demo-technician.js';

/** The emulated hardware the bench bundles target; its slot is older than their 1.0.0. */
export const BENCH_DEVICE = {
  name: 'bench-gateway',
  serial: 'SN-BENCH-0001',
  vendor: 'Acme Edge Systems',
  model: 'EdgeBox X1',
  hardwareRevision: 'rev-b',
} as const;

export interface FlashAgentSpec {
  readonly stateRoot: string;
  /** FGP over TLS on this address. */
  readonly tcpHost?: string;
  /** Default: chosen by the system (a fixed one lets a proxy in front of the agent find it). */
  readonly tcpPort?: number;
  /** FGP on this serial device instead. */
  readonly serialPath?: string;
}

export interface FreshAgent {
  readonly id: string;
  readonly port: number | null;
}

async function startFresh(spec: FlashAgentSpec, run: number): Promise<RunningAgent> {
  const stateDir = path.join(spec.stateRoot, `run-${run}`);
  await ensureDemoSigners(stateDir);
  return startAgent({
    stateDir,
    device: {
      ...BENCH_DEVICE,
      activeSlot: 'a',
      slots: [
        { name: 'a', version: '0.9.0', state: 'active' },
        { name: 'b', version: '', state: 'empty' },
      ],
    },
    trust: [loadDemoTechnician().trustEntry],
    tcp: spec.tcpHost === undefined ? false : { host: spec.tcpHost, port: spec.tcpPort ?? 0, tls: true },
    ...(spec.serialPath === undefined ? {} : { serialPath: spec.serialPath }),
    mdns: false,
    udp: false,
    // A 256 MiB bench artifact is several times the default reserve; the bench disk has room.
    artifactReserveBytes: 0,
  });
}

async function serve(spec: FlashAgentSpec): Promise<void> {
  let agent: RunningAgent | null = null;
  let run = 0;
  const stop = async (): Promise<void> => {
    const running = agent;
    agent = null;
    if (!running) return;
    await running.close().catch(() => undefined);
    await rm(running.stateDir, { recursive: true, force: true });
  };
  const lines = createInterface({ input: process.stdin });
  lines.on('close', () => void stop().then(() => process.exit(0)));
  process.on('SIGTERM', () => void stop().then(() => process.exit(0)));
  for await (const line of lines) {
    const command = line.trim();
    if (command === 'stop') {
      await stop();
      process.stdout.write(`${JSON.stringify({ stopped: true })}\n`);
      continue;
    }
    if (command !== 'fresh') continue;
    try {
      await stop();
      agent = await startFresh(spec, run++);
      process.stdout.write(`${JSON.stringify({ ready: { id: agent.id, port: agent.tcpPort } })}\n`);
    } catch (err) {
      process.stdout.write(`${JSON.stringify({ error: (err as Error).message })}\n`);
    }
  }
}

export interface FlashAgentProcess {
  /** A new agent on empty state (the previous one is stopped and its state deleted). */
  fresh(): Promise<FreshAgent>;
  /** Stops the agent (it lets go of its serial line) and deletes its state. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

/** Starts the agent process, inside network namespace `ns` when given (`nodeArgs`: e.g. --cpu-prof). */
export function launchFlashAgent(spec: FlashAgentSpec, ns?: string, nodeArgs: readonly string[] = []): FlashAgentProcess {
  const node = [process.execPath, ...nodeArgs, '--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(spec)];
  const child: ChildProcess =
    ns === undefined
      ? spawn(node[0]!, node.slice(1), { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn('ip', ['netns', 'exec', ns, ...node], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    stderr = (stderr + s).slice(-4000);
  });
  const waiting: ((line: string | null) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => waiting.shift()?.(line));
  child.once('exit', () => {
    for (const w of waiting.splice(0)) w(null);
  });
  const ask = (command: string): Promise<string | null> => {
    const line = new Promise<string | null>((resolve) => waiting.push(resolve));
    child.stdin!.write(`${command}\n`);
    return line;
  };
  return {
    stop: async () => {
      if ((await ask('stop')) === null) throw new Error(`the bench agent exited: ${stderr.trim().slice(-800)}`);
    },
    fresh: async () => {
      const got = await ask('fresh');
      if (got === null) throw new Error(`the bench agent exited: ${stderr.trim().slice(-800)}`);
      const parsed = JSON.parse(got) as { ready?: FreshAgent; error?: string };
      if (!parsed.ready) throw new Error(`the bench agent did not start: ${parsed.error ?? got}`);
      return parsed.ready;
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const raw = process.argv[2];
  if (!raw) {
    process.stderr.write('usage: flash-agent.ts \'{"stateRoot":"/tmp/x","tcpHost":"10.77.1.10"}\'\n');
    process.exit(2);
  }
  void serve(JSON.parse(raw) as FlashAgentSpec);
}
