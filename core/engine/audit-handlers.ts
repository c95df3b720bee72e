/**
 * The API handlers of the audit log: the timeline, verification (against every checkpoint the
 * laptop knows of), the sneakernet export, witnesses on gateways, and the upload queue.
 */
import { ApiError } from '../api/contract.js';
import type { Handlers } from '../api/dispatch.js';
import type { AuditStatus, SyncStatusShape } from '../api/audit-schemas.js';
import type { AuditLog } from '../audit/audit-log.js';
import { exportText } from '../audit/export-file.js';
import { exchangeWitness, judgeWitness } from './audit-witness.js';
import type { FgpPeer } from '../protocol/peer.js';

type AuditMethods = 'audit.list' | 'audit.verify' | 'audit.status' | 'audit.configure' | 'audit.sync' | 'audit.export' | 'audit.witness';

/** The upload queue as the handlers see it (core/audit's uploader behind it). */
export interface AuditSyncPort {
  status(): SyncStatusShape;
  /** First entry the receiver has not acknowledged. */
  firstPending(): number;
  configure(patch: { endpoint?: string | null; token?: string | null; format?: 'fieldline' | 'otlp'; batchSize?: number }): SyncStatusShape;
  syncNow(): Promise<SyncStatusShape>;
}

export interface AuditEngineDeps {
  readonly log: AuditLog;
  readonly keyProtection: AuditStatus['keyProtection'];
  readonly sync: AuditSyncPort;
  readonly site: { get(): string | null; set(site: string | null): void };
  /** An authenticated session with the gateway, for the witness. */
  readonly withGateway: <T>(deviceId: string, use: (session: { readonly peer: FgpPeer }) => Promise<T>) => Promise<T>;
  readonly now: () => number;
}

export function auditHandlers(deps: AuditEngineDeps): Pick<Handlers, AuditMethods> {
  const { log } = deps;
  const status = (): AuditStatus => {
    const checkpoint = log.latestCheckpoint();
    return {
      logId: log.logId,
      head: log.head(),
      keyProtection: deps.keyProtection,
      site: deps.site.get(),
      lastCheckpoint: checkpoint ? { seq: checkpoint.seq, time: checkpoint.time } : null,
      sync: deps.sync.status(),
    };
  };
  return {
    'audit.list': async (params) => {
      const page = log.list({ ...params, limit: params.limit + 1 });
      return { entries: page.slice(0, params.limit), more: page.length > params.limit };
    },
    // Reads every stored row (a malformed one is reported, not thrown), with every checkpoint
    // the laptop knows of: stored ones and those left on gateways.
    'audit.verify': async () => ({ ...log.verify(), checkedAt: deps.now() }),
    'audit.status': async () => status(),
    'audit.configure': async ({ site, ...sync }) => {
      if (site !== undefined) deps.site.set(site ? site : null);
      if (sync.endpoint !== undefined || sync.token !== undefined || sync.format !== undefined || sync.batchSize !== undefined) {
        try {
          deps.sync.configure(sync);
        } catch (err) {
          throw new ApiError('bad_sync_config', (err as Error).message);
        }
      }
      return status();
    },
    'audit.sync': async () => deps.sync.syncNow(),
    'audit.export': async ({ first, last }) => {
      const head = log.head();
      const range = { first: first ?? Math.min(deps.sync.firstPending(), head.seq), last: last ?? head.seq };
      if (range.first > range.last || range.last > head.seq)
        throw new ApiError('bad_range', `there are no entries #${range.first}–#${range.last}: the log holds #1–#${head.seq}`);
      const { text, ...written } = await exportText(log, range);
      const fileName = `fieldline-audit-${log.logId.slice(0, 12)}-${written.first}-${written.last}.fieldline-audit.jsonl`;
      return { fileName, mediaType: 'application/jsonl', content: text, ...written };
    },
    'audit.witness': async ({ deviceId }) => {
      const answer = await deps.withGateway(deviceId, ({ peer }) => exchangeWitness(peer, log.logId));
      const verdict = judgeWitness(log, answer.stored);
      const stored = answer.stored ? { seq: answer.stored.seq, head: answer.stored.head, time: answer.stored.time } : null;
      return { deviceId, stored, ...verdict };
    },
  };
}
