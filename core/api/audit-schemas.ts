/**
 * API shapes of the audit log: entries as stored (the v1 entry schema itself), the chain's
 * verification report, and the offline queue's sync status.
 */
import { z } from 'zod';
import { auditEntrySchema, entryResult } from '../audit/entry-schema.js';

const hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

export const auditEntry = auditEntrySchema;

export const auditListParams = z
  .object({
    deviceId: z.string().min(1).max(128).optional(),
    /** An action or an action prefix: "flash" matches "flash.transfer". */
    action: z
      .string()
      .regex(/^[a-z][a-z0-9.-]*$/, 'an action is dotted lowercase words')
      .max(64)
      .optional(),
    result: entryResult.optional(),
    /** ms since the epoch, inclusive. */
    from: z.number().int().min(0).optional(),
    to: z.number().int().min(0).optional(),
    /** Entries before this sequence number (paging back through the timeline). */
    before: z.number().int().min(1).optional(),
    limit: z.number().int().min(1).max(1000, 'limit is at most 1000').default(200),
  })
  .strict();

export const auditPage = z.object({ entries: z.array(auditEntry), more: z.boolean() });

export const chainReport = z.object({
  ok: z.boolean(),
  entries: z.number().int(),
  head: z.object({ seq: z.number().int(), hash: hex }).nullable(),
  firstBad: z.object({ seq: z.number().int(), reason: z.string() }).optional(),
  checkpoints: z.array(z.object({ seq: z.number().int(), source: z.string(), ok: z.boolean(), reason: z.string().optional() })),
  truncated: z.object({ checkpointSeq: z.number().int(), lastSeq: z.number().int(), source: z.string() }).optional(),
  checkedAt: z.number(),
});

export const syncState = z.enum(['disabled', 'idle', 'syncing', 'offline', 'error']);

export const syncStatus = z.object({
  state: syncState,
  endpoint: z.string().nullable(),
  format: z.enum(['fieldline', 'otlp']),
  pending: z.number().int(),
  ackedSeq: z.number().int(),
  lastSuccess: z.number().nullable(),
  lastError: z.string().nullable(),
  nextAttempt: z.number().nullable(),
});

export const auditStatus = z.object({
  logId: hex,
  head: z.object({ seq: z.number().int(), hash: hex }),
  /** How the laptop's audit key is kept: the OS keychain (Electron safeStorage) or a 0600 file. */
  keyProtection: z.enum(['os-keychain', 'passphrase', 'file-permissions']),
  site: z.string().nullable(),
  lastCheckpoint: z.object({ seq: z.number().int(), time: z.number() }).nullable(),
  sync: syncStatus,
});

export const auditConfigureParams = z
  .object({
    /** Where the site's entries go (https://…; http only to this machine); null turns upload off. */
    endpoint: z.string().url('give a full URL, e.g. https://audit.example.com').nullable().optional(),
    token: z.string().min(1).max(4096).nullable().optional(),
    format: z.enum(['fieldline', 'otlp']).optional(),
    batchSize: z.number().int().min(1).max(5000).optional(),
    /** The site recorded with every entry from now on (e.g. "Plant 4, line 2"). */
    site: z.string().trim().max(200).nullable().optional(),
  })
  .strict();

export const auditExportParams = z
  .object({
    /** Default: everything the receiver has not acknowledged yet. */
    first: z.number().int().min(1).optional(),
    last: z.number().int().min(1).optional(),
  })
  .strict();

export const auditExport = z.object({
  fileName: z.string(),
  mediaType: z.string(),
  content: z.string(),
  first: z.number().int(),
  last: z.number().int(),
  count: z.number().int(),
});

/** A gateway's witness: the latest checkpoint of this laptop's log it holds, and what it says. */
export const witnessCheck = z.object({
  deviceId: z.string(),
  stored: z.object({ seq: z.number().int(), head: hex, time: z.number() }).nullable(),
  ok: z.boolean(),
  reason: z.string(),
});

export const auditAppended = z.object({ seq: z.number().int(), action: z.string(), device: z.string().nullable() });

export type AuditListParams = z.input<typeof auditListParams>;
export type AuditPage = z.infer<typeof auditPage>;
export type ChainReportShape = z.infer<typeof chainReport>;
export type SyncStatusShape = z.infer<typeof syncStatus>;
export type AuditStatus = z.infer<typeof auditStatus>;
export type AuditExport = z.infer<typeof auditExport>;
export type WitnessCheck = z.infer<typeof witnessCheck>;
