/**
 * The engine's audit log, opened before anything can act: its own database file (WAL +
 * synchronous=FULL), the laptop's audit key, the recorder that stamps technician and site on
 * every entry, and the upload queue. A store that cannot be opened stops the engine instead of
 * letting it run unrecorded.
 */
import type { EventName } from '../api/contract.js';
import { openAuditDb, type Db as AuditDb } from '../audit/audit-db.js';
import { keyVaultFor, type AuditKeyVault } from '../audit/audit-key.js';
import { AuditLog } from '../audit/audit-log.js';
import { AppSetting } from '../store/app-setting.js';
import type { Db } from '../store/database.js';
import type { ProfileStore } from '../store/profile-store.js';
import { AuditRecorder } from './audit-recorder.js';
import { createAuditSync, type AuditSync } from './audit-sync.js';

export interface EngineAudit {
  readonly db: AuditDb;
  readonly log: AuditLog;
  readonly recorder: AuditRecorder;
  readonly sync: AuditSync;
  readonly keyProtection: AuditKeyVault['protection'];
  readonly site: AppSetting<string>;
  close(): Promise<void>;
}

export interface EngineAuditOptions {
  readonly dataDir: string;
  readonly host: string;
  readonly app: string;
  readonly vault?: AuditKeyVault;
  readonly db: Db;
  readonly profiles: ProfileStore;
  readonly emit: (event: EventName, data: unknown) => void;
  readonly now: () => number;
}

export function openEngineAudit(options: EngineAuditOptions): EngineAudit {
  const db = openAuditDb(options.dataDir);
  const vault = options.vault ?? keyVaultFor(options.dataDir);
  const key = vault.load();
  const log = new AuditLog(db, key, { app: options.app, now: options.now });
  const site = new AppSetting<string>(options.db, 'audit.site', (v): v is string => typeof v === 'string');
  const sync = createAuditSync({ db, log, key, onStatus: (status) => options.emit('audit.sync', status), now: options.now });
  const recorder = new AuditRecorder(
    log,
    {
      technician: () => {
        const profile = options.profiles.get();
        return profile ? { keyId: profile.keyId, name: profile.name } : null;
      },
      site: () => site.get(),
    },
    (entry) => {
      options.emit('audit.appended', { seq: entry.seq, action: entry.action, device: entry.device });
      sync.notify();
    },
  );
  try {
    // Marks where each engine run begins: an intent before this with no result was cut off.
    recorder.event('app.start', null, { host: options.host, session: log.session });
  } catch {
    // A full disk must not keep the app from opening; every action is refused until it clears.
  }
  return {
    db,
    log,
    recorder,
    sync,
    keyProtection: vault.protection,
    site,
    async close() {
      await sync.close();
      db.close();
    },
  };
}
