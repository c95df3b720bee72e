/**
 * bench/discovery: time from `Discovery.start()` to all N emulated gateways found, N = 10, 50, 100.
 *
 * The gateways are real reference agents on this machine: in network namespaces on a private
 * bridge when allowed (one process per namespace, several agents per namespace, each with its
 * own address), else on loopback in this process. Each figure is the median of several runs,
 * each run with a fresh Discovery (no cache). The peer, measured in the same run against the
 * same agents, is avahi (`avahi-browse -r` resolving the same N services through a freshly
 * started avahi-daemon, so it has no cache either); it needs the bridge, so on loopback the
 * output says why it could not run.
 *
 * Usage: npx tsx bench/discovery.ts [--runs 5] [--sizes 10,50,100]
 */
import dgram from 'node:dgram';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmulation } from '../agent/emulate.js';
import { DeviceRegistry, Discovery, type DiscoveryOptions } from '../core/discovery/index.js';
import { startNetnsFleet } from '../test/helpers/agent-in-netns.js';
import { avahiBrowse, avahiUnavailableReason, startAvahi } from '../test/helpers/avahi.js';
import { cleanupPrefix, createTestLan, netnsUnavailableReason, testPrefix } from '../test/helpers/netns.js';

const GOAL_MS = 2000;
const GOAL_N = 100;
/** A run that has not found everyone by then counts as failed rather than hanging the bench. */
const RUN_TIMEOUT_MS = 15_000;

interface Fleet {
  readonly ids: ReadonlySet<string>;
  readonly iface: string;
  readonly udpPort: number;
  readonly layout: string;
  /** Directory and interface for an avahi-daemon, when the peer can run here. */
  readonly avahiIface: string | null;
  close(): Promise<void>;
}

type Method = 'both' | 'mdns' | 'udp';
const METHODS: Readonly<Record<Method, Pick<DiscoveryOptions, 'mdns' | 'udp'>>> = {
  both: { mdns: true, udp: true },
  mdns: { mdns: true, udp: false },
  udp: { mdns: false, udp: true },
};

export interface SizeResult {
  readonly n: number;
  readonly layout: string;
  readonly fieldline: Readonly<Record<Method, (number | null)[]>>;
  readonly avahi: (number | null)[] | null;
  readonly avahiNote: string | null;
}

function median(samples: readonly (number | null)[]): number | null {
  if (samples.some((s) => s === null) || samples.length === 0) return null;
  const sorted = [...(samples as number[])].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function netnsFleet(n: number, prefix: string, stateRoot: string): Promise<Fleet> {
  // Ten processes at most: a hundred Node processes would measure this machine's RAM, not discovery.
  const hosts = Math.min(n, 10);
  if (n % hosts !== 0) throw new Error(`N=${n} does not split evenly over ${hosts} namespaces`);
  const lan = await createTestLan(prefix, hosts, n / hosts);
  try {
    const fleet = await startNetnsFleet(lan, stateRoot);
    return {
      ids: new Set(fleet.agents.map((a) => a.id)),
      iface: lan.bridge,
      udpPort: 48620,
      layout: `network namespaces: ${hosts} × ${n / hosts} agents on bridge ${lan.bridge} (${lan.subnet}.0/24)`,
      avahiIface: lan.bridge,
      close: async () => {
        await fleet.close();
        await lan.destroy();
      },
    };
  } catch (err) {
    await lan.destroy();
    throw err;
  }
}

async function loopbackFleet(n: number, stateRoot: string): Promise<Fleet> {
  const udpPort = await freeUdpPort();
  const emulation = await startEmulation({ count: n, baseDir: stateRoot, interfaces: ['127.0.0.1'], udpPort });
  return {
    ids: new Set(emulation.gateways.map((g) => g.agent.id)),
    iface: 'lo',
    udpPort,
    layout: `loopback: ${n} agents in this process`,
    avahiIface: null,
    close: () => emulation.close(),
  };
}

/** One run: a fresh Discovery, timed until every id of the fleet is in the registry. */
async function timeFieldline(fleet: Fleet, method: Method): Promise<number | null> {
  const registry = new DeviceRegistry();
  const discovery = new Discovery(registry, { interfaces: [fleet.iface], udpPort: fleet.udpPort, serial: false, ...METHODS[method] });
  const seen = new Set<string>();
  let finish: (ms: number | null) => void = () => undefined;
  const done = new Promise<number | null>((resolve) => (finish = resolve));
  const t0 = performance.now();
  registry.on('change', (change) => {
    if (change.kind === 'appeared' && fleet.ids.has(change.device.id)) {
      seen.add(change.device.id);
      if (seen.size === fleet.ids.size) finish(performance.now() - t0);
    }
  });
  const timer = setTimeout(() => finish(null), RUN_TIMEOUT_MS);
  await discovery.start();
  const ms = await done;
  clearTimeout(timer);
  await discovery.stop();
  return ms;
}

async function timeAvahi(
  fleet: Fleet,
  dir: string,
  runs: number,
  prefix: string,
): Promise<{ samples: (number | null)[] | null; note: string | null }> {
  if (!fleet.avahiIface)
    return {
      samples: null,
      note: 'avahi needs a multicast-capable interface; loopback has none (network namespaces are not allowed here)',
    };
  const reason = await avahiUnavailableReason();
  if (reason) return { samples: null, note: reason };
  const samples: (number | null)[] = [];
  for (let r = 0; r < runs; r++) {
    // A fresh daemon each run: a warm avahi cache would answer from memory, not from the network.
    const runDir = await mkdtemp(path.join(dir, 'avahi-'));
    const avahi = await startAvahi(runDir, fleet.avahiIface, `${prefix}avahi${r}`);
    try {
      const ids = new Set<string>();
      const t0 = performance.now();
      let at: number | null = null;
      await avahiBrowse(avahi, '_fieldline._tcp', {
        terminate: false,
        timeoutMs: RUN_TIMEOUT_MS,
        enough: (services) => {
          for (const s of services) {
            const id = s.txt.find((e) => e.startsWith('id='))?.slice(3);
            if (id && fleet.ids.has(id)) ids.add(id);
          }
          if (ids.size === fleet.ids.size && at === null) at = performance.now() - t0;
          return at !== null;
        },
      });
      samples.push(at);
    } catch (err) {
      return { samples: null, note: `avahi could not run: ${(err as Error).message}` };
    } finally {
      await avahi.stop();
    }
  }
  return { samples, note: null };
}

const fmt = (ms: number | null): string => (ms === null ? 'timeout' : ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`);

export function formatTable(results: readonly SizeResult[], runs: number): string {
  const header = ['N', 'Fieldline mDNS+UDP', 'mDNS only', 'UDP only', 'avahi-browse -r', 'Fieldline / avahi'];
  const rows = results.map((r) => {
    const both = median(r.fieldline.both);
    const peer = r.avahi ? median(r.avahi) : null;
    const ratio = both !== null && peer !== null && peer > 0 ? `${(both / peer).toFixed(2)}×` : 'n/a';
    return [
      String(r.n),
      fmt(both),
      fmt(median(r.fieldline.mdns)),
      fmt(median(r.fieldline.udp)),
      r.avahi ? fmt(peer) : 'did not run',
      ratio,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  return [
    `median of ${runs} runs, time from Discovery.start() to all N gateways found`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map(line),
  ].join('\n');
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<SizeResult[]> {
  const { values } = parseArgs({
    args: [...argv],
    options: { runs: { type: 'string', default: '5' }, sizes: { type: 'string', default: '10,50,100' } },
  });
  const runs = Number(values.runs);
  const sizes = values.sizes.split(',').map(Number);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not "${values.runs}"`);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 240))
    throw new Error(`--sizes must be integers from 1 to 240, not "${values.sizes}"`);

  const prefix = testPrefix('b');
  const netnsReason = await netnsUnavailableReason(prefix);
  console.log(
    netnsReason
      ? `gateways on loopback: network namespaces are not allowed here (${netnsReason})`
      : 'gateways in network namespaces on a private bridge',
  );
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldline-bench-discovery-'));
  const results: SizeResult[] = [];
  try {
    for (const n of sizes) {
      const stateRoot = path.join(dir, `n${n}`);
      const fleet = netnsReason ? await loopbackFleet(n, stateRoot) : await netnsFleet(n, prefix, stateRoot);
      try {
        // Let the agents' start-up announcements pass, so every run meets a quiet network.
        await sleep(1500);
        const fieldline: Record<Method, (number | null)[]> = { both: [], mdns: [], udp: [] };
        for (let r = 0; r < runs; r++) {
          for (const method of ['both', 'mdns', 'udp'] as const) {
            fieldline[method].push(await timeFieldline(fleet, method));
            // Late answers to this run must not land in the next one's sockets.
            await sleep(300);
          }
        }
        const peer = await timeAvahi(fleet, dir, runs, prefix);
        results.push({ n, layout: fleet.layout, fieldline, avahi: peer.samples, avahiNote: peer.note });
        console.log(
          `N=${n}: ${fleet.layout}; Fieldline ${fieldline.both.map(fmt).join(', ')}${peer.samples ? `; avahi ${peer.samples.map(fmt).join(', ')}` : ''}`,
        );
      } finally {
        await fleet.close();
      }
    }
  } finally {
    await cleanupPrefix(prefix);
    await rm(dir, { recursive: true, force: true });
  }

  console.log(`\n${formatTable(results, runs)}`);
  const notes = [...new Set(results.map((r) => r.avahiNote).filter((n): n is string => n !== null))];
  for (const note of notes) console.log(`peer: ${note}`);
  const goal = results.find((r) => r.n === GOAL_N);
  const goalMs = goal ? median(goal.fieldline.both) : null;
  if (goal)
    console.log(
      `goal: ${GOAL_N} gateways in under ${GOAL_MS} ms — ${goalMs !== null && goalMs < GOAL_MS ? 'met' : 'NOT met'} (${fmt(goalMs)})`,
    );

  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'discovery.json'), `${JSON.stringify({ at: new Date().toISOString(), runs, results }, null, 2)}\n`);
  return results;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`bench/discovery failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
