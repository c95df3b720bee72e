/**
 * One audit entry (format v1) and its hash.
 *
 * Entries form one hash chain per laptop ("log" = key id of the laptop's audit key): each entry's
 * `prev` is the previous entry's `hash`, the first entry's `prev` is 64 zeros, and
 * `hash = SHA-256(canonicalJson(entry without "hash"))`. docs/audit-format.md is the spec.
 */
import { createHash } from 'node:crypto';
import { canonicalBytes } from './canonical.js';
import { auditEntrySchema, type AuditEntry } from './entry-schema.js';

export * from './entry-schema.js';

export type UnsignedEntry = Omit<AuditEntry, 'hash'>;

/** The hash of an entry: SHA-256 over the canonical JSON of every field but `hash`. */
export function entryHash(entry: UnsignedEntry | AuditEntry): string {
  const { hash: _ignored, ...body } = entry as AuditEntry;
  return createHash('sha256').update(canonicalBytes(body)).digest('hex');
}

export function sealEntry(entry: UnsignedEntry): AuditEntry {
  return { ...entry, hash: entryHash(entry) };
}

export type ParsedEntry = { ok: true; entry: AuditEntry } | { ok: false; reason: string };

/** Parses an entry from untrusted JSON, naming the first field that is wrong. Does not check the hash. */
export function parseEntry(value: unknown): ParsedEntry {
  const parsed = auditEntrySchema.safeParse(value);
  if (parsed.success) return { ok: true, entry: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length ? issue.path.join('.') : 'entry';
  return { ok: false, reason: `${where}: ${issue?.message ?? 'invalid'}` };
}
