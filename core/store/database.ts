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
  // 2: the trust store (signing keys with roles, per-kind thresholds) and the bundle library.
  `CREATE TABLE trust_keys (
     key_id TEXT PRIMARY KEY,          -- hex SHA-256 of the raw 32-byte Ed25519 public key
     public_key TEXT NOT NULL,         -- hex, raw 32 bytes
     name TEXT NOT NULL,
     roles TEXT NOT NULL,              -- JSON array: "image-signer", "model-signer"
     source TEXT NOT NULL,             -- "demo-root" | "imported"
     added_at INTEGER NOT NULL,
     expires_at INTEGER,               -- ms since epoch; NULL = no expiry
     revoked_at INTEGER,
     revoked_reason TEXT
   );
   CREATE TABLE trust_thresholds (
     kind TEXT PRIMARY KEY,            -- "os-image" | "firmware" | "model"
     threshold INTEGER NOT NULL CHECK (threshold >= 1)
   );
   CREATE TABLE bundles (
     id TEXT PRIMARY KEY,              -- hex SHA-256 of the whole .flb file
     file_name TEXT NOT NULL,
     path TEXT NOT NULL,               -- the copy kept in the library folder
     size INTEGER NOT NULL,
     kind TEXT,                        -- NULL when the manifest could not be read
     name TEXT,
     version TEXT,
     imported_at INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('verified', 'refused')),
     reason_code TEXT,                 -- first failed check when refused
     report TEXT NOT NULL              -- JSON verification report
   );`,
  // 3: small engine facts that are not worth a table each (the trusted-time floor).
  `CREATE TABLE app_state (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL               -- JSON
   );`,
  // 4: flash jobs (bundle × gateways), one row per gateway, and every step each gateway went through.
  `CREATE TABLE flash_jobs (
     id TEXT PRIMARY KEY,
     bundle_id TEXT NOT NULL,          -- the library bundle (SHA-256 of the .flb), also the artifact name
     bundle_name TEXT,
     bundle_kind TEXT,
     bundle_version TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     parallel INTEGER NOT NULL CHECK (parallel >= 1),
     state TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted'))
   );
   CREATE TABLE flash_targets (
     job_id TEXT NOT NULL REFERENCES flash_jobs(id) ON DELETE CASCADE,
     device_id TEXT NOT NULL,
     device_name TEXT NOT NULL,
     step TEXT NOT NULL,               -- preflight | transfer | verify | install | activate | health | confirm | rollback | done
     state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'interrupted')),
     bytes_sent INTEGER NOT NULL DEFAULT 0,
     bytes_total INTEGER NOT NULL DEFAULT 0,
     resumed_from INTEGER,             -- device-held bytes when the last transfer attempt began
     error_code TEXT,
     error_message TEXT,
     from_version TEXT,
     to_version TEXT,
     rollback TEXT,                    -- NULL | rolled-back | rolled-back-by-gateway | rollback-failed
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (job_id, device_id)
   );
   CREATE TABLE flash_steps (
     job_id TEXT NOT NULL REFERENCES flash_jobs(id) ON DELETE CASCADE,
     device_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     step TEXT NOT NULL,
     outcome TEXT NOT NULL,            -- started | ok | failed | skipped | cancelled
     detail TEXT,
     at INTEGER NOT NULL,
     PRIMARY KEY (job_id, device_id, seq)
   );`,
  // 5: what a flash job must still know after the app restarts and for the record left on site:
  // the paths each gateway was reached over, what it said it is, the transfer figures, and the
  // bundle as it was flashed (it may leave the library later).
  `ALTER TABLE flash_targets ADD COLUMN paths TEXT NOT NULL DEFAULT '[]';   -- JSON DevicePath[]
   ALTER TABLE flash_targets ADD COLUMN device TEXT;                       -- JSON: vendor, model, serial, hardware revision
   ALTER TABLE flash_targets ADD COLUMN transfer_bytes INTEGER NOT NULL DEFAULT 0;  -- payload bytes sent, every attempt
   ALTER TABLE flash_targets ADD COLUMN transfer_ms INTEGER NOT NULL DEFAULT 0;     -- time spent sending them
   ALTER TABLE flash_jobs ADD COLUMN bundle TEXT;                          -- JSON: file name, size, signers, counter`,
  // 6: benchmark runs with their raw samples (comparable run to run, device to device) and
  // inference diagnoses, both kept as the record of what a gateway did on site.
  `CREATE TABLE bench_runs (
     id TEXT PRIMARY KEY,
     device_id TEXT NOT NULL,
     device_name TEXT NOT NULL,
     hardware_class TEXT NOT NULL,     -- the gateway's model, which baselines are given for
     model_sha256 TEXT NOT NULL,       -- hex SHA-256 of the .onnx file the gateway ran
     model_name TEXT NOT NULL,
     model_version TEXT NOT NULL,
     settings TEXT NOT NULL,           -- JSON: warmup, iterations, threads
     run TEXT NOT NULL,                -- JSON: what the gateway reported (load time, memory, providers, cancelled)
     samples BLOB NOT NULL,            -- per-inference latencies in µs, Float64 little-endian
     stats TEXT NOT NULL,              -- JSON LatencyStats
     verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'warn', 'fail', 'no-baseline')),
     reasons TEXT NOT NULL,            -- JSON string[]
     baseline TEXT,                    -- JSON { id, label } of the bundle judged against; NULL when none
     created_at INTEGER NOT NULL
   );
   CREATE INDEX bench_runs_device ON bench_runs (device_id, created_at);
   CREATE TABLE diagnoses (
     id TEXT PRIMARY KEY,
     device_id TEXT NOT NULL,
     device_name TEXT NOT NULL,
     bundle_id TEXT NOT NULL,          -- the library bundle used as the reference
     bundle_label TEXT NOT NULL,
     verdict TEXT NOT NULL,            -- pass | wrong-model | drift | load-failed | not-installed | error
     explanation TEXT NOT NULL,
     comparisons TEXT NOT NULL,        -- JSON: per golden case and output
     detail TEXT NOT NULL,             -- JSON: cases, failed cases, model hashes, notes
     created_at INTEGER NOT NULL
   );
   CREATE INDEX diagnoses_device ON diagnoses (device_id, created_at);`,
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
