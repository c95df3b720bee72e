/**
 * Why a key could not be used, with the fix, in the shape the API carries (code, message, fix).
 */
export type SecretsErrorCode =
  | 'keys_locked'
  | 'wrong_passphrase'
  | 'too_many_attempts'
  | 'weak_passphrase'
  | 'passphrase_mismatch'
  | 'passphrase_not_set'
  | 'passphrase_already_set'
  | 'key_file_damaged'
  | 'key_file_version'
  | 'key_sealed_elsewhere'
  | 'keys_disagree';

export class SecretsError extends Error {
  constructor(
    readonly code: SecretsErrorCode,
    message: string,
    readonly fix: string,
    /** For too_many_attempts: how long until the next try is accepted. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SecretsError';
  }

  toJSON(): { code: string; message: string; fix: string } {
    return { code: this.code, message: this.message, fix: this.fix };
  }
}

export function keysLocked(): SecretsError {
  return new SecretsError(
    'keys_locked',
    'Your keys are locked: Fieldline needs your passphrase before it can sign or talk to gateways',
    'Unlock Fieldline with your passphrase (in the app, or set FIELDLINE_PASSPHRASE for the command line).',
  );
}
