/**
 * bench/flash-lan: a 256 MiB incompressible signed bundle sent with core/flash `sendArtifact`
 * (FGP over TLS, demo technician, a real reference agent) over a shaped link, against `scp` of
 * the same file over the same link to a real sshd, in the same run.
 *
 * The gateway side (agent and sshd) lives in a network namespace on a private bridge; the link
 * is the namespace's veth pair, rate-limited in both directions with `tc tbf rate R`. This
 * machine's kernel has no sch_netem, so the round trip comes from a TCP delay line in the
 * namespace (helpers/delay-proxy.ts: RTT/2 each way) in front of both the agent and sshd: it
 * delays every request and answer as a long link would (what limits FGP's chunk window and SSH's
 * channel window), though each TCP connection ends at the proxy. Each figure is the median of several alternating runs; each Fieldline run starts on an
 * empty agent (fresh state), so the whole artifact crosses, and is timed from opening the TLS
 * session (hello + authenticate included, as scp's handshake is) to the device holding every
 * byte. The device's own hash-and-verify at `artifact.commit` is timed apart (scp does no such
 * thing). Rates are goodput: artifact bytes per second; MB = 10^6 bytes.
 *
 * Without network namespaces the bench does not run: shaping `lo` would slow every other
 * process on this machine.
 *
 * Usage: npx tsx bench/flash-lan.ts [--runs 3] [--slow-runs 1] [--size-mib 256]
 *        [--rates 100mbit,1gbit] [--rtts 2,20]
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { execFile } from 'node:child_process';
import type { TransferResult } from '../core/flash/transfer.js';
import { cleanupPrefix, createTestLan, netnsUnavailableReason, testPrefix } from '../test/helpers/netns.js';
import { sshdUnavailableReason, startSshd, type Sshd } from '../test/helpers/sshd.js';
import { makeBenchBundle, type BenchBundle } from './helpers/bench-bundle.js';
import { launchDelayProxy, type DelayProxyProcess } from './helpers/delay-proxy.js';
import { launchFlashAgent, type FlashAgentProcess } from './helpers/flash-agent.js';
import { timedSend, type TimedSend } from './helpers/timed-send.js';
import { isMain, median, pct, ratio, saveResults, table } from './helpers/report.js';

const execFileAsync = promisify(execFile);
const MIB = 1024 * 1024;
const GOAL_OF_LINK = 0.95;
const SSH_PORT = 2222;
const AGENT_PORT = 48621;
/** Where the delay proxy listens (in the namespace, on its address) for the agent and for sshd. */
const PROXY_FGP_PORT = 9621;
const PROXY_SSH_PORT = 9022;

export interface LinkConfig {
  readonly rate: string;
  readonly bitsPerSecond: number;
  readonly rttMs: number;
}

export interface LanRunResult {
  readonly config: LinkConfig;
  readonly runs: number;
  readonly fieldlineMs: readonly number[];
  readonly scpMs: readonly number[];
  readonly commitMs: readonly number[];
  readonly fieldlineMBps: number;
  readonly ofLink: number;
  readonly scpMBps: number;
  readonly ratio: number;
  readonly transfer: Omit<TransferResult, 'commit'> | null;
}

function parseRate(rate: string): number {
  const m = /^(\d+(?:\.\d+)?)(k|m|g)bit$/i.exec(rate);
  if (!m) throw new Error(`--rates: "${rate}" is not like 100mbit or 1gbit`);
  return Number(m[1]) * { k: 1e3, m: 1e6, g: 1e9 }[m[2]!.toLowerCase() as 'k' | 'm' | 'g'];
}

async function tc(ns: string | null, args: readonly string[]): Promise<void> {
  const argv = ns === null ? ['tc', ...args] : ['ip', 'netns', 'exec', ns, 'tc', ...args];
  try {
    await execFileAsync(argv[0]!, argv.slice(1), { timeout: 15_000 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${argv.join(' ')}: ${(e.stderr ?? e.message).trim()}`);
  }
}

/**
 * Rate: tbf on both ends of the veth (bucket of 1 ms of line time, at least 64 KiB so a GSO
 * packet fits; a queue of 5 ms more, like a switch port, so TCP is not allowed to bloat the RTT).
 */
async function shapeRate(hostEnd: string, ns: string, c: LinkConfig): Promise<void> {
  const bytesPerMs = c.bitsPerSecond / 8 / 1000;
  const burst = Math.max(64 * 1024, Math.round(bytesPerMs));
  const tbf = ['root', 'tbf', 'rate', c.rate, 'burst', String(burst), 'limit', String(burst + Math.round(5 * bytesPerMs))];
  await tc(null, ['qdisc', 'replace', 'dev', hostEnd, ...tbf]);
  await tc(ns, ['qdisc', 'replace', 'dev', 'eth0', ...tbf]);
}

async function timeFieldline(
  agents: FlashAgentProcess,
  address: string,
  port: number,
  bundle: BenchBundle,
  verify: boolean,
): Promise<TimedSend> {
  const agent = await agents.fresh();
  return timedSend({ transport: 'tcp', host: address, port, tls: true, via: 'manual' }, agent.id, bundle, verify);
}

async function timeScp(sshd: Sshd, bundle: BenchBundle, remoteDir: string): Promise<number> {
  const remote = path.join(remoteDir, 'copy.flb');
  await rm(remote, { force: true });
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('scp', sshd.scpArgs(bundle.file, remote), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (stderr += s));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`scp exited ${code}: ${stderr.trim()}`))));
  });
  const ms = performance.now() - t0;
  await rm(remote, { force: true });
  return ms;
}

/** scp arguments with the port replaced (to go through the delay proxy). */
function withPort(args: string[], port: number): string[] {
  const i = args.indexOf('-P');
  return i === -1 ? args : [...args.slice(0, i + 1), String(port), ...args.slice(i + 2)];
}

const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<LanRunResult[]> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      runs: { type: 'string', default: '3' },
      'slow-runs': { type: 'string', default: '1' },
      'size-mib': { type: 'string', default: '256' },
      rates: { type: 'string', default: '100mbit,1gbit' },
      rtts: { type: 'string', default: '2,20' },
    },
  });
  const runs = Number(values.runs);
  const slowRuns = Number(values['slow-runs']);
  const sizeMiB = Number(values['size-mib']);
  for (const [name, v] of [
    ['--runs', runs],
    ['--slow-runs', slowRuns],
    ['--size-mib', sizeMiB],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, not ${v}`);
  const rtts = values.rtts.split(',').map(Number);
  if (rtts.some((r) => !Number.isFinite(r) || r < 0 || r > 1000)) throw new Error(`--rtts must be milliseconds, not "${values.rtts}"`);
  const configs: LinkConfig[] = values.rates
    .split(',')
    .flatMap((rate) => rtts.map((rttMs) => ({ rate, bitsPerSecond: parseRate(rate), rttMs })));

  const prefix = testPrefix('fl');
  const netnsReason = await netnsUnavailableReason(prefix);
  if (netnsReason) {
    console.log(
      `bench/flash-lan skipped: network namespaces are not allowed here (${netnsReason}); shaping lo would slow every process on the machine`,
    );
    return [];
  }
  const sshdReason = await sshdUnavailableReason();
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldline-bench-flash-lan-'));
  const results: LanRunResult[] = [];
  let agents: FlashAgentProcess | null = null;
  let sshd: Sshd | null = null;
  let proxy: DelayProxyProcess | null = null;
  try {
    const t0 = performance.now();
    const bundle = await makeBenchBundle(path.join(dir, 'bench-random.flb'), sizeMiB * MIB, 'random');
    console.log(
      `artifact: ${(bundle.size / MIB).toFixed(1)} MiB signed bundle (AES-CTR payload), made in ${Math.round(performance.now() - t0)} ms`,
    );
    const lan = await createTestLan(prefix, 1);
    const host = lan.hosts[0]!;
    const address = host.addresses[0]!;
    const hostEnd = `${prefix}h0`;
    agents = launchFlashAgent({ stateRoot: path.join(dir, 'agent'), tcpHost: address, tcpPort: AGENT_PORT }, host.ns);
    if (!sshdReason) sshd = await startSshd({ dir: path.join(dir, 'sshd'), address, port: SSH_PORT, ns: host.ns });
    const remoteDir = path.join(dir, 'scp-dest');
    await mkdir(remoteDir, { recursive: true });
    console.log(
      `link: veth ${hostEnd} ⇄ ${host.ns}/eth0 (${address}); rate: tc tbf on both ends; RTT: a TCP delay line in the namespace` +
        ' (this kernel has no sch_netem) in front of both the agent and sshd',
    );
    const sshTarget = sshd ? [{ listenHost: address, listenPort: PROXY_SSH_PORT, targetHost: address, targetPort: SSH_PORT }] : [];
    const server = sshd;
    const sshVia = server
      ? { ...server, scpArgs: (local: string, remote: string) => withPort(server.scpArgs(local, remote), PROXY_SSH_PORT) }
      : null;

    for (const config of configs) {
      await shapeRate(hostEnd, host.ns, config);
      proxy = await launchDelayProxy(
        {
          oneWayMs: config.rttMs / 2,
          routes: [{ listenHost: address, listenPort: PROXY_FGP_PORT, targetHost: address, targetPort: AGENT_PORT }, ...sshTarget],
        },
        host.ns,
      );
      const n = config.bitsPerSecond < 500e6 ? slowRuns : runs;
      const fieldlineMs: number[] = [];
      const scpMs: number[] = [];
      const commitMs: number[] = [];
      let transfer: Omit<TransferResult, 'commit'> | null = null;
      for (let r = 0; r < n; r++) {
        const f = await timeFieldline(agents, address, PROXY_FGP_PORT, bundle, r === 0);
        fieldlineMs.push(f.ms);
        if (f.commitMs !== null) commitMs.push(f.commitMs);
        const { commit: _commit, ...rest } = f.result;
        transfer = rest;
        const s = sshVia ? await timeScp(sshVia, bundle, remoteDir) : Number.NaN;
        scpMs.push(s);
        console.log(
          `${config.rate} RTT ${config.rttMs} ms run ${r + 1}/${n}: Fieldline ${mbps(bundle.size, f.ms).toFixed(1)} MB/s` +
            ` (chunk ${f.result.chunkSize / 1024} KiB × window ${f.result.window}, ${f.result.rewinds} rewinds)` +
            `, scp ${Number.isNaN(s) ? 'n/a' : `${mbps(bundle.size, s).toFixed(1)} MB/s`}`,
        );
      }
      await proxy.close();
      proxy = null;
      const fl = mbps(bundle.size, median(fieldlineMs));
      const sc = mbps(bundle.size, median(scpMs));
      results.push({
        config,
        runs: n,
        fieldlineMs,
        scpMs,
        commitMs,
        fieldlineMBps: fl,
        ofLink: (fl * 8e6) / config.bitsPerSecond,
        scpMBps: sc,
        ratio: fl / sc,
        transfer,
      });
    }

    const header = ['link', 'RTT', 'runs', 'Fieldline MB/s', '% of link', 'scp MB/s', 'scp % of link', 'Fieldline / scp', 'device verify'];
    const rows = results.map((r) => [
      r.config.rate,
      `${r.config.rttMs} ms`,
      String(r.runs),
      r.fieldlineMBps.toFixed(1),
      pct(r.ofLink),
      Number.isFinite(r.scpMBps) ? r.scpMBps.toFixed(1) : 'did not run',
      pct((r.scpMBps * 8e6) / r.config.bitsPerSecond),
      ratio(r.ratio),
      r.commitMs.length ? `${(median(r.commitMs) / 1000).toFixed(1)} s` : '',
    ]);
    console.log(`\n${(bundle.size / MIB).toFixed(0)} MiB incompressible bundle, median per configuration (goodput; MB = 10^6 B)`);
    console.log(table(header, rows));
    if (sshdReason) console.log(`peer: scp did not run: ${sshdReason}`);
    for (const r of results) {
      const met = r.ofLink >= GOAL_OF_LINK && !(r.ratio < 1);
      console.log(
        `goal ${r.config.rate}/${r.config.rttMs} ms: ≥ ${GOAL_OF_LINK * 100} % of link and faster than scp — ${met ? 'met' : 'NOT met'}`,
      );
    }
    await saveResults('flash-lan', { sizeBytes: bundle.size, results });
  } finally {
    await proxy?.close().catch(() => undefined);
    await agents?.close().catch(() => undefined);
    await sshd?.close().catch(() => undefined);
    await cleanupPrefix(prefix);
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

if (isMain(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`bench/flash-lan failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
