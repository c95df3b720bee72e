/**
 * Errors as the UI shows them: a sentence, what to do next, and a code for support.
 *
 * Pure (no DOM) so the unit tests can run it under Node.
 */
import type { ApiErrorShape } from '../../core/api/contract.js';

export interface UiError {
  readonly code: string;
  readonly message: string;
  readonly fix?: string;
}

/** An error raised on the client side of the API (transport failures, engine error envelopes). */
export class ClientError extends Error implements ApiErrorShape {
  readonly code: string;
  readonly fix?: string;
  constructor(code: string, message: string, fix?: string) {
    super(message);
    this.name = 'ClientError';
    this.code = code;
    if (fix !== undefined) this.fix = fix;
  }
}

function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' && field.length > 0 ? field : undefined;
}

/** Anything thrown by an API call, turned into something a technician can act on. */
export function toUiError(err: unknown): UiError {
  const code = stringField(err, 'code') ?? 'internal';
  const message =
    stringField(err, 'message') ?? (typeof err === 'string' && err.length > 0 ? err : 'The engine gave no explanation for this failure.');
  const fix = stringField(err, 'fix');
  return fix === undefined ? { code, message } : { code, message, fix };
}
