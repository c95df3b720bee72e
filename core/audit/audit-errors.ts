/**
 * Why the audit log cannot be written, in words a technician can act on.
 *
 * Fieldline fails closed: when the record cannot be written, no device is touched. Every SQLite
 * write failure becomes an AuditUnavailableError whose message says what went wrong and what to do.
 */

export type AuditUnavailableReason =
  'disk-full' | 'read-only' | 'io-error' | 'cannot-open' | 'busy' | 'corrupt' | 'key-mismatch' | 'write-failed';

const REFUSAL = 'Fieldline refuses to touch devices until it can record what it does.';

export class AuditUnavailableError extends Error {
  readonly code = 'audit_unavailable';
  constructor(
    readonly reason: AuditUnavailableReason,
    why: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(`The audit log cannot be written: ${why}. ${REFUSAL} ${fix}`, options);
    this.name = 'AuditUnavailableError';
  }
}

/** A draft the log refuses before writing anything (a bug in the caller, not a disk problem). */
export class AuditDraftError extends Error {
  readonly code = 'audit_draft_invalid';
  constructor(reason: string) {
    super(`audit entry refused: ${reason}`);
    this.name = 'AuditDraftError';
  }
}

/** The SQLite error code of `err` (SQLITE_FULL, SQLITE_IOERR_WRITE, …), or null when it is something else. */
export function sqliteCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

/** Maps a failed write to AuditUnavailableError; other errors (bugs) are returned unchanged. */
export function asUnavailable(err: unknown, path: string): unknown {
  const code = sqliteCode(err);
  if (!code) return err;
  const detail = `${code}: ${(err as Error).message}`;
  const base = code.split('_').slice(0, 2).join('_'); // SQLITE_IOERR_WRITE → SQLITE_IOERR
  switch (base) {
    case 'SQLITE_FULL':
      return new AuditUnavailableError(
        'disk-full',
        `the disk is full (${detail})`,
        `Free space on the disk that holds ${path}, then try again.`,
        { cause: err },
      );
    case 'SQLITE_READONLY':
      return new AuditUnavailableError(
        'read-only',
        `${path} is read-only (${detail})`,
        'Make the data folder and audit.db writable for this user (check permissions and whether the disk is mounted read-only), then try again.',
        { cause: err },
      );
    case 'SQLITE_IOERR':
      return new AuditUnavailableError(
        'io-error',
        `the disk reported an I/O error (${detail})`,
        `Check the disk that holds ${path} (cable, card, free space); copy the data folder to a healthy disk if the errors persist.`,
        { cause: err },
      );
    case 'SQLITE_CANTOPEN':
      return new AuditUnavailableError(
        'cannot-open',
        `${path} cannot be opened (${detail})`,
        'Check that the data folder exists and is writable.',
        {
          cause: err,
        },
      );
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new AuditUnavailableError(
        'busy',
        `another program keeps ${path} locked (${detail})`,
        'Close other Fieldline windows or commands using this data folder, then try again.',
        { cause: err },
      );
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return new AuditUnavailableError(
        'corrupt',
        `${path} is damaged (${detail})`,
        'Keep the file for investigation (run `fieldline audit verify`), and restore the data folder from a backup.',
        { cause: err },
      );
    default:
      return new AuditUnavailableError(
        'write-failed',
        `SQLite refused the write (${detail})`,
        `Check the disk and permissions of ${path}.`,
        { cause: err },
      );
  }
}
