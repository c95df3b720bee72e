/**
 * bench/audit-upload: 100,000 queued audit entries uploaded to the reference receiver on this
 * machine (goal < 5 s), against a peer in the same run: the same request bodies POSTed with bare
 * node:http, one after another, to a server that only reads the body and answers 200.
 *
 * The uploader's time covers everything the queue does: reading batches from audit.db, signing a
 * checkpoint per batch, encoding, and the receiver's parsing, hashing, chain and signature checks
 * and its durable (WAL + synchronous FULL) SQLite commits, plus the ack transaction on the laptop.
 * The peer's time is the floor set by HTTP on loopback for the same bytes.
 *
 * Usage: npx tsx bench/audit-upload.ts [--entries 100000] [--batch 500] [--format fieldline|otlp]
 */
import { createServer, request, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openAuditDb } from '../core/audit/audit-db.js';
import { AuditLog, type AppendDraft } from '../core/audit/audit-log.js';
import { encodeBatch, makeBatch } from '../core/audit/batch.js';
import { signCheckpoint } from '../core/audit/checkpoint.js';
import type { AuditEntry } from '../core/audit/entry.js';
import { encodeOtlp } from '../core/audit/otlp.js';
import { ReceiverStore } from '../core/audit/receiver/store.js';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { auditLogSource, AuditUploader } from '../core/audit/uploader.js';
import { generateIdentity } from '../core/protocol/identity.js';
import { isMain, ratio, saveResults } from './helpers/report.js';

const GOAL_MS = 5000;

export interface AuditUploadResult {
  readonly entries: number;
  readonly batchSize: number;
  readonly format: 'fieldline' | 'otlp';
  readonly bytes: number;
  readonly uploadMs: number;
  readonly peerMs: number;
  readonly entriesPerSecond: number;
  readonly ratio: number;
}

function draft(i: number): AppendDraft {
  return i % 2
    ? { action: 'flash.install', device: 'd'.repeat(64), params: { bundle: 'b'.repeat(64), slot: 'b' }, phase: 'intent' }
    : { action: 'bench.run', device: 'd'.repeat(64), params: { model: 'classifier', runs: 20, p99: 12.5 }, result: 'ok' };
}

async function startIngest(db: string): Promise<{ url: string; close(): Promise<void> }> {
  const cli = path.join(import.meta.dirname, '..', 'cli', 'main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'ingest', '--port', '0', '--db', db, '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fieldline ingest exited with ${code}`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { listening: string }).listening));
  });
  lines.on('line', () => {}); // one line per batch: read and drop
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The floor: POST the same bodies to a server that only reads them. */
async function peer(bodies: readonly Buffer[]): Promise<number> {
  const server = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => res.end('{"accepted":0}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = (body: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/audit/batches',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const start = performance.now();
  for (const body of bodies) await post(body);
  const ms = performance.now() - start;
  agent.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return ms;
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<AuditUploadResult> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      entries: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '500' },
      format: { type: 'string', default: 'fieldline' },
    },
  });
  const total = Math.max(2, Number(values.entries));
  const batchSize = Math.max(1, Number(values.batch));
  const format = values.format === 'otlp' ? 'otlp' : 'fieldline';
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldline-bench-audit-upload-'));
  try {
    const key = generateIdentity();
    const db = openAuditDb(path.join(dir, 'laptop'));
    const log = new AuditLog(db, key);
    for (let done = 1; done < total;) {
      const n = Math.min(5000, total - done);
      log.appendMany(Array.from({ length: n }, (_, i) => draft(done + i)));
      done += n;
    }
    console.log(`${log.head().seq} entries queued in ${dir}; uploading in batches of ${batchSize} (${format})`);

    // The peer's bodies: the same batches, encoded the same way, made before any timing.
    const bodies: Buffer[] = [];
    for (let first = 1; first <= total; first += batchSize) {
      const entries: AuditEntry[] = [...log.range(first, Math.min(total, first + batchSize - 1))];
      const last = entries[entries.length - 1]!;
      const batch = makeBatch(entries, signCheckpoint(key, last.seq, last.hash));
      bodies.push(format === 'otlp' ? encodeOtlp(batch) : encodeBatch(batch));
    }
    const bytes = bodies.reduce((sum, b) => sum + b.length, 0);

    // The receiver is its own program (`fieldline ingest`), as at a site: its own process and core.
    const receiverDb = path.join(dir, 'receiver.db');
    const receiver = await startIngest(receiverDb);
    const uploader = new AuditUploader({ db, source: auditLogSource(log, key) });
    uploader.configure({ endpoint: receiver.url, batchSize, format });
    const start = performance.now();
    const outcome = await uploader.syncNow();
    const uploadMs = performance.now() - start;
    await uploader.stop();
    await receiver.close();
    const store = new ReceiverStore(receiverDb);
    const held = { ...store.logState(log.logId), count: store.count(log.logId) };
    store.close();
    db.close();
    if (!outcome.ok) throw new Error(`the upload failed: ${outcome.message}`);
    if (held.count !== total || held.gaps.length)
      throw new Error(`the receiver holds ${held.count} entries with gaps ${JSON.stringify(held.gaps)}, expected ${total}`);

    const peerMs = await peer(bodies);
    const result: AuditUploadResult = {
      entries: total,
      batchSize,
      format,
      bytes,
      uploadMs,
      peerMs,
      entriesPerSecond: total / (uploadMs / 1000),
      ratio: uploadMs / peerMs,
    };
    console.log(
      `uploader → reference receiver: ${total} entries, ${(bytes / 1e6).toFixed(1)} MB in ${uploadMs.toFixed(0)} ms (${result.entriesPerSecond.toFixed(0)} entries/s)`,
    );
    console.log(`peer (bare node:http POST of the same bytes, body only read): ${peerMs.toFixed(0)} ms`);
    console.log(`ratio: ${ratio(result.ratio)} the peer's time — goal < ${GOAL_MS} ms: ${uploadMs < GOAL_MS ? 'met' : 'NOT met'}`);
    await saveResults(`audit-upload${format === 'otlp' ? '-otlp' : ''}`, result);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`bench/audit-upload failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
