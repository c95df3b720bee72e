/**
 * The audit log for CLI commands that act without the engine (profile, pins, trust, info): the
 * same recorder and the same rules as the app, so a change made from a terminal is on the
 * record too, and a command refuses to touch a gateway when the record cannot be written.
 */
import { openAuditDb } from '../core/audit/audit-db.js';
import { keyVaultFor } from '../core/audit/audit-key.js';
import { AuditLog } from '../core/audit/audit-log.js';
import { AuditRecorder } from '../core/engine/audit-recorder.js';
import { packageVersion } from '../core/package-info.js';
import { AppSetting } from '../core/store/app-setting.js';
import type { Db } from '../core/store/database.js';
import { ProfileStore } from '../core/store/profile-store.js';

/** Runs `use` with a recorder on the data folder's audit log, closed afterwards. */
export async function withCliAudit<T>(db: Db, dataDir: string, use: (recorder: AuditRecorder) => Promise<T> | T): Promise<T> {
  const auditDb = openAuditDb(dataDir);
  try {
    const log = new AuditLog(auditDb, keyVaultFor(dataDir).load(), { app: `fieldline/${packageVersion()}` });
    const profiles = new ProfileStore(db, dataDir);
    const site = new AppSetting<string>(db, 'audit.site', (v): v is string => typeof v === 'string');
    const recorder = new AuditRecorder(
      log,
      {
        technician: () => {
          const profile = profiles.get();
          return profile ? { keyId: profile.keyId, name: profile.name } : null;
        },
        site: () => site.get(),
      },
      () => {},
    );
    return await use(recorder);
  } finally {
    auditDb.close();
  }
}
