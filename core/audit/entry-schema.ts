/**
 * The audit entry v1 schema, on its own so the API contract (and through it the UI) can share it
 * without pulling in node:crypto. entry.ts adds hashing; docs/audit-format.md is the spec.
 */
import { z } from 'zod';
import type { JsonValue } from './json-value.js';

export const AUDIT_FORMAT_VERSION = 1;
export const GENESIS_PREV = '0'.repeat(64);

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

/** `intent` is written before a device is touched, `result` after (naming its intent); `event` stands alone. */
export const entryPhase = z.enum(['intent', 'result', 'event']);
export const entryResult = z.enum(['ok', 'failed', 'refused', 'cancelled']);

export const auditEntrySchema = z
  .object({
    v: z.literal(AUDIT_FORMAT_VERSION),
    log: hex64,
    seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    time: z.number().int().min(0), // wall clock, ms since the Unix epoch (UTC)
    mono: z.number().int().min(0), // monotonic µs since `session` started: orders entries if the wall clock jumps
    session: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex digits'),
    technician: z
      .object({ keyId: hex64, name: z.string().max(200) })
      .strict()
      .nullable(),
    site: z.string().max(200).nullable(),
    device: z.string().max(128).nullable(),
    action: z
      .string()
      .regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/, 'must be dotted lowercase words, e.g. "flash.transfer"')
      .max(64),
    phase: entryPhase,
    intent: z.number().int().min(1).nullable(),
    params: z.record(z.string(), jsonValue),
    result: entryResult.nullable(),
    error: z
      .object({ code: z.string().max(64), message: z.string().max(2000) })
      .strict()
      .nullable(),
    app: z.string().max(64),
    prev: hex64,
    hash: hex64,
  })
  .strict()
  .superRefine((entry, ctx) => {
    if (entry.phase === 'intent' && entry.result !== null)
      ctx.addIssue({ code: 'custom', path: ['result'], message: 'an intent has no result' });
    if (entry.phase === 'result' && entry.result === null)
      ctx.addIssue({ code: 'custom', path: ['result'], message: 'a result entry needs a result' });
    if (entry.phase !== 'result' && entry.intent !== null)
      ctx.addIssue({ code: 'custom', path: ['intent'], message: 'only a result entry names an intent' });
    if (entry.intent !== null && entry.intent >= entry.seq)
      ctx.addIssue({ code: 'custom', path: ['intent'], message: 'a result must follow its intent' });
  });

export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type EntryPhase = z.infer<typeof entryPhase>;
export type EntryResult = z.infer<typeof entryResult>;
