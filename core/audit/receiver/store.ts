/**
 * The reference receiver's store: its own SQLite file (WAL, synchronous FULL, both asserted),
 * entries unique by (log, seq), the contiguous ranges held per log (so gaps are reported without
 * scanning), the latest checkpoint per log (a witness of the chain's length) and the idempotency
 * keys of stored batches. One transaction per batch: a rejected batch leaves nothing behind.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalJson } from '../canonical.js';
import type { Checkpoint } from '../checkpoint.js';
import type { AuditEntry } from '../entry.js';
import type { IngestRun, Rejection } from './checks.js';

export type Gap = readonly [from: number, to: number];

export interface LogState {
  readonly head: { seq: number; hash: string } | null;
  readonly gaps: readonly Gap[];
  readonly checkpoint: Checkpoint | null;
}

export interface IngestResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly head: { seq: number; hash: string } | null;
  readonly gaps: readonly Gap[];
}

export type IngestOutcome = { ok: true; result: IngestResult } | { ok: false; rejection: Rejection };

// Entries and ranges key on the log's small integer id: 64-hex log ids in every B-tree key would
// triple the index size for nothing.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS logs (
    id INTEGER PRIMARY KEY, log TEXT NOT NULL UNIQUE, public_key TEXT NOT NULL, first_seen INTEGER NOT NULL,
    checkpoint_seq INTEGER, checkpoint TEXT        -- the latest checkpoint received: a witness of the chain's length
  );
  CREATE TABLE IF NOT EXISTS entries (
    log_id INTEGER NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL, prev TEXT NOT NULL,
    entry TEXT NOT NULL,              -- JSON of the entry incl. hash (the hash is over its canonical form)
    received_at INTEGER NOT NULL,
    PRIMARY KEY (log_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS ranges (  -- contiguous runs held, merged on insert
    log_id INTEGER NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL, PRIMARY KEY (log_id, first)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS batches (
    idempotency_key TEXT PRIMARY KEY, log TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,
    accepted INTEGER NOT NULL, duplicates INTEGER NOT NULL, at INTEGER NOT NULL
  );`;

export class ReceiverStore {
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    // A receiver that can lose acknowledged entries on power loss would break "exactly once".
    const journal = this.db.pragma('journal_mode', { simple: true });
    const sync = this.db.pragma('synchronous', { simple: true });
    if (journal !== 'wal' || sync !== 2) {
      this.db.close();
      throw new Error(`receiver database ${file}: journal_mode=${String(journal)} synchronous=${String(sync)}, need wal and FULL (2)`);
    }
    this.db.exec(SCHEMA);
    this.stmts = {
      range: this.db.prepare<[number, number, number], { seq: number; hash: string }>(
        'SELECT seq, hash FROM entries WHERE log_id = ? AND seq BETWEEN ? AND ?',
      ),
      hashAt: this.db.prepare<[number, number], { hash: string; prev: string }>(
        'SELECT hash, prev FROM entries WHERE log_id = ? AND seq = ?',
      ),
      insert: this.db.prepare<[number, number, string, string, string, number]>(
        'INSERT INTO entries (log_id, seq, hash, prev, entry, received_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      head: this.db.prepare<[number], { seq: number; hash: string }>(
        'SELECT seq, hash FROM entries WHERE log_id = ? ORDER BY seq DESC LIMIT 1',
      ),
      count: this.db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM entries WHERE log_id = ?'),
      ranges: this.db.prepare<[number], { first: number; last: number }>('SELECT first, last FROM ranges WHERE log_id = ? ORDER BY first'),
      touching: this.db.prepare<[number, number, number], { first: number | null; last: number | null }>(
        'SELECT MIN(first) AS first, MAX(last) AS last FROM ranges WHERE log_id = ? AND last >= ? AND first <= ?',
      ),
      dropTouching: this.db.prepare<[number, number, number]>('DELETE FROM ranges WHERE log_id = ? AND last >= ? AND first <= ?'),
      addRange: this.db.prepare<[number, number, number]>('INSERT INTO ranges (log_id, first, last) VALUES (?, ?, ?)'),
      log: this.db.prepare<[string], { id: number; public_key: string; checkpoint_seq: number | null; checkpoint: string | null }>(
        'SELECT id, public_key, checkpoint_seq, checkpoint FROM logs WHERE log = ?',
      ),
      addLog: this.db.prepare<[string, string, number]>('INSERT INTO logs (log, public_key, first_seen) VALUES (?, ?, ?)'),
      setCheckpoint: this.db.prepare<[number, string, number]>('UPDATE logs SET checkpoint_seq = ?, checkpoint = ? WHERE id = ?'),
      batch: this.db.prepare<[string], { log: string; first: number; last: number }>(
        'SELECT log, first, last FROM batches WHERE idempotency_key = ?',
      ),
      addBatch: this.db.prepare(
        'INSERT OR IGNORE INTO batches (idempotency_key, log, first, last, accepted, duplicates, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      logs: this.db.prepare<[], { log: string }>('SELECT log FROM logs ORDER BY id'),
      entries: this.db.prepare<[number, number, number], { entry: string }>(
        'SELECT entry FROM entries WHERE log_id = ? AND seq BETWEEN ? AND ? ORDER BY seq',
      ),
    };
  }

  close(): void {
    this.db.close();
  }

  /**
   * Wraps several ingest() calls in one transaction (an export file is stored whole or not at
   * all); ingest() nests as a savepoint inside it.
   */
  begin(): void {
    this.db.exec('BEGIN IMMEDIATE');
  }
  commit(): void {
    this.db.exec('COMMIT');
  }
  rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  /** A batch stored before under this key: answered as all duplicates without reading it again. */
  knownBatch(key: string): IngestResult | null {
    const row = this.stmts.batch.get(key);
    if (!row) return null;
    const state = this.logState(row.log);
    return { accepted: 0, duplicates: row.last - row.first + 1, head: state.head, gaps: state.gaps };
  }

  /**
   * Stores a batch that passed checkBatch: entries already held with the same hash are
   * duplicates, one with another hash is a conflict, and the run must link to the stored
   * neighbours on both sides. All or nothing.
   */
  ingest(batch: IngestRun, key: string | null, now = Date.now()): IngestOutcome {
    const run = this.db.transaction((): IngestOutcome => {
      const known = this.stmts.log.get(batch.log);
      if (known && known.public_key !== batch.publicKey)
        return { ok: false, rejection: { status: 409, error: 'conflict', reason: 'this log is held with another public key' } };
      const id = known?.id ?? -1;
      const stored = new Map<number, string>();
      for (const row of this.stmts.range.all(id, batch.first, batch.last)) stored.set(row.seq, row.hash);
      for (const entry of batch.entries) {
        const hash = stored.get(entry.seq);
        if (hash !== undefined && hash !== entry.hash)
          return {
            ok: false,
            rejection: {
              status: 409,
              error: 'conflict',
              seq: entry.seq,
              reason: `#${entry.seq} is already held with another hash (${hash.slice(0, 12)}…, batch has ${entry.hash.slice(0, 12)}…)`,
            },
          };
      }
      const firstEntry = batch.entries[0]!;
      const lastEntry = batch.entries[batch.entries.length - 1]!;
      const before = batch.first > 1 ? this.stmts.hashAt.get(id, batch.first - 1) : undefined;
      if (before && before.hash !== firstEntry.prev)
        return {
          ok: false,
          rejection: {
            status: 409,
            error: 'chain',
            seq: batch.first,
            reason: `#${batch.first}: prev does not link to the stored #${batch.first - 1}`,
          },
        };
      const after = this.stmts.hashAt.get(id, batch.last + 1);
      if (after && after.prev !== lastEntry.hash)
        return {
          ok: false,
          rejection: {
            status: 409,
            error: 'chain',
            seq: batch.last + 1,
            reason: `the stored #${batch.last + 1} does not link to #${batch.last} of this batch`,
          },
        };
      if (known?.checkpoint && known.checkpoint_seq !== null && known.checkpoint_seq >= batch.first && known.checkpoint_seq <= batch.last) {
        const cp = JSON.parse(known.checkpoint) as Checkpoint;
        if (batch.entries[cp.seq - batch.first]?.hash !== cp.head)
          return {
            ok: false,
            rejection: { status: 409, error: 'chain', seq: cp.seq, reason: `#${cp.seq} does not match the checkpoint the receiver holds` },
          };
      }

      const logId = known ? known.id : Number(this.stmts.addLog.run(batch.log, batch.publicKey, now).lastInsertRowid);
      let accepted = 0;
      for (const entry of batch.entries) {
        if (stored.has(entry.seq)) continue;
        this.stmts.insert.run(logId, entry.seq, entry.hash, entry.prev, JSON.stringify(entry), now);
        accepted++;
      }
      if (accepted) this.mergeRange(logId, batch.first, batch.last);
      if (batch.checkpoint && (!known || known.checkpoint_seq === null || batch.checkpoint.seq >= known.checkpoint_seq))
        this.stmts.setCheckpoint.run(batch.checkpoint.seq, canonicalJson(batch.checkpoint), logId);
      if (key) this.stmts.addBatch.run(key, batch.log, batch.first, batch.last, accepted, batch.entries.length - accepted, now);
      const state = this.logState(batch.log);
      return { ok: true, result: { accepted, duplicates: batch.entries.length - accepted, head: state.head, gaps: state.gaps } };
    });
    return run.immediate();
  }

  private mergeRange(logId: number, first: number, last: number): void {
    const touching = this.stmts.touching.get(logId, first - 1, last + 1);
    const from = Math.min(first, touching?.first ?? first);
    const to = Math.max(last, touching?.last ?? last);
    this.stmts.dropTouching.run(logId, first - 1, last + 1);
    this.stmts.addRange.run(logId, from, to);
  }

  logState(log: string): LogState {
    const row = this.stmts.log.get(log);
    if (!row) return { head: null, gaps: [], checkpoint: null };
    const head = this.stmts.head.get(row.id) ?? null;
    const gaps: Gap[] = [];
    let next = 1;
    for (const range of this.stmts.ranges.all(row.id)) {
      if (range.first > next) gaps.push([next, range.first - 1]);
      next = range.last + 1;
    }
    const checkpoint = row.checkpoint ? (JSON.parse(row.checkpoint) as Checkpoint) : null;
    return { head: head ? { seq: head.seq, hash: head.hash } : null, gaps, checkpoint };
  }

  /** How many entries of `log` are held (a full count: for status pages and tests, not per batch). */
  count(log: string): number {
    const row = this.stmts.log.get(log);
    return row ? (this.stmts.count.get(row.id)?.n ?? 0) : 0;
  }

  logs(): string[] {
    return this.stmts.logs.all().map((r) => r.log);
  }

  /** Stored entries of one log in seq order, a page at a time (bounded memory). */
  *entries(log: string, first = 1, last = Number.MAX_SAFE_INTEGER): IterableIterator<AuditEntry> {
    const row = this.stmts.log.get(log);
    const head = row ? this.stmts.head.get(row.id) : undefined;
    if (!row || !head) return;
    const PAGE = 1000;
    for (let from = first; from <= Math.min(last, head.seq); from += PAGE) {
      for (const r of this.stmts.entries.all(row.id, from, Math.min(last, from + PAGE - 1))) yield JSON.parse(r.entry) as AuditEntry;
    }
  }
}
