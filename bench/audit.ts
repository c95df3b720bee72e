/**
 * bench/audit: durable audit appends on this machine, against a bare better-sqlite3 INSERT loop
 * with the same pragmas (WAL, synchronous = FULL) and row shape measured in the same run, so the
 * ratio is the cost of what the log adds (canonical JSON, SHA-256 chaining, checks, checkpoints).
 *
 * - batched: appendMany of 1,000 entries per transaction. Goal ≥ 20,000 entries/s.
 * - single: one entry per transaction (what an intent before a device action costs), with
 *   p50 / p99 latency. Goal p99 < 2 ms.
 *
 * The upload figure (100,000 entries to the reference receiver) is bench/audit-upload.ts.
 *
 * Usage: npx tsx bench/audit.ts [--batched 50000] [--single 3000] [--dir DIR]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openAuditDb } from '../core/audit/audit-db.js';
import { AuditLog, type AppendDraft } from '../core/audit/audit-log.js';
import { generateIdentity } from '../core/protocol/identity.js';
import { isMain, ratio, saveResults, table } from './helpers/report.js';

const GOAL_BATCHED_PER_S = 20_000;
const GOAL_SINGLE_P99_MS = 2;
const BATCH = 1000;

const device = 'd'.repeat(64);
const technician = { keyId: 'a'.repeat(64), name: 'Ana Díaz' };
function draft(i: number): AppendDraft {
  return {
    action: 'flash.install',
    device,
    technician,
    site: 'Plant 4',
    phase: 'intent',
    params: { bundle: 'b'.repeat(64), slot: i % 2 ? 'a' : 'b', attempt: i },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Figures {
  batchedPerS: number;
  singlePerS: number;
  singleP50Ms: number;
  singleP99Ms: number;
}

function measureLog(dir: string, batched: number, single: number): Figures {
  const db = openAuditDb(dir, 'bench-audit.db');
  try {
    const log = new AuditLog(db, generateIdentity());
    log.appendMany(Array.from({ length: BATCH }, (_, i) => draft(i))); // warm-up
    let start = performance.now();
    for (let done = 0; done < batched; done += BATCH) log.appendMany(Array.from({ length: BATCH }, (_, i) => draft(done + i)));
    const batchedPerS = batched / ((performance.now() - start) / 1000);
    const latencies: number[] = [];
    start = performance.now();
    for (let i = 0; i < single; i++) {
      const t = performance.now();
      log.intent(draft(i));
      latencies.push(performance.now() - t);
    }
    const singlePerS = single / ((performance.now() - start) / 1000);
    latencies.sort((a, b) => a - b);
    return { batchedPerS, singlePerS, singleP50Ms: percentile(latencies, 50), singleP99Ms: percentile(latencies, 99) };
  } finally {
    db.close();
  }
}

/** The peer: the same pragmas, table, indexes and row size, without hashing, canonical encoding or checks. */
function measureBare(dir: string, batched: number, single: number): Figures {
  const db = new Database(join(dir, 'bench-bare.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`CREATE TABLE t (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, entry TEXT NOT NULL, time INTEGER NOT NULL, device TEXT, action TEXT NOT NULL, phase TEXT NOT NULL, result TEXT);
             CREATE INDEX t_device ON t (device, seq); CREATE INDEX t_action ON t (action, seq); CREATE INDEX t_time ON t (time);`);
    const insert = db.prepare('INSERT INTO t (seq, hash, entry, time, device, action, phase, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    let seq = 0;
    const row = (i: number): void => {
      seq++;
      const entry = JSON.stringify({
        ...draft(i),
        seq,
        hash: 'c'.repeat(64),
        prev: 'c'.repeat(64),
        log: 'e'.repeat(64),
        session: '0123456789abcdef',
        app: 'fieldline/0.1.0',
        mono: i,
        time: Date.now(),
        v: 1,
      });
      insert.run(seq, 'c'.repeat(64), entry, Date.now(), device, 'flash.install', 'intent', null);
    };
    const batch = db.transaction((from: number) => {
      for (let i = 0; i < BATCH; i++) row(from + i);
    });
    const one = db.transaction((i: number) => row(i));
    batch(0);
    let start = performance.now();
    for (let done = 0; done < batched; done += BATCH) batch(done);
    const batchedPerS = batched / ((performance.now() - start) / 1000);
    const latencies: number[] = [];
    start = performance.now();
    for (let i = 0; i < single; i++) {
      const t = performance.now();
      one(i);
      latencies.push(performance.now() - t);
    }
    const singlePerS = single / ((performance.now() - start) / 1000);
    latencies.sort((a, b) => a - b);
    return { batchedPerS, singlePerS, singleP50Ms: percentile(latencies, 50), singleP99Ms: percentile(latencies, 99) };
  } finally {
    db.close();
  }
}

export async function main(argv = process.argv.slice(2)): Promise<Figures> {
  const { values } = parseArgs({
    args: argv,
    options: { batched: { type: 'string' }, single: { type: 'string' }, dir: { type: 'string' } },
  });
  const batched = Math.ceil(Number(values.batched ?? 50_000) / BATCH) * BATCH;
  const single = Number(values.single ?? 3000);
  const dir = mkdtempSync(join(values.dir ?? tmpdir(), 'fieldline-bench-audit-'));
  try {
    // Alternate the two so neither always runs on a warmer cache or a quieter disk.
    const bare = measureBare(dir, batched, single);
    const log = measureLog(dir, batched, single);
    const n = (x: number): string => Math.round(x).toLocaleString('en');
    const ms = (x: number): string => `${x.toFixed(3)} ms`;
    console.log(
      table(
        ['figure', 'audit log', 'bare INSERT (peer)', 'log / peer'],
        [
          [`batched (${BATCH}/transaction), entries/s`, n(log.batchedPerS), n(bare.batchedPerS), ratio(log.batchedPerS / bare.batchedPerS)],
          ['single (1/transaction), entries/s', n(log.singlePerS), n(bare.singlePerS), ratio(log.singlePerS / bare.singlePerS)],
          ['single, p50 latency', ms(log.singleP50Ms), ms(bare.singleP50Ms), ratio(log.singleP50Ms / bare.singleP50Ms)],
          ['single, p99 latency', ms(log.singleP99Ms), ms(bare.singleP99Ms), ratio(log.singleP99Ms / bare.singleP99Ms)],
        ],
      ),
    );
    console.log(
      `(WAL, synchronous=FULL, ${batched.toLocaleString('en')} batched + ${single.toLocaleString('en')} single entries each, files in ${dir})`,
    );
    const batchedMet = log.batchedPerS >= GOAL_BATCHED_PER_S;
    const p99Met = log.singleP99Ms < GOAL_SINGLE_P99_MS;
    console.log(
      `goal: ≥ ${GOAL_BATCHED_PER_S.toLocaleString('en')} entries/s batched — ${batchedMet ? 'met' : 'NOT met'} (${n(log.batchedPerS)})`,
    );
    console.log(
      `goal: p99 single append < ${GOAL_SINGLE_P99_MS} ms — ${p99Met ? 'met' : 'NOT met'} (${ms(log.singleP99Ms)}; the peer's p99 is ${ms(bare.singleP99Ms)})`,
    );
    const file = await saveResults('audit', { batched, single, log, bare, goals: { batchedMet, p99Met } });
    console.log(`results: ${file}`);
    return log;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`bench/audit failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
