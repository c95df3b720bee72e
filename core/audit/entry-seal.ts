/**
 * Sealing entries on the append path, fast: the draft checks of the v1 schema written out by
 * hand (zod costs more than hashing), and one canonical encoding per entry instead of two.
 *
 * test/unit/audit-log.test.ts holds both to the schema and to canonicalJson.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import type { AuditEntry, UnsignedEntry } from './entry.js';

const ACTION = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;
const HEX64 = /^[0-9a-f]{64}$/;
const PHASES = new Set(['intent', 'result', 'event']);
const RESULTS = new Set(['ok', 'failed', 'refused', 'cancelled']);

export interface SealedEntry {
  entry: AuditEntry;
  /** canonicalJson(entry): what audit.db stores and exports. */
  text: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function hasOnly(value: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(value);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(value, k));
}

const optionalText = (value: unknown, max: number): boolean => value === null || (typeof value === 'string' && value.length <= max);

/** The first way `entry` breaks the v1 schema (entry.ts), or null. */
export function draftProblem(entry: UnsignedEntry): string | null {
  const e = entry as Record<keyof UnsignedEntry, unknown>;
  if (typeof e.action !== 'string' || e.action.length > 64 || !ACTION.test(e.action))
    return 'action: must be dotted lowercase words, e.g. "flash.transfer", at most 64 characters';
  if (!optionalText(e.device, 128)) return 'device: must be a string of at most 128 characters or null';
  if (!optionalText(e.site, 200)) return 'site: must be a string of at most 200 characters or null';
  const t = e.technician;
  if (
    t !== null &&
    !(
      isPlainObject(t) &&
      hasOnly(t, ['keyId', 'name']) &&
      typeof t.keyId === 'string' &&
      HEX64.test(t.keyId) &&
      typeof t.name === 'string' &&
      t.name.length <= 200
    )
  )
    return 'technician: must be { keyId: 64 hex digits, name: at most 200 characters } or null';
  const err = e.error;
  if (
    err !== null &&
    !(
      isPlainObject(err) &&
      hasOnly(err, ['code', 'message']) &&
      typeof err.code === 'string' &&
      err.code.length <= 64 &&
      typeof err.message === 'string' &&
      err.message.length <= 2000
    )
  )
    return 'error: must be { code: at most 64 characters, message: at most 2000 } or null';
  if (!isPlainObject(e.params)) return 'params: must be a plain object';
  if (typeof e.phase !== 'string' || !PHASES.has(e.phase)) return 'phase: must be intent, result or event';
  if (e.result !== null && !(typeof e.result === 'string' && RESULTS.has(e.result)))
    return 'result: must be ok, failed, refused, cancelled or null';
  if (e.phase === 'intent' && e.result !== null) return 'result: an intent has no result';
  if (e.phase === 'result' && e.result === null) return 'result: a result entry needs a result';
  if (e.intent !== null) {
    if (e.phase !== 'result') return 'intent: only a result entry names an intent';
    if (typeof e.intent !== 'number' || !Number.isSafeInteger(e.intent) || e.intent < 1 || e.intent >= entry.seq)
      return 'intent: a result must follow its intent';
  }
  if (!Number.isSafeInteger(e.time) || (e.time as number) < 0) return 'time: must be whole milliseconds since the epoch';
  if (!Number.isSafeInteger(e.mono) || (e.mono as number) < 0) return 'mono: must be whole microseconds';
  if (typeof e.app !== 'string' || e.app.length > 64) return 'app: at most 64 characters';
  return null;
}

/**
 * Hash and canonical text of an entry from one encoding. The keys sort as action, app, device,
 * error, hash, intent, …: "hash" goes right before the first `,"intent":`, which cannot occur
 * earlier (the values before it are strings, which escape quotes, and {code, message}).
 */
export function sealCanonical(unsigned: UnsignedEntry): SealedEntry {
  const body = canonicalJson(unsigned);
  const hash = createHash('sha256').update(body, 'utf8').digest('hex');
  const at = body.indexOf(',"intent":');
  return { entry: { ...unsigned, hash }, text: `${body.slice(0, at)},"hash":"${hash}"${body.slice(at)}` };
}
