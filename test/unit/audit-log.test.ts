/**
 * AuditLog on real SQLite files: entry 1 at creation, intent/result/event, batched appends,
 * filters, checkpoints, witnesses, a second writer, a foreign key, and the sealing shortcut held
 * to the schema and to canonicalJson.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { assertDurable, AUDIT_MIGRATIONS, openAuditDb, type Db } from '../../core/audit/audit-db.js';
import { AuditDraftError, AuditLog, AuditUnavailableError, type AppendDraft } from '../../core/audit/audit-log.js';
import { canonicalJson } from '../../core/audit/canonical.js';
import { checkCheckpoint, signCheckpoint } from '../../core/audit/checkpoint.js';
import { auditEntrySchema, entryHash, GENESIS_PREV } from '../../core/audit/entry.js';
import { draftProblem, sealCanonical } from '../../core/audit/entry-seal.js';
import { generateIdentity, toHex } from '../../core/protocol/identity.js';

const key = generateIdentity();
const tech = { keyId: 'c'.repeat(64), name: 'Ana Díaz "Ana" \u{1F527}' };
let dir: string;
let db: Db;
let log: AuditLog;
let clock = 1_767_225_600_000;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fl-audit-log-'));
  db = openAuditDb(dir);
  log = new AuditLog(db, key, { now: () => clock, app: 'fieldline/test' });
});
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('AuditLog', () => {
  test('audit.db runs WAL with synchronous=FULL, migrated', () => {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2);
    assert.equal(db.pragma('user_version', { simple: true }), AUDIT_MIGRATIONS.length);
  });

  test('a new log writes entry 1 (audit.log-created, binding the key) at once', () => {
    const first = log.get(1)!;
    assert.equal(first.action, 'audit.log-created');
    assert.equal(first.phase, 'event');
    assert.equal(first.prev, GENESIS_PREV);
    assert.deepEqual(first.params, { publicKey: toHex(key.publicKey) });
    assert.equal(first.log, key.id);
    assert.equal(first.app, 'fieldline/test');
    assert.deepEqual(log.head(), { seq: 1, hash: first.hash });
    assert.equal(entryHash(first), first.hash);
  });

  test('intent, result and event chain; a result names its intent and copies its context', () => {
    const intent = log.intent({
      action: 'flash.install',
      device: 'gw-1',
      technician: tech,
      site: 'Plant 4',
      params: { bundle: 'b'.repeat(64) },
    });
    clock += 1000;
    const result = log.result(intent, 'failed', { step: 'health' }, { code: 'health_failed', message: 'the gateway did not come back' });
    const event = log.event({ action: 'discovery.scan', params: { found: 3 }, result: 'ok' });
    assert.equal(result.prev, intent.hash);
    assert.equal(event.prev, result.hash);
    assert.deepEqual(
      [result.phase, result.intent, result.device, result.site, result.technician],
      ['result', intent.seq, 'gw-1', 'Plant 4', tech],
    );
    assert.ok(result.mono >= intent.mono);
    assert.equal(result.time - intent.time, 1000);
    for (const e of [intent, result, event]) {
      assert.equal(auditEntrySchema.safeParse(e).success, true);
      assert.deepEqual(log.get(e.seq), e);
    }
    assert.equal(log.session.length, 16);
  });

  test('the stored text is canonicalJson of the entry (one encoding, hash spliced in)', () => {
    for (const e of log.range(1, log.head().seq)) {
      const row = db.prepare('SELECT entry, hash FROM audit_entries WHERE seq = ?').get(e.seq) as { entry: string; hash: string };
      assert.equal(row.entry, canonicalJson(e));
      assert.equal(row.hash, entryHash(e));
    }
    const { hash: _h, ...unsigned } = log.get(3)!;
    const tricky = { ...unsigned, error: { code: ',"intent":', message: '"intent":1,' }, action: 'a.b' };
    const sealed = sealCanonical(tricky);
    assert.equal(sealed.text, canonicalJson(sealed.entry));
    assert.equal(sealed.entry.hash, entryHash(tricky));
  });

  test('drafts that break the schema are refused before anything is written', () => {
    const head = log.head();
    const bad: [AppendDraft, RegExp][] = [
      [{ action: 'Flash' }, /action: must be dotted lowercase words/],
      [{ action: 'x', device: 'd'.repeat(129) }, /device:/],
      [{ action: 'x', technician: { keyId: 'nothex', name: 'A' } }, /technician:/],
      [{ action: 'x', phase: 'intent', result: 'ok' }, /an intent has no result/],
      [{ action: 'x', phase: 'result' }, /a result entry needs a result/],
      [{ action: 'x', phase: 'result', result: 'ok', intent: 10_000 }, /a result must follow its intent/],
      [{ action: 'x', params: { n: Number.NaN } }, /\$\.params\.n: NaN has no JSON form/],
      [{ action: 'x', params: { when: new Date() as never } }, /a Date is not a plain JSON object/],
      [{ action: 'x', error: { code: 'c', message: 'm', extra: 1 } as never }, /error:/],
    ];
    for (const [draft, reason] of bad) {
      assert.throws(
        () => log.appendMany([{ action: 'fine' }, draft]),
        (err: unknown) => err instanceof AuditDraftError && reason.test(err.message),
      );
      // The hand-written checks agree with the schema.
      const probe = {
        ...log.get(1)!,
        ...draft,
        params: draft.params ?? {},
        phase: draft.phase ?? 'event',
        intent: draft.intent ?? null,
        result: draft.result ?? null,
      };
      if (!/NaN|Date/.test(reason.source)) {
        assert.notEqual(draftProblem(probe), null);
        assert.equal(auditEntrySchema.safeParse(probe).success, false);
      }
    }
    assert.deepEqual(log.head(), head, 'nothing was appended, not even the valid draft of the batch');
  });

  test('appendMany writes all in one transaction and signs a checkpoint at every multiple of 256', () => {
    const before = log.head().seq;
    const written = log.appendMany(
      Array.from({ length: 600 }, (_, i) => ({
        action: 'bench.run',
        device: `gw-${i % 3}`,
        params: { i },
        result: i % 10 ? 'ok' : 'failed',
      })),
    );
    assert.equal(written.length, 600);
    assert.equal(written[0]!.seq, before + 1);
    assert.deepEqual(log.head(), { seq: before + 600, hash: written[599]!.hash });
    const checkpoints = log.knownCheckpoints().map((c) => checkCheckpoint(c.checkpoint, key.id));
    assert.deepEqual(
      checkpoints.map((c) => (c.ok ? c.checkpoint.seq : c.reason)),
      [256, 512],
    );
    assert.equal(log.latestCheckpoint()!.seq, 512);
    assert.equal(log.latestCheckpoint()!.head, log.get(512)!.hash);
  });

  test('list filters by device, action prefix, result, time and cursor, newest first', () => {
    const gw1 = log.list({ device: 'gw-1', limit: 5 });
    assert.equal(gw1.length, 5);
    assert.ok(gw1.every((e) => e.device === 'gw-1'));
    assert.ok(gw1[0]!.seq > gw1[1]!.seq);
    assert.deepEqual(
      log.list({ action: 'flash' }).map((e) => e.action),
      ['flash.install', 'flash.install'],
    );
    assert.equal(log.list({ action: 'fla' }).length, 0, 'a prefix matches whole words only');
    assert.equal(log.list({ action: 'flash.install', result: 'failed' }).length, 1);
    const failed = log.list({ result: 'failed', limit: 10_000 });
    assert.equal(failed.length, 61);
    const page2 = log.list({ result: 'failed', before: failed[9]!.seq, limit: 10 });
    assert.deepEqual(
      page2.map((e) => e.seq),
      failed.slice(10, 20).map((e) => e.seq),
    );
    assert.equal(log.list({ from: clock + 1 }).length, 0);
    assert.equal(log.list({ to: clock - 1000 }).length, 2, 'entry 1 and the intent');
  });

  test('checkpoint() signs the head once; recordWitness keeps only valid checkpoints of this log', () => {
    const cp = log.checkpoint();
    assert.deepEqual(log.checkpoint(), cp);
    assert.equal(cp.seq, log.head().seq);
    assert.equal(checkCheckpoint(cp, key.id).ok, true);
    log.recordWitness('gw-1', cp);
    assert.ok(log.knownCheckpoints().some((c) => c.source === 'gateway gw-1'));
    assert.throws(() => log.recordWitness('gw-2', { ...cp, seq: cp.seq + 1 }), /signature does not verify/);
    assert.throws(() => log.recordWitness('gw-2', signCheckpoint(generateIdentity(), 1, cp.head)), /checkpoint is for log/);
    const atFive = log.checkpointAt(5);
    assert.equal(atFive.head, log.get(5)!.hash);
    assert.equal(log.verify().ok, true);
  });

  test('a second writer on the same file (the CLI beside the app) continues the same chain', () => {
    const otherDb = openAuditDb(dir);
    try {
      const other = new AuditLog(otherDb, key);
      assert.deepEqual(other.head(), log.head());
      other.event({ action: 'audit.export', params: {} });
      const mine = log.event({ action: 'discovery.scan', params: {} });
      assert.equal(mine.seq, other.head().seq + 1, 'the app appends after the CLI, not over it');
      assert.equal(log.verify().ok, true);
    } finally {
      otherDb.close();
    }
  });

  test("a db holding another key's chain refuses to open", () => {
    assert.throws(
      () => new AuditLog(db, generateIdentity()),
      (err: unknown) =>
        err instanceof AuditUnavailableError &&
        err.reason === 'key-mismatch' &&
        /holds the audit log of another audit key/.test(err.message) &&
        /Restore the audit key/.test(err.message),
    );
  });

  test('a db of a newer schema, or without WAL, is refused at open', () => {
    const odir = mkdtempSync(join(tmpdir(), 'fl-audit-open-'));
    try {
      const raw = new Database(join(odir, 'audit.db'));
      raw.pragma('user_version = 99');
      raw.close();
      assert.throws(() => openAuditDb(odir), /newer Fieldline \(audit schema 99/);
      const memory = new Database(':memory:');
      memory.pragma('journal_mode = WAL'); // an in-memory database cannot do WAL: SQLite answers "memory"
      assert.throws(() => assertDurable(memory), /must use journal_mode=WAL but SQLite reports "memory"/);
      memory.close();
      const normal = new Database(join(odir, 'normal.db'));
      normal.pragma('journal_mode = WAL');
      normal.pragma('synchronous = NORMAL');
      assert.throws(() => assertDurable(normal), /must use synchronous=FULL \(2\) but SQLite reports 1/);
      normal.close();
    } finally {
      rmSync(odir, { recursive: true, force: true });
    }
  });
});
