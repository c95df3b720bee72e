/**
 * verifyChain names the first entry that cannot be trusted: edited, deleted, reordered, inserted,
 * replaced, malformed; checks checkpoints (forged, rewritten chain, cut-off tail); streams.
 * The chains are written by the real AuditLog into real SQLite files.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openAuditDb, type Db } from '../../core/audit/audit-db.js';
import { AuditLog } from '../../core/audit/audit-log.js';
import { signCheckpoint, type Checkpoint } from '../../core/audit/checkpoint.js';
import { canonicalJson } from '../../core/audit/canonical.js';
import { GENESIS_PREV, sealEntry, type AuditEntry } from '../../core/audit/entry.js';
import { verifyChain } from '../../core/audit/verify.js';
import { verifyAuditDb } from '../../core/audit/verify-db.js';
import { generateIdentity, toHex } from '../../core/protocol/identity.js';

const key = generateIdentity();
let dir: string;
let db: Db;
let log: AuditLog;
let chain: AuditEntry[];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fl-audit-verify-'));
  db = openAuditDb(dir);
  log = new AuditLog(db, key, { checkpointEvery: 16 });
  for (let i = 0; i < 19; i++) {
    if (i % 4 === 0) log.result(log.intent({ action: 'flash.install', device: `gw-${i}`, params: { bundle: 'b'.repeat(64) } }), 'ok');
    else log.event({ action: 'discovery.scan', params: { found: i } });
  }
  chain = [...log.range(1, log.head().seq)];
});
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Re-seals entries from index `from` with new seqs, keeping their prev (what a lazy forger does). */
function renumber(entries: AuditEntry[], from: number, delta: number): AuditEntry[] {
  return entries.map((e, i) => (i < from ? e : sealEntry({ ...e, seq: e.seq + delta })));
}

function bad(entries: Iterable<unknown>, checkpoints: { source: string; checkpoint: unknown }[] = []) {
  const report = verifyChain(entries, { checkpoints });
  assert.equal(report.ok, false, 'the chain must not verify');
  return report;
}

describe('verifyChain', () => {
  test('an untouched chain verifies, with its stored checkpoints', () => {
    assert.equal(chain.length, 25);
    const report = verifyChain(chain, { checkpoints: log.knownCheckpoints() });
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
    assert.equal(report.entries, 25);
    assert.deepEqual(report.head, log.head());
    assert.deepEqual(
      report.checkpoints.map((c) => [c.seq, c.ok]),
      [[16, true]],
    );
    assert.equal(chain[0]!.action, 'audit.log-created');
    assert.equal(chain[0]!.params.publicKey, toHex(key.publicKey));
  });

  test('edited entry: its hash no longer matches → that seq', () => {
    const edited = chain.map((e) => (e.seq === 7 ? { ...e, params: { found: 999 } } : e));
    assert.deepEqual(bad(edited).firstBad, { seq: 7, reason: '#7: hash does not match its content (edited)' });
  });

  test('edited and re-hashed entry: the next one no longer links to it → that seq', () => {
    const edited = chain.map((e) => (e.seq === 7 ? sealEntry({ ...e, device: 'another-gateway' }) : e));
    const report = bad(edited);
    assert.equal(report.firstBad?.seq, 7);
    assert.match(report.firstBad!.reason, /^#8: prev does not link to #7 \(#7 was inserted or replaced/);
  });

  test('deleted entry → the missing seq', () => {
    assert.deepEqual(bad(chain.filter((e) => e.seq !== 9)).firstBad, { seq: 9, reason: '#9 missing (deleted)' });
    assert.deepEqual(bad(chain.filter((e) => e.seq < 9 || e.seq > 11)).firstBad, { seq: 9, reason: '#9–#11 missing (deleted)' });
    // The first entry too: the chain must start with the log's creation.
    assert.equal(bad(chain.slice(1)).firstBad?.seq, 1);
  });

  test('reordered entries → the one that comes too late', () => {
    const swapped = [...chain];
    [swapped[9], swapped[10]] = [swapped[10]!, swapped[9]!]; // #10 and #11
    assert.deepEqual(bad(swapped).firstBad, { seq: 10, reason: '#10 appears after #11 (reordered)' });
    const moved = [...chain.slice(0, 4), ...chain.slice(5, 12), chain[4]!, ...chain.slice(12)]; // #5 after #12
    assert.deepEqual(bad(moved).firstBad, { seq: 5, reason: '#5 appears after #12 (reordered)' });
  });

  test('inserted entry (later ones renumbered and re-hashed) → the inserted seq', () => {
    const forged = sealEntry({ ...chain[5]!, seq: 7, prev: chain[5]!.hash, action: 'config.set', params: { forged: true } });
    const inserted = [...chain.slice(0, 6), forged, ...renumber(chain.slice(6), 0, 1)];
    const report = bad(inserted);
    assert.equal(report.firstBad?.seq, 7);
    assert.match(report.firstBad!.reason, /^#8: prev does not link to #7/);
  });

  test('a duplicated entry and a stray entry of another log are named', () => {
    assert.deepEqual(bad([...chain.slice(0, 5), chain[4]!, ...chain.slice(5)]).firstBad, { seq: 5, reason: '#5 appears twice' });
    const other = sealEntry({ ...chain[3]!, log: 'b'.repeat(64) });
    assert.match(bad(chain.map((e, i) => (i === 3 ? other : e))).firstBad!.reason, /^#4 belongs to another log/);
  });

  test('malformed values are reported by position', () => {
    const values: unknown[] = [...chain.slice(0, 4), 'not an entry', ...chain.slice(5)];
    const report = bad(values);
    assert.deepEqual(report.firstBad, { seq: 5, reason: 'entry 5 is malformed: entry: Invalid input: expected object, received string' });
    const missingField = { ...chain[4]!, action: undefined };
    assert.match(bad([...chain.slice(0, 4), missingField]).firstBad!.reason, /^entry 5 is malformed: action:/);
    assert.match(bad([null]).firstBad!.reason, /^entry 1 is malformed/);
  });

  test('a first entry that is not the log-created event, or whose key is not the log, is refused', () => {
    const notCreated = sealEntry({ ...chain[0]!, action: 'discovery.scan' });
    assert.match(bad([notCreated]).firstBad!.reason, /#1 must be the audit.log-created event/);
    const otherKey = sealEntry({ ...chain[0]!, params: { publicKey: toHex(generateIdentity().publicKey) } });
    assert.match(bad([otherKey]).firstBad!.reason, /does not hash to the log's id/);
    const badGenesis = sealEntry({ ...chain[0]!, prev: 'f'.repeat(64) });
    assert.match(bad([badGenesis]).firstBad!.reason, /prev is not 64 zeros/);
    assert.equal(GENESIS_PREV, '0'.repeat(64));
  });

  test('a range verifies from where it starts when told (expectFirst)', () => {
    const report = verifyChain(chain.slice(9), { expectFirst: { seq: 10, prev: chain[8]!.hash } });
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
    assert.equal(verifyChain(chain.slice(9), { expectFirst: { seq: 10, prev: 'e'.repeat(64) } }).ok, false);
  });
});

describe('verifyChain with checkpoints', () => {
  const witness = (cp: Checkpoint, device = 'gw-7'): { source: string; checkpoint: unknown } => ({
    source: `gateway ${device}`,
    checkpoint: cp,
  });

  test('a checkpoint beyond the last entry: the tail was cut off', () => {
    const cp = signCheckpoint(key, 24, chain[23]!.hash, 1);
    const report = bad(chain.slice(0, 20), [witness(cp)]);
    assert.deepEqual(report.truncated, { checkpointSeq: 24, lastSeq: 20, source: 'gateway gw-7' });
    assert.deepEqual(report.firstBad, {
      seq: 21,
      reason: 'the log ends at #20 but a checkpoint signed by this laptop on gateway gw-7 covers #24: entries were cut off',
    });
    assert.equal(verifyChain(chain, { checkpoints: [witness(cp)] }).ok, true);
  });

  test('a forged checkpoint (signature does not verify) is refused', () => {
    const real = signCheckpoint(key, 20, chain[19]!.hash, 1);
    const forged = { ...real, seq: 30 };
    const report = bad(chain, [witness(forged)]);
    assert.equal(report.truncated, undefined, 'an unsigned claim must not count as a witness');
    assert.match(report.checkpoints[0]!.reason!, /signature does not verify/);
    const otherKey = signCheckpoint(generateIdentity(), 20, chain[19]!.hash, 1);
    assert.match(bad(chain, [witness(otherKey)]).checkpoints[0]!.reason!, /checkpoint is for log/);
  });

  test('a chain rewritten from #5 on (every hash recomputed) is caught by the checkpoint', () => {
    const rewritten: AuditEntry[] = chain.slice(0, 4);
    for (const e of chain.slice(4)) {
      const prev = rewritten[rewritten.length - 1]!.hash;
      rewritten.push(sealEntry({ ...e, prev, params: e.seq === 5 ? { forged: true } : e.params }));
    }
    assert.equal(verifyChain(rewritten).ok, true, 'without a checkpoint the forgery is consistent');
    const report = bad(rewritten, log.knownCheckpoints());
    assert.equal(report.firstBad?.seq, 16);
    assert.match(
      report.firstBad!.reason,
      /the checkpoint on audit.db signed #16 with hash .*, but #16 now hashes to .*: the log was rewritten up to #16/,
    );
  });

  test('streams 100,000 entries with bounded memory', () => {
    const big = generateIdentity();
    const created = sealEntry({ ...chain[0]!, log: big.id, params: { publicKey: toHex(big.publicKey) } });
    let last = created;
    function* entries(): Generator<AuditEntry> {
      yield created;
      for (let seq = 2; seq <= 100_000; seq++) {
        last = sealEntry({ ...chain[1]!, log: big.id, seq, prev: last.hash, params: { n: seq } });
        yield last;
      }
    }
    const report = verifyChain(entries(), {
      checkpoints: [{ source: 'receiver', checkpoint: signCheckpoint(big, 100_000, 'f'.repeat(64), 1) }],
    });
    assert.equal(report.entries, 100_000);
    assert.equal(report.firstBad?.seq, 100_000, 'the checkpoint with a wrong head is reported');
  });
});

describe('audit.db tampering', () => {
  test('triggers keep entries and checkpoints append-only; verify names an edit made behind them', () => {
    const tdir = mkdtempSync(join(tmpdir(), 'fl-audit-tamper-'));
    try {
      const tdb = openAuditDb(tdir);
      const tlog = new AuditLog(tdb, generateIdentity(), { checkpointEvery: 8 });
      for (let i = 0; i < 12; i++) tlog.event({ action: 'discovery.scan', params: { i } });
      assert.throws(() => tdb.prepare("UPDATE audit_entries SET entry = '{}' WHERE seq = 3").run(), /audit entries are append-only/);
      assert.throws(() => tdb.prepare('DELETE FROM audit_entries WHERE seq = 13').run(), /audit entries are append-only/);
      assert.throws(() => tdb.prepare('DELETE FROM audit_checkpoints').run(), /audit checkpoints are append-only/);
      assert.equal(verifyAuditDb(tdb).ok, true);
      tdb.close();

      const raw = new Database(join(tdir, 'audit.db'));
      raw.exec('DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete;');
      const row = raw.prepare('SELECT entry FROM audit_entries WHERE seq = 6').get() as { entry: string };
      const edited = { ...(JSON.parse(row.entry) as AuditEntry), params: { i: 'forged' } };
      raw.prepare('UPDATE audit_entries SET entry = ? WHERE seq = 6').run(canonicalJson(edited));
      raw.close();

      const again = openAuditDb(tdir);
      const report = verifyAuditDb(again);
      assert.deepEqual(report.firstBad, { seq: 6, reason: '#6: hash does not match its content (edited)' });
      assert.equal(report.checkpoints.find((c) => c.seq === 8)?.ok, true, 'entry #8 itself is intact');
      again.prepare('DELETE FROM audit_entries WHERE seq > 10').run();
      const cut = verifyAuditDb(again);
      assert.equal(cut.firstBad?.seq, 6, 'the first problem is still the edit');
      again.close();
    } finally {
      rmSync(tdir, { recursive: true, force: true });
    }
  });
});
