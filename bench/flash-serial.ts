/**
 * bench/flash-serial: a 2 MiB signed bundle over a simulated UART (test/helpers/uart-relay.ts:
 * two socat pty pairs joined by a relay pacing both directions to 921600 baud, 10 bits per byte,
 * so 92,160 B/s of line) sent with core/flash `sendArtifact` to a reference agent serving FGP on
 * the far pty, against lrzsz `sz` (ZMODEM) → `rz` of the same file over the same relay, in the
 * same run.
 *
 * Cases: an incompressible bundle (AES-CTR payload); a compressible one (a root-file-system
 * look-alike stored without gzip, so on-the-wire deflate has work to do); and the demo OS image
 * style (the same look-alike gzipped inside the bundle: compression in the bundle, none left for
 * the wire). Fieldline is timed from opening the serial session (hello + authenticate included)
 * to the device holding every byte; the device's hash-and-verify at commit is timed apart. sz is
 * timed from its start until both sz and rz have exited, and rz's copy is checked byte for byte.
 * The agent runs in its own process; the relay runs in this one.
 *
 * Usage: npx tsx bench/flash-serial.ts [--runs 1] [--size-kib 2048] [--baud 921600]
 *        [--cases incompressible,compressible,demo-os-gzip]
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { TransferResult } from '../core/flash/transfer.js';
import { startUartRelay, type UartRelay } from '../test/helpers/uart-relay.js';
import { makeBenchBundle, sha256File, type BenchBundle, type PayloadKind } from './helpers/bench-bundle.js';
import { launchFlashAgent, type FlashAgentProcess } from './helpers/flash-agent.js';
import { timedSend, type TimedSend } from './helpers/timed-send.js';
import { isMain, median, pct, ratio, saveResults, table } from './helpers/report.js';

const KIB = 1024;
const GOAL_INCOMPRESSIBLE_OF_LINE = 0.9;
const GOAL_VS_SZ = 1.1;

interface CaseSpec {
  readonly id: 'incompressible' | 'compressible' | 'demo-os-gzip';
  readonly label: string;
  readonly kind: PayloadKind;
  readonly gzip: boolean;
  /** Payload bytes for a bundle of about the target size. */
  readonly payloadFactor: number;
}

const CASES: readonly CaseSpec[] = [
  { id: 'incompressible', label: 'incompressible (AES-CTR payload)', kind: 'random', gzip: false, payloadFactor: 1 },
  { id: 'compressible', label: 'compressible (image, stored raw)', kind: 'image', gzip: false, payloadFactor: 1 },
  // A third of the look-alike is random: gzipped, three times the payload makes about the same bundle size.
  { id: 'demo-os-gzip', label: 'demo OS style (image, gzip in bundle)', kind: 'image', gzip: true, payloadFactor: 3 },
];

export interface SerialCaseResult {
  readonly id: CaseSpec['id'];
  readonly label: string;
  readonly size: number;
  readonly fieldlineMs: readonly number[];
  readonly szMs: readonly number[];
  readonly commitMs: readonly number[];
  readonly fieldlineBps: number;
  readonly ofLine: number;
  readonly szBps: number;
  readonly ratio: number;
  readonly transfer: Omit<TransferResult, 'commit'> | null;
}

async function timeFieldline(agents: FlashAgentProcess, relay: UartRelay, bundle: BenchBundle, verify: boolean): Promise<TimedSend> {
  const agent = await agents.fresh();
  try {
    return await timedSend({ transport: 'serial', path: relay.appPath, baudRate: relay.baud, via: 'manual' }, agent.id, bundle, verify);
  } finally {
    // The line must be free for rz.
    await agents.stop();
  }
}

function runTool(command: string, args: readonly string[], tty: string, cwd: string): { done: Promise<void>; kill(): void } {
  const fd = openSync(tty, 'r+');
  const child = spawn(command, args, { cwd, stdio: [fd, fd, 'pipe'] });
  closeSync(fd);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => (stderr = (stderr + s).slice(-2000)));
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited (${signal ?? code}): ${stderr.trim().slice(-400)}`)),
    );
  });
  return { done, kill: () => child.kill('SIGKILL') };
}

/** `sz` on the app end, `rz` on the agent end; resolves when both are done and the copy matches. */
/** Waits until nothing has crossed the relay for `quietMs`: bytes of the last session must not reach sz or rz. */
async function drain(relay: UartRelay, quietMs = 500): Promise<void> {
  let last = relay.stats();
  for (let waited = 0; waited < 10_000; waited += quietMs) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const now = relay.stats();
    if (now.toAgent === last.toAgent && now.toApp === last.toApp) return;
    last = now;
  }
}

async function timeSz(relay: UartRelay, bundle: BenchBundle, dir: string): Promise<number> {
  await drain(relay);
  const recvDir = await mkdtemp(path.join(dir, 'rz-'));
  try {
    const rz = runTool('rz', ['-b', '-y', '-q'], relay.agentPath, recvDir);
    const t0 = performance.now();
    const sz = runTool('sz', ['-b', '-q', bundle.file], relay.appPath, dir);
    const timer = setTimeout(() => {
      rz.kill();
      sz.kill();
    }, 180_000);
    try {
      await Promise.all([sz.done, rz.done]);
    } finally {
      clearTimeout(timer);
    }
    const ms = performance.now() - t0;
    const copy = path.join(recvDir, path.basename(bundle.file));
    if ((await sha256File(copy)) !== bundle.sha256) throw new Error('rz received a different file');
    return ms;
  } finally {
    await rm(recvDir, { recursive: true, force: true });
  }
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<SerialCaseResult[]> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      runs: { type: 'string', default: '1' },
      'size-kib': { type: 'string', default: '2048' },
      baud: { type: 'string', default: '921600' },
      cases: { type: 'string', default: CASES.map((c) => c.id).join(',') },
    },
  });
  const runs = Number(values.runs);
  const sizeKiB = Number(values['size-kib']);
  const baud = Number(values.baud);
  for (const [name, v] of [
    ['--runs', runs],
    ['--size-kib', sizeKiB],
    ['--baud', baud],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, not ${v}`);
  const lineBps = baud / 10;

  const dir = await mkdtemp(path.join(tmpdir(), 'fieldline-bench-flash-serial-'));
  let relay: UartRelay | null = null;
  let agents: FlashAgentProcess | null = null;
  const results: SerialCaseResult[] = [];
  try {
    relay = await startUartRelay({ dir, baud, name: 'uart' });
    agents = launchFlashAgent({ stateRoot: path.join(dir, 'agent'), serialPath: relay.agentPath });
    console.log(`line: ${baud} baud, 10 bits per byte = ${lineBps} B/s, paced by the relay in both directions`);
    const wanted = values.cases.split(',');
    const unknown = wanted.filter((w) => !CASES.some((c) => c.id === w));
    if (unknown.length) throw new Error(`--cases: unknown ${unknown.join(', ')}; known: ${CASES.map((c) => c.id).join(', ')}`);
    for (const c of CASES.filter((k) => wanted.includes(k.id))) {
      const bundle = await makeBenchBundle(path.join(dir, 'bundles', `${c.id}.flb`), c.payloadFactor * sizeKiB * KIB, c.kind, c.gzip);
      const fieldlineMs: number[] = [];
      const szMs: number[] = [];
      const commitMs: number[] = [];
      let transfer: Omit<TransferResult, 'commit'> | null = null;
      for (let r = 0; r < runs; r++) {
        const f = await timeFieldline(agents, relay, bundle, r === 0);
        fieldlineMs.push(f.ms);
        if (f.commitMs !== null) commitMs.push(f.commitMs);
        const { commit: _commit, ...rest } = f.result;
        transfer = rest;
        const s = await timeSz(relay, bundle, dir);
        szMs.push(s);
        const bps = (ms: number): string => `${Math.round(bundle.size / (ms / 1000))} B/s`;
        console.log(
          `${c.id} run ${r + 1}/${runs}: ${bundle.size} B; Fieldline ${bps(f.ms)} (chunk ${f.result.chunkSize} B × window ${f.result.window},` +
            ` ${f.result.compressedChunks} chunks deflated, ${f.result.wireBytes} B of chunk data on the wire, ${f.result.rewinds} rewinds); sz ${bps(s)}`,
        );
      }
      const fl = bundle.size / (median(fieldlineMs) / 1000);
      // The peer gets its best run: sz on this relay sometimes falls into a ~39 kB/s mode after its
      // first run in a process, and a stalled peer would flatter the ratio.
      const sz = bundle.size / (Math.min(...szMs) / 1000);
      results.push({
        id: c.id,
        label: c.label,
        size: bundle.size,
        fieldlineMs,
        szMs,
        commitMs,
        fieldlineBps: fl,
        ofLine: fl / lineBps,
        szBps: sz,
        ratio: fl / sz,
        transfer,
      });
    }

    const header = ['case', 'bytes', 'Fieldline B/s', '% of line', 'sz B/s', 'sz % of line', 'Fieldline / sz', 'device verify'];
    const rows = results.map((r) => [
      r.label,
      String(r.size),
      String(Math.round(r.fieldlineBps)),
      pct(r.ofLine),
      String(Math.round(r.szBps)),
      pct(r.szBps / lineBps),
      ratio(r.ratio),
      r.commitMs.length ? `${(median(r.commitMs) / 1000).toFixed(2)} s` : '',
    ]);
    console.log(`\n${baud} baud simulated UART (line rate ${lineBps} B/s), Fieldline: median of ${runs} run(s) per case; sz: its best run`);
    console.log(table(header, rows));
    const by = (id: CaseSpec['id']): SerialCaseResult | undefined => results.find((r) => r.id === id);
    const inc = by('incompressible');
    const comp = by('compressible');
    if (inc) {
      console.log(
        `goal incompressible ≥ ${GOAL_INCOMPRESSIBLE_OF_LINE * 100} % of line: ${inc.ofLine >= GOAL_INCOMPRESSIBLE_OF_LINE ? 'met' : 'NOT met'} (${pct(inc.ofLine)})`,
      );
      console.log(`goal incompressible ≥ ${GOAL_VS_SZ}× sz: ${inc.ratio >= GOAL_VS_SZ ? 'met' : 'NOT met'} (${ratio(inc.ratio)})`);
    }
    if (comp) console.log(`goal compressible above line rate: ${comp.ofLine > 1 ? 'met' : 'NOT met'} (${pct(comp.ofLine)})`);
    await saveResults('flash-serial', { baud, lineBps, runs, results });
  } finally {
    await agents?.close().catch(() => undefined);
    await relay?.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

if (isMain(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`bench/flash-serial failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
