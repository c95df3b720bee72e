/**
 * Fail closed: when audit.db cannot be written (a real SQLITE_FULL from a page limit, a
 * read-only connection), every append throws AuditUnavailableError saying why, the head does
 * not move, nothing half-written remains, and once the cause is gone the chain continues.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openAuditDb, type Db } from '../../core/audit/audit-db.js';
import { AuditLog, AuditUnavailableError } from '../../core/audit/audit-log.js';
import { generateIdentity } from '../../core/protocol/identity.js';

const key = generateIdentity();
let dir: string;
let db: Db;
let log: AuditLog;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fl-audit-full-'));
  db = openAuditDb(dir);
  log = new AuditLog(db, key);
});
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const big = (i: number) => ({ action: 'flash.install', device: 'gw-1', params: { i, note: 'x'.repeat(1500) } });

describe('audit log fail-closed', () => {
  test('a full disk (SQLITE_FULL) refuses the append, says why, and keeps the head', () => {
    const pages = Number(db.pragma('page_count', { simple: true }));
    db.pragma(`max_page_count = ${pages + 8}`);
    let error: unknown;
    let appended = 0;
    for (let i = 0; i < 1000 && !error; i++) {
      const head = log.head();
      try {
        log.intent(big(i));
        appended++;
      } catch (err) {
        error = err;
        assert.deepEqual(log.head(), head, 'the head must not advance when the write fails');
        assert.equal(log.get(head.seq + 1), null, 'nothing was stored');
      }
    }
    assert.ok(appended > 0, 'some appends fit before the limit');
    assert.ok(error instanceof AuditUnavailableError, `expected AuditUnavailableError, got ${String(error)}`);
    assert.equal(error.code, 'audit_unavailable');
    assert.equal(error.reason, 'disk-full');
    assert.match(error.message, /^The audit log cannot be written: the disk is full \(SQLITE_FULL/);
    assert.match(error.message, /Fieldline refuses to touch devices until it can record what it does/);
    assert.match(error.fix, /Free space on the disk/);
    // A batch is all or nothing.
    const head = log.head();
    assert.throws(() => log.appendMany([{ action: 'a' }, big(-1), big(-2), big(-3)]), AuditUnavailableError);
    assert.deepEqual(log.head(), head);
    // So is a checkpoint at a new head … and once space is back, the chain goes on.
    db.pragma('max_page_count = 1073741823');
    const next = log.result(log.intent(big(2000)), 'ok');
    assert.equal(next.seq, head.seq + 2);
    assert.equal(log.get(head.seq + 1)!.prev, head.hash);
    const report = log.verify();
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  });

  test('a read-only database refuses the append with a read-only reason', () => {
    const ro = new Database(join(dir, 'audit.db'), { readonly: true });
    try {
      const roLog = new AuditLog(ro, key);
      const head = roLog.head();
      assert.throws(
        () => roLog.event({ action: 'discovery.scan' }),
        (err: unknown) =>
          err instanceof AuditUnavailableError && err.reason === 'read-only' && /is read-only \(SQLITE_READONLY/.test(err.message),
      );
      assert.deepEqual(roLog.head(), head);
    } finally {
      ro.close();
    }
  });

  test('a fresh log that cannot be written cannot be opened: entry 1 is not left for later', () => {
    const fdir = mkdtempSync(join(tmpdir(), 'fl-audit-ro-new-'));
    openAuditDb(fdir).close();
    const fdb = new Database(join(fdir, 'audit.db'), { readonly: true });
    try {
      assert.throws(
        () => new AuditLog(fdb, generateIdentity()),
        (err: unknown) => err instanceof AuditUnavailableError && err.reason === 'read-only',
      );
    } finally {
      fdb.close();
      rmSync(fdir, { recursive: true, force: true });
    }
  });
});
