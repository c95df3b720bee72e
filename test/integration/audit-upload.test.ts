/**
 * The uploader against the real reference receiver on 127.0.0.1 (real SQLite files on both
 * sides), with a fault-injecting HTTP front: failures, hangs, dropped connections and doubled
 * deliveries end with every entry held exactly once, in order, and the chain verifying there.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { writeExport } from '../../core/audit/export-file.js';
import { importExport } from '../../core/audit/receiver/import.js';
import { ReceiverStore } from '../../core/audit/receiver/store.js';
import { verifyChain } from '../../core/audit/verify.js';
import type { SyncStatus } from '../../core/audit/uploader.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { appendEntries, openLaptop, startTestReceiver, tempDir, type TestReceiver } from '../helpers/audit-fixtures.js';

const tmp = tempDir('fl-audit-upload-');
after(() => tmp.remove());
let n = 0;
const dir = (name: string): string => join(tmp.dir, `${++n}-${name}`);

/** Every entry of the log exactly once, #1…#head in order, and a chain that verifies with the receiver's checkpoint. */
function assertHeldExactlyOnce(receiver: TestReceiver, logId: string, head: number): void {
  const state = receiver.store.logState(logId);
  assert.equal(receiver.store.count(logId), head, 'the receiver holds each entry once');
  assert.deepEqual(state.gaps, []);
  assert.equal(state.head?.seq, head);
  const seqs: number[] = [];
  const report = verifyChain(
    (function* () {
      for (const e of receiver.store.entries(logId)) {
        seqs.push(e.seq);
        yield e;
      }
    })(),
    { checkpoints: state.checkpoint ? [{ source: 'receiver', checkpoint: state.checkpoint }] : [] },
  );
  assert.equal(report.ok, true, report.firstBad?.reason);
  assert.equal(report.entries, head);
  assert.deepEqual(
    seqs,
    Array.from({ length: head }, (_, i) => i + 1),
  );
}

function waitFor(predicate: () => boolean, what: string, ms = 60_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (predicate()) return resolve();
      if (Date.now() - start > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

test('500, a hang, a dropped connection and a doubled delivery: after recovery every entry is held once, in order', async () => {
  const laptop = openLaptop(dir('laptop'));
  appendEntries(laptop.log, 999); // + entry 1 = 1000
  const receiver = await startTestReceiver(join(dir('rx'), 'receiver.db'));
  // One fault per batch (each POST takes the next): #1–#100 fails once, #101–#200 is stored but the
  // answer hangs, #201–#300 is stored but the connection drops, #301–#400 is delivered twice.
  const faults = ['status-500', 'pass', 'hang-after-forward', 'pass', 'drop-after-forward', 'pass', 'forward-twice', 'status-500'] as const;
  const proxy = await startFaultProxy(receiver.url, [...faults]);
  const statuses: SyncStatus[] = [];
  const uploader = laptop.uploader({ onStatus: (s) => statuses.push(s) });
  uploader.configure({ endpoint: proxy.url, batchSize: 100, timeoutMs: 500 });
  uploader.start();
  await waitFor(() => uploader.status().pending === 0 && uploader.status().state === 'idle', 'the queue to drain');
  await uploader.stop();

  assert.deepEqual(
    proxy.log.slice(0, faults.length).map((l) => l.fault),
    faults,
  );
  assert.deepEqual(proxy.log[6]?.upstream, [200, 200], 'the doubled batch reached the receiver twice');
  assertHeldExactlyOnce(receiver, laptop.log.logId, 1000);
  // The hang and the drop stored their batch before the answer was lost: the retry was a duplicate.
  const batches = laptop.db.prepare('SELECT first, last, accepted, duplicates FROM audit_batches ORDER BY id').all() as {
    first: number;
    last: number;
    accepted: number;
    duplicates: number;
  }[];
  assert.equal(batches.length, 10, 'one acknowledgement per batch');
  assert.equal(batches.reduce((s, b) => s + b.accepted, 0) + batches.reduce((s, b) => s + b.duplicates, 0), 1000);
  // The hung, the dropped and the doubled batch were stored before their answer was lost or
  // repeated: the receiver answered the retry as all duplicates.
  assert.deepEqual(
    batches.map((b) => b.duplicates),
    [0, 100, 100, 100, 0, 0, 0, 0, 0, 0],
  );
  // Every failure was reported, with the reason, then cleared by success.
  const errors = statuses.filter((s) => s.state === 'error' || s.state === 'offline').map((s) => s.lastError?.message ?? '');
  assert.ok(
    errors.some((m) => m.includes('HTTP 500')),
    'a 500 is reported',
  );
  assert.ok(
    errors.some((m) => m.includes('did not answer within 500 ms')),
    'the hang is reported as a timeout',
  );
  // (The dropped connection is on a kept-alive socket, which the client retries at once as a stale
  // socket: it shows up as the duplicate above rather than as an error.)
  assert.ok(statuses.some((s) => s.state === 'syncing'));
  const final = uploader.status();
  assert.equal(final.ackedSeq, 1000);
  assert.ok(final.lastSuccess !== null);
  await proxy.close();
  await receiver.stop();
  laptop.close();
});

test('an unreachable receiver: offline with backoff, nothing lost, then everything once it is back', async () => {
  const laptop = openLaptop(dir('laptop'));
  appendEntries(laptop.log, 49);
  const rxDir = dir('rx');
  let receiver = await startTestReceiver(join(rxDir, 'receiver.db'));
  const port = receiver.port;
  await receiver.stop();
  const random = (): number => 0.5;
  const uploader = laptop.uploader({ random, backoffBaseMs: 40, backoffCapMs: 100 });
  uploader.configure({ endpoint: `http://127.0.0.1:${port}`, batchSize: 20 });
  const first = await uploader.syncNow();
  assert.equal(first.ok, false);
  assert.equal(!first.ok && first.state, 'offline');
  assert.match(uploader.status().lastError?.message ?? '', /refused the connection/);
  const s1 = uploader.status();
  assert.equal(s1.state, 'offline');
  assert.equal(s1.pending, 50);
  assert.ok(s1.nextAttempt !== null);
  // Full jitter with random() = 0.5: half the ceiling, and the ceiling doubles per failure up to the cap.
  const second = await uploader.syncNow();
  assert.ok(!second.ok && second.nextAttempt !== null);
  receiver = await startTestReceiver(join(rxDir, 'receiver.db'), { port });
  uploader.start();
  await waitFor(() => uploader.status().pending === 0, 'the queue to drain after the receiver came back');
  await uploader.stop();
  assertHeldExactlyOnce(receiver, laptop.log.logId, 50);
  await receiver.stop();
  laptop.close();
});

test('new entries written while idle are sent after notify(); acked state survives reopening audit.db', async () => {
  const laptopDir = dir('laptop');
  let laptop = openLaptop(laptopDir);
  appendEntries(laptop.log, 9);
  const receiver = await startTestReceiver(join(dir('rx'), 'receiver.db'));
  let uploader = laptop.uploader();
  uploader.configure({ endpoint: receiver.url, batchSize: 4 });
  uploader.start();
  await waitFor(() => uploader.status().pending === 0 && uploader.status().state === 'idle', 'the first sync');
  laptop.log.event({ action: 'settings.change', params: { what: 'site' } });
  uploader.notify();
  await waitFor(() => uploader.status().ackedSeq === 11, 'the new entry to be sent');
  await uploader.stop();
  const key = laptop.key;
  laptop.close();
  laptop = openLaptop(laptopDir, key);
  uploader = laptop.uploader();
  assert.equal(uploader.status().ackedSeq, 11);
  assert.equal(uploader.status().pending, 0);
  assertHeldExactlyOnce(receiver, laptop.log.logId, 11);
  await receiver.stop();
  laptop.close();
});

test('a receiver restored from an old backup reports a gap; the uploader sends the missing entries again', async () => {
  const laptop = openLaptop(dir('laptop'));
  appendEntries(laptop.log, 299);
  const rxDir = dir('rx');
  const receiver = await startTestReceiver(join(rxDir, 'receiver.db'));
  const uploader = laptop.uploader();
  uploader.configure({ endpoint: receiver.url, batchSize: 100 });
  assert.equal((await uploader.syncNow()).ok, true);
  // The receiver loses everything (a fresh database): our acked_seq (300) is now ahead of it.
  await receiver.stop();
  const fresh = await startTestReceiver(join(dir('rx-fresh'), 'receiver.db'), { port: receiver.port });
  appendEntries(laptop.log, 50);
  const outcome = await uploader.syncNow();
  assert.equal(outcome.ok, true, !outcome.ok ? outcome.message : '');
  assertHeldExactlyOnce(fresh, laptop.log.logId, 350);
  await fresh.stop();
  laptop.close();
});

test('409: a receiver holding another chain for this log stops the sync with the reason; no local entry is touched', async () => {
  const a = openLaptop(dir('laptop-a'));
  // The same audit key restored on a second laptop forks the chain from #1.
  const b = openLaptop(dir('laptop-b'), a.key);
  appendEntries(a.log, 20);
  appendEntries(b.log, 20);
  const receiver = await startTestReceiver(join(dir('rx'), 'receiver.db'));
  const ub = b.uploader();
  ub.configure({ endpoint: receiver.url });
  assert.equal((await ub.syncNow()).ok, true);
  const ua = a.uploader();
  ua.configure({ endpoint: receiver.url });
  const outcome = await ua.syncNow();
  assert.equal(outcome.ok, false);
  assert.equal(!outcome.ok && outcome.state, 'error');
  assert.match(!outcome.ok ? outcome.message : '', /conflict: the receiver holds #21 with hash .* not this laptop's entry #21/);
  assert.equal(ua.status().state, 'error');
  assert.equal(ua.status().ackedSeq, 0);
  assert.equal(a.log.head().seq, 21, 'local entries are never deleted');
  assert.equal(verifyChain(a.log.range(1, 21)).ok, true);
  assert.equal(receiver.store.count(a.log.logId), 21, 'the receiver kept what it had');
  await receiver.stop();
  a.close();
  b.close();
});

test('OTLP/HTTP JSON: the same entries through /v1/logs, lossless, deduplicated like native batches', async () => {
  const laptop = openLaptop(dir('laptop'));
  appendEntries(laptop.log, 250);
  const receiver = await startTestReceiver(join(dir('rx'), 'receiver.db'));
  const proxy = await startFaultProxy(receiver.url, ['forward-twice', 'drop-after-forward']);
  const uploader = laptop.uploader();
  uploader.configure({ endpoint: proxy.url, format: 'otlp', batchSize: 64 });
  let outcome = await uploader.syncNow();
  for (let i = 0; !outcome.ok && i < 5; i++) outcome = await uploader.syncNow();
  assert.equal(outcome.ok, true);
  assertHeldExactlyOnce(receiver, laptop.log.logId, 251);
  // Lossless: what the receiver rebuilt from the OTLP attributes is the entry byte for byte.
  for (const seq of [1, 2, 128, 251]) assert.deepEqual([...receiver.store.entries(laptop.log.logId, seq, seq)][0], laptop.log.get(seq));
  await proxy.close();
  await receiver.stop();
  laptop.close();
});

test('export → import on another receiver, then online sync of the same entries: no duplicates', async () => {
  const laptop = openLaptop(dir('laptop'));
  appendEntries(laptop.log, 1499);
  const file = join(dir('export'), 'audit.fieldline-audit.jsonl');
  await import('node:fs').then((fs) => fs.mkdirSync(join(file, '..'), { recursive: true }));
  await writeExport(laptop.log, file, { first: 1, last: 1200 });
  const rxFile = join(dir('rx'), 'receiver.db');
  // Imported by the CLI, as a site without network would: `fieldline ingest --import FILE --db …`.
  const cli = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'cli', 'main.ts'), 'ingest', '--import', file, '--db', rxFile, '--json'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(cli.status, 0, cli.stderr);
  const imported = JSON.parse(cli.stdout) as { accepted: number; duplicates: number; gaps: unknown[] };
  assert.deepEqual([imported.accepted, imported.duplicates, imported.gaps], [1200, 0, []]);
  // The same file again: all duplicates, nothing stored twice.
  const again = new ReceiverStore(rxFile);
  const second = await importExport(again, file);
  assert.deepEqual([second.accepted, second.duplicates], [0, 1200]);
  again.close();

  const receiver = await startTestReceiver(rxFile);
  const uploader = laptop.uploader();
  uploader.configure({ endpoint: receiver.url, batchSize: 500 });
  const outcome = await uploader.syncNow();
  assert.equal(outcome.ok, true);
  assert.deepEqual(outcome.ok && [outcome.accepted, outcome.duplicates], [300, 1200]);
  assertHeldExactlyOnce(receiver, laptop.log.logId, 1500);
  await receiver.stop();
  laptop.close();
});

test('CLI: `fieldline audit sync` configures and uploads with progress; `audit status` reports the queue', async (t) => {
  const dataDir = dir('data');
  const { fileKeyVault } = await import('../../core/audit/audit-key.js');
  const laptop = openLaptop(dataDir, fileKeyVault(dataDir).load());
  appendEntries(laptop.log, 1199);
  laptop.close();
  const receiver = await startTestReceiver(join(dir('rx'), 'receiver.db'));
  t.after(() => receiver.stop());
  // Not spawnSync: the receiver runs in this process and must keep answering meanwhile.
  const cli = (...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [
        '--import',
        'tsx',
        join(import.meta.dirname, '..', '..', 'cli', 'main.ts'),
        'audit',
        ...args,
        '--data-dir',
        dataDir,
      ]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  // Refused before anything is stored: plain http off this machine.
  const refused = await cli('sync', '--endpoint', 'http://192.0.2.1:8473');
  assert.equal(refused.status, 2);
  assert.match(String(refused.stderr), /plain http is allowed only to this machine/);
  const before = await cli('status', '--json');
  assert.equal(before.status, 0, String(before.stderr));
  assert.deepEqual((JSON.parse(String(before.stdout)) as { state: string; pending: number }).state, 'disabled');
  // A sync prints each batch, then the summary.
  const sync = await cli('sync', '--endpoint', receiver.url, '--batch', '500');
  assert.equal(sync.status, 0, String(sync.stderr));
  assert.match(String(sync.stdout), /#1–#500: 500 accepted, 0 already held; 700 pending/);
  assert.match(String(sync.stdout), /✓ in sync with http:\/\/127\.0\.0\.1:\d+: 1,200 entries sent/);
  const after = await cli('status', '--json');
  const status = JSON.parse(String(after.stdout)) as {
    state: string;
    pending: number;
    ackedSeq: number;
    headSeq: number;
    lastSuccess: number | null;
  };
  assert.deepEqual([status.state, status.pending, status.ackedSeq, status.headSeq], ['idle', 0, 1200, 1200]);
  assert.ok(status.lastSuccess !== null);
  assertHeldExactlyOnce(receiver, receiver.store.logs()[0]!, 1200);
  // The receiver goes away: the sync fails, says so, and keeps everything pending for next time.
  await receiver.close();
  const relaunch = openLaptop(dataDir, fileKeyVault(dataDir).load());
  appendEntries(relaunch.log, 5);
  relaunch.close();
  const offline = await cli('sync');
  assert.equal(offline.status, 1);
  assert.match(String(offline.stderr), /could not reach the receiver: .* refused the connection/);
  const text = await cli('status');
  assert.match(String(text.stdout), /state {8}offline|state {8}error/);
  assert.match(String(text.stdout), /pending {6}5\n/);
  assert.match(String(text.stdout), /last error {3}.*refused the connection/);
});
