/**
 * Reason codes and checks: the vocabulary every bundle verdict is written in.
 *
 * A bundle is never refused with a thrown string. Each step of verification produces Checks, and a
 * failed Check carries a stable code (for programs, tests and the audit log) and a sentence a
 * technician can act on (what is wrong and what to do).
 */

export type BundleReason =
  | 'manifest_missing'
  | 'manifest_not_first'
  | 'manifest_too_large'
  | 'manifest_invalid'
  | 'envelope_invalid'
  | 'payload_type'
  | 'signature_invalid'
  | 'key_unknown'
  | 'key_revoked'
  | 'key_expired'
  | 'key_role'
  | 'threshold_not_met'
  | 'payload_unlisted'
  | 'payload_missing'
  | 'payload_size_mismatch'
  | 'payload_hash_mismatch'
  | 'path_absolute'
  | 'path_traversal'
  | 'path_duplicate'
  | 'path_collision'
  | 'path_invalid'
  | 'entry_link'
  | 'entry_hardlink'
  | 'entry_device'
  | 'entry_type'
  | 'decompression_bomb'
  | 'decompression_failed'
  | 'trailing_garbage'
  | 'tar_malformed'
  | 'truncated'
  | 'hardware_incompatible'
  | 'counter_rollback'
  | 'expired'
  | 'not_yet_valid'
  | 'clock_uncertain'
  | 'same_version'
  | 'payload_changed';

/** Every code, in the order verification can meet them (for docs, the CLI and exhaustive tests). */
export const BUNDLE_REASONS: readonly BundleReason[] = [
  'manifest_missing',
  'manifest_not_first',
  'manifest_too_large',
  'manifest_invalid',
  'envelope_invalid',
  'payload_type',
  'signature_invalid',
  'key_unknown',
  'key_revoked',
  'key_expired',
  'key_role',
  'threshold_not_met',
  'payload_unlisted',
  'payload_missing',
  'payload_size_mismatch',
  'payload_hash_mismatch',
  'path_absolute',
  'path_traversal',
  'path_duplicate',
  'path_collision',
  'path_invalid',
  'entry_link',
  'entry_hardlink',
  'entry_device',
  'entry_type',
  'decompression_bomb',
  'decompression_failed',
  'trailing_garbage',
  'tar_malformed',
  'truncated',
  'hardware_incompatible',
  'counter_rollback',
  'expired',
  'not_yet_valid',
  'clock_uncertain',
  'same_version',
  'payload_changed',
];

/** Which step of verification a check belongs to; the CLI and the UI print one line per check. */
export type CheckId =
  | 'file'
  | 'manifest-entry'
  | 'envelope'
  | 'signature'
  | 'threshold'
  | 'manifest'
  | 'validity'
  | 'archive'
  | 'payload'
  | 'payloads-complete'
  | 'hardware'
  | 'security-counter'
  | 'clock'
  | 'version'
  | 'payload-stream';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface Check {
  readonly id: CheckId;
  readonly status: CheckStatus;
  readonly code?: BundleReason;
  readonly message: string;
  /** What the check is about when there are several of its kind: a payload path or a key id. */
  readonly subject?: string;
}

export function pass(id: CheckId, message: string, subject?: string): Check {
  return subject === undefined ? { id, status: 'pass', message } : { id, status: 'pass', message, subject };
}

export function fail(id: CheckId, code: BundleReason, message: string, subject?: string): Check {
  return subject === undefined ? { id, status: 'fail', code, message } : { id, status: 'fail', code, message, subject };
}

export function warn(id: CheckId, code: BundleReason, message: string, subject?: string): Check {
  return subject === undefined ? { id, status: 'warn', code, message } : { id, status: 'warn', code, message, subject };
}

export function skip(id: CheckId, message: string, subject?: string): Check {
  return subject === undefined ? { id, status: 'skip', message } : { id, status: 'skip', message, subject };
}

export function firstFailure(checks: readonly Check[]): Check | null {
  return checks.find((c) => c.status === 'fail') ?? null;
}

/**
 * A problem found in a bundle, for the few call sites that must throw (a Readable erroring, the
 * CLI exiting): it carries the same code and message as the Check it stands for.
 */
export class BundleError extends Error {
  constructor(
    readonly code: BundleReason,
    message: string,
    readonly subject?: string,
  ) {
    super(message);
    this.name = 'BundleError';
  }

  toCheck(id: CheckId): Check {
    return fail(id, this.code, this.message, this.subject);
  }
}

/** Byte counts for messages: exact, with a readable unit when large. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${n} bytes (${value.toFixed(1)} ${units[unit]})`;
}

export function shortHash(hex: string): string {
  return hex.length > 16 ? `${hex.slice(0, 16)}…` : hex;
}
