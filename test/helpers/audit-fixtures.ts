/**
 * Real audit logs for the upload tests: an audit.db in a temp folder with N entries appended in
 * large transactions, and the reference receiver on 127.0.0.1 with its own SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuditDb, type Db } from '../../core/audit/audit-db.js';
import { AuditLog, type AppendDraft } from '../../core/audit/audit-log.js';
import { auditLogSource, AuditUploader, type UploaderOptions } from '../../core/audit/uploader.js';
import { ReceiverStore } from '../../core/audit/receiver/store.js';
import { startReceiver, type Receiver, type ReceiverOptions } from '../../core/audit/receiver/server.js';
import { generateIdentity, type Ed25519Identity } from '../../core/protocol/identity.js';

export interface Laptop {
  readonly dir: string;
  readonly db: Db;
  readonly key: Ed25519Identity;
  readonly log: AuditLog;
  uploader(options?: Partial<UploaderOptions>): AuditUploader;
  close(): void;
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function draft(i: number): AppendDraft {
  const kind = i % 3;
  return kind === 0
    ? { action: 'discovery.scan', params: { found: i % 7 } }
    : kind === 1
      ? { action: 'flash.install', device: 'd'.repeat(64), params: { bundle: 'b'.repeat(64), n: i }, phase: 'intent' }
      : {
          action: 'bench.run',
          device: 'd'.repeat(64),
          params: { model: 'classifier', runs: 20 },
          result: i % 5 === 0 ? 'failed' : 'ok',
          error: i % 5 === 0 ? { code: 'timeout', message: 'no answer' } : null,
        };
}

/** Appends `count` more entries in transactions of up to 5,000. */
export function appendEntries(log: AuditLog, count: number): void {
  for (let done = 0; done < count;) {
    const n = Math.min(5000, count - done);
    log.appendMany(Array.from({ length: n }, (_, i) => draft(done + i)));
    done += n;
  }
}

export function openLaptop(dir: string, key: Ed25519Identity = generateIdentity()): Laptop {
  const db = openAuditDb(dir);
  const log = new AuditLog(db, key);
  return {
    dir,
    db,
    key,
    log,
    uploader: (options = {}) =>
      new AuditUploader({ db, source: auditLogSource(log, key), backoffBaseMs: 5, backoffCapMs: 50, notifyDelayMs: 5, ...options }),
    close: () => db.close(),
  };
}

export interface TestReceiver extends Receiver {
  readonly store: ReceiverStore;
  stop(): Promise<void>;
}

export async function startTestReceiver(file: string, options: Partial<ReceiverOptions> = {}): Promise<TestReceiver> {
  const store = new ReceiverStore(file);
  const receiver = await startReceiver({ store, ...options });
  return {
    ...receiver,
    store,
    stop: async () => {
      await receiver.close();
      store.close();
    },
  };
}
