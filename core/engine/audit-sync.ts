/**
 * The upload queue as the engine runs it: core/audit's uploader in the background, its status in
 * the API's shape, and the API's configure call mapped onto the stored sync configuration.
 */
import type { SyncStatusShape } from '../api/audit-schemas.js';
import type { Db } from '../audit/audit-db.js';
import type { AuditLog } from '../audit/audit-log.js';
import { secretBoxFor } from '../audit/secret-box.js';
import { AuditUploader, auditLogSource, type SyncStatus } from '../audit/uploader.js';
import type { Ed25519Identity } from '../protocol/identity.js';
import type { AuditSyncPort } from './audit-handlers.js';

export interface AuditSyncDeps {
  readonly db: Db;
  readonly log: AuditLog;
  readonly key: Ed25519Identity;
  readonly onStatus: (status: SyncStatusShape) => void;
  readonly now: () => number;
}

export interface AuditSync extends AuditSyncPort {
  /** New entries: upload soon when a receiver is reachable. */
  notify(): void;
  close(): Promise<void>;
}

export function toSyncShape(status: SyncStatus): SyncStatusShape {
  return {
    state: status.state,
    endpoint: status.endpoint,
    format: status.format ?? 'fieldline',
    pending: status.pending,
    ackedSeq: status.ackedSeq,
    lastSuccess: status.lastSuccess,
    lastError: status.lastError ? status.lastError.message : null,
    nextAttempt: status.nextAttempt,
  };
}

export function createAuditSync(deps: AuditSyncDeps): AuditSync {
  const uploader = new AuditUploader({
    db: deps.db,
    source: auditLogSource(deps.log, deps.key),
    secrets: secretBoxFor(deps.key),
    onStatus: (status) => deps.onStatus(toSyncShape(status)),
    now: deps.now,
    app: deps.log.app,
  });
  uploader.start();
  return {
    status: () => toSyncShape(uploader.status()),
    firstPending: () => uploader.status().ackedSeq + 1,
    configure: ({ endpoint, token, format, batchSize }) => {
      uploader.configure({
        ...(endpoint === null ? { enabled: false } : endpoint !== undefined ? { endpoint, enabled: true } : {}),
        ...(token !== undefined ? { token } : {}),
        ...(format !== undefined ? { format } : {}),
        ...(batchSize !== undefined ? { batchSize } : {}),
      });
      return toSyncShape(uploader.status());
    },
    syncNow: async () => {
      await uploader.syncNow();
      return toSyncShape(uploader.status());
    },
    notify: () => uploader.notify(),
    close: () => uploader.stop(),
  };
}
