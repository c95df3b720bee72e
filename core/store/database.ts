/**
 * The engine's SQLite store: one file, WAL, migrations applied in order inside a transaction.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type Db = Database.Database;

/** Append-only: a released migration is never edited, only followed by a new one. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE profile (
     singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
     name TEXT NOT NULL,
     organisation TEXT NOT NULL,
     key_id TEXT NOT NULL,
     public_key TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE device_pins (
     hardware TEXT PRIMARY KEY,        -- vendor / model / serial, as the device states them
     device_id TEXT NOT NULL,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL
   );`,
];

export function openDatabase(dataDir: string, file = 'fieldline.db'): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, file));
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `this data was written by a newer Fieldline (schema ${current}, this build knows ${MIGRATIONS.length}); update Fieldline`,
    );
  }
  const apply = db.transaction(() => {
    for (let v = current; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  });
  apply();
}
