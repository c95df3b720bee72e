/**
 * The native upload batch: a contiguous run of one log's entries plus a checkpoint for its last.
 *
 * `POST <endpoint>/v1/audit/batches`, body
 * `{"type":"fieldline-audit-batch","v":1,"log","publicKey","first","last","entries":[…],"checkpoint":{…}}`.
 * parseBatch only checks the shape (answer 400 naming the field or entry); hashes, links and the
 * signature are checked by receiver/checks.ts against what the receiver already holds.
 */
import { AUDIT_FORMAT_VERSION, parseEntry, type AuditEntry } from './entry.js';
import { checkpointSchema, type Checkpoint } from './checkpoint.js';

export const BATCH_TYPE = 'fieldline-audit-batch';

/** A receiver refuses bigger batches with 413; the uploader never builds one (default N is 500). */
export const MAX_BATCH_ENTRIES = 10_000;
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;

export interface AuditBatch {
  readonly type: typeof BATCH_TYPE;
  readonly v: typeof AUDIT_FORMAT_VERSION;
  readonly log: string;
  readonly publicKey: string;
  readonly first: number;
  readonly last: number;
  readonly entries: readonly AuditEntry[];
  readonly checkpoint: Checkpoint;
}

/**
 * `<log>:<first>-<last>:<first 16 hex of the hash of entry last>`: the chain range names the
 * batch, so a retry carries the same key and a receiver can drop it without reading it again.
 */
export function idempotencyKey(log: string, first: number, last: number, lastHash: string): string {
  return `${log}:${first}-${last}:${lastHash.slice(0, 16)}`;
}

export function batchKey(batch: Pick<AuditBatch, 'log' | 'first' | 'last' | 'entries'>): string {
  const lastEntry = batch.entries[batch.entries.length - 1];
  return idempotencyKey(batch.log, batch.first, batch.last, lastEntry?.hash ?? '');
}

const KEY_PATTERN = /^[0-9a-f]{64}:[1-9][0-9]{0,15}-[1-9][0-9]{0,15}:[0-9a-f]{16}$/;
export function isIdempotencyKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

/** Builds a batch from consecutive entries of one log and the checkpoint for the last of them. */
export function makeBatch(entries: readonly AuditEntry[], checkpoint: Checkpoint): AuditBatch {
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (!first || !last) throw new Error('a batch holds at least one entry');
  if (checkpoint.seq !== last.seq || checkpoint.head !== last.hash)
    throw new Error(`the checkpoint is for #${checkpoint.seq}, not the batch's last entry #${last.seq}`);
  return {
    type: BATCH_TYPE,
    v: AUDIT_FORMAT_VERSION,
    log: first.log,
    publicKey: checkpoint.publicKey,
    first: first.seq,
    last: last.seq,
    entries,
    checkpoint,
  };
}

export function encodeBatch(batch: AuditBatch): Buffer {
  return Buffer.from(JSON.stringify(batch), 'utf8');
}

export type BatchParse = { ok: true; batch: AuditBatch } | { ok: false; status: 400 | 413; reason: string };

const HEX64 = /^[0-9a-f]{64}$/;
const TOP_FIELDS = new Set(['type', 'v', 'log', 'publicKey', 'first', 'last', 'entries', 'checkpoint']);

function bad(reason: string, status: 400 | 413 = 400): BatchParse {
  return { ok: false, status, reason };
}

/** Parses an untrusted body: JSON syntax, every field, every entry's shape and place in the run. */
export function parseBatch(body: Buffer | string, maxEntries = MAX_BATCH_ENTRIES): BatchParse {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    return bad(`body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseBatchValue(value, maxEntries);
}

export function parseBatchValue(value: unknown, maxEntries = MAX_BATCH_ENTRIES): BatchParse {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('body must be a JSON object');
  const b = value as Record<string, unknown>;
  for (const key of Object.keys(b)) if (!TOP_FIELDS.has(key)) return bad(`unknown field "${key}"`);
  if (b.type !== BATCH_TYPE) return bad(`type: must be "${BATCH_TYPE}"`);
  if (b.v !== AUDIT_FORMAT_VERSION) return bad(`v: must be ${AUDIT_FORMAT_VERSION}`);
  if (typeof b.log !== 'string' || !HEX64.test(b.log)) return bad('log: must be 64 lowercase hex digits');
  if (typeof b.publicKey !== 'string' || !HEX64.test(b.publicKey)) return bad('publicKey: must be 64 lowercase hex digits');
  if (!isSeq(b.first)) return bad('first: must be an integer ≥ 1');
  if (!isSeq(b.last)) return bad('last: must be an integer ≥ 1');
  if (b.last < b.first) return bad(`last (${b.last}) is before first (${b.first})`);
  if (!Array.isArray(b.entries)) return bad('entries: must be an array');
  if (b.entries.length > maxEntries) return bad(`entries: ${b.entries.length} entries, more than the ${maxEntries} a batch may hold`, 413);
  if (b.entries.length !== b.last - b.first + 1)
    return bad(`entries: ${b.entries.length} entries for #${b.first}–#${b.last} (expected ${b.last - b.first + 1})`);
  const entries: AuditEntry[] = [];
  for (let i = 0; i < b.entries.length; i++) {
    const parsed = parseEntry(b.entries[i]);
    const seq = b.first + i;
    if (!parsed.ok) return bad(`entries[${i}] (#${seq}): ${parsed.reason}`);
    if (parsed.entry.log !== b.log) return bad(`entries[${i}] (#${seq}): log is not the batch's log`);
    if (parsed.entry.seq !== seq) return bad(`entries[${i}]: seq is ${parsed.entry.seq}, expected ${seq}`);
    entries.push(parsed.entry);
  }
  const checkpoint = checkpointSchema.safeParse(b.checkpoint);
  if (!checkpoint.success) {
    const issue = checkpoint.error.issues[0];
    return bad(`checkpoint${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`);
  }
  return {
    ok: true,
    batch: {
      type: BATCH_TYPE,
      v: AUDIT_FORMAT_VERSION,
      log: b.log,
      publicKey: b.publicKey,
      first: b.first,
      last: b.last,
      entries,
      checkpoint: checkpoint.data,
    },
  };
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}
