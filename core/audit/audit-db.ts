/**
 * audit.db: the audit log's own SQLite file.
 *
 * A file of its own so this connection can run WAL with `synchronous = FULL` (better-sqlite3's
 * WAL default, NORMAL, can lose the last commits on power loss) without slowing the engine's
 * other tables. Both settings are read back and asserted: an entry that is reported written
 * must survive a power cut.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../store/database.js';

export type { Db };

const APPEND_ONLY = (table: string, what: string): string =>
  `CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${what} are append-only'); END;
   CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${what} are append-only'); END;`;

/**
 * Append-only: a released migration is never edited, only followed by a new one.
 * Migration 2 (sync state: audit_sync_state, audit_batches, audit_sync_config) belongs to the
 * uploader (helper "audit-sync"): append it after migration 1, with the next number.
 */
export const AUDIT_MIGRATIONS: readonly string[] = [
  // 1: the chain, its signed checkpoints, and the checkpoints left on gateways (witnesses).
  `CREATE TABLE audit_entries (
     seq INTEGER PRIMARY KEY,          -- the entry's seq: 1, 2, 3 … without gaps
     hash TEXT NOT NULL,               -- hex SHA-256 of the canonical entry without "hash"
     entry TEXT NOT NULL,              -- canonical JSON of the whole entry (incl. hash): what is exported
     time INTEGER NOT NULL,            -- ms since the epoch, copied from the entry for filters
     device TEXT,
     action TEXT NOT NULL,
     phase TEXT NOT NULL,
     result TEXT
   );
   CREATE INDEX audit_entries_device ON audit_entries (device, seq);
   CREATE INDEX audit_entries_action ON audit_entries (action, seq);
   CREATE INDEX audit_entries_time ON audit_entries (time);
   CREATE TABLE audit_checkpoints (
     seq INTEGER PRIMARY KEY,          -- the entry the checkpoint signs
     checkpoint TEXT NOT NULL          -- canonical JSON of the signed checkpoint
   );
   CREATE TABLE audit_witnesses (
     device_id TEXT NOT NULL,          -- the gateway the checkpoint was left on
     seq INTEGER NOT NULL,
     checkpoint TEXT NOT NULL,         -- canonical JSON
     at INTEGER NOT NULL,              -- ms since the epoch
     PRIMARY KEY (device_id, seq)
   );
   ${APPEND_ONLY('audit_entries', 'audit entries')}
   ${APPEND_ONLY('audit_checkpoints', 'audit checkpoints')}`,
  // 2: the uploader (core/audit/uploader.ts): its configuration, how far each endpoint has
  // acknowledged the chain, and every batch sent with the receiver's answer.
  `CREATE TABLE audit_sync_config (
     singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
     endpoint TEXT NOT NULL,           -- base URL; https, or http on loopback only
     format TEXT NOT NULL CHECK (format IN ('fieldline', 'otlp')),
     batch_size INTEGER NOT NULL CHECK (batch_size >= 1),
     token TEXT,                       -- bearer token, NULL = none
     ca_file TEXT,                     -- PEM CA to trust for a self-signed receiver
     cert_file TEXT,                   -- PEM client certificate (with key_file)
     key_file TEXT,
     timeout_ms INTEGER NOT NULL CHECK (timeout_ms >= 1),
     enabled INTEGER NOT NULL DEFAULT 1,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE audit_sync_state (
     endpoint TEXT PRIMARY KEY,        -- acknowledgements belong to the receiver that gave them
     acked_seq INTEGER NOT NULL DEFAULT 0,
     acked_hash TEXT,                  -- hash of entry acked_seq as the receiver confirmed it
     last_success INTEGER,             -- ms since the epoch
     last_error TEXT,
     last_error_at INTEGER,
     failures INTEGER NOT NULL DEFAULT 0,  -- consecutive, drives the backoff
     next_attempt INTEGER,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE audit_batches (
     id INTEGER PRIMARY KEY,
     endpoint TEXT NOT NULL,
     first INTEGER NOT NULL,
     last INTEGER NOT NULL,
     idempotency_key TEXT NOT NULL,
     format TEXT NOT NULL,
     acked_at INTEGER NOT NULL,
     accepted INTEGER NOT NULL,
     duplicates INTEGER NOT NULL
   );
   CREATE INDEX audit_batches_endpoint ON audit_batches (endpoint, last);`,
];

export function openAuditDb(dataDir: string, file = 'audit.db'): Db {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, file);
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    assertDurable(db, path);
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Throws unless the connection runs WAL with synchronous = FULL (2). */
export function assertDurable(db: Db, path = db.name): void {
  const mode = String(db.pragma('journal_mode', { simple: true }));
  const sync = Number(db.pragma('synchronous', { simple: true }));
  if (mode.toLowerCase() !== 'wal')
    throw new Error(
      `${path}: the audit database must use journal_mode=WAL but SQLite reports "${mode}" (is the file on a network or read-only filesystem?); Fieldline will not write an audit log that might lose entries`,
    );
  if (sync !== 2)
    throw new Error(
      `${path}: the audit database must use synchronous=FULL (2) but SQLite reports ${sync}; Fieldline will not write an audit log that might lose entries`,
    );
}

function migrate(db: Db): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > AUDIT_MIGRATIONS.length) {
    throw new Error(
      `${db.name} was written by a newer Fieldline (audit schema ${current}, this build knows ${AUDIT_MIGRATIONS.length}); update Fieldline`,
    );
  }
  if (current === AUDIT_MIGRATIONS.length) return;
  const apply = db.transaction(() => {
    for (let v = current; v < AUDIT_MIGRATIONS.length; v++) db.exec(AUDIT_MIGRATIONS[v]!);
    db.pragma(`user_version = ${AUDIT_MIGRATIONS.length}`);
  });
  apply();
}
