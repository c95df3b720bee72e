/**
 * FGP error codes. A code is for machines and support; the message is for people.
 */
export const FGP_ERROR_CODES = [
  'unsupported_version',
  'unknown_method',
  'invalid_params',
  'hello_required',
  'unauthenticated',
  'untrusted_key',
  'auth_failed',
  'busy',
  'frame_too_large',
  'internal',
  // Artifact transfer, install and the A/B boot cycle (protocol.md §6.6–§6.13):
  'no_space',
  'unknown_artifact',
  'out_of_order',
  'chunk_too_large',
  'artifact_incomplete',
  'artifact_corrupt',
  'bundle_refused',
  'not_verified',
  'install_failed',
  'health_failed',
  'trial_in_progress',
  'slot_invalid',
  'no_trial',
  // Benchmarks and inference (protocol.md §6.15–§6.18):
  'model_not_installed',
  'model_load_failed',
  'input_unknown',
  'input_shape',
  'input_type',
  'tensor_too_large',
  'bench_busy',
  'provider_unavailable',
  'unknown_run',
  // Audit witnesses (protocol.md §6.19):
  'bad_checkpoint',
  // Raised locally by a client, never sent on the wire:
  'timeout',
  'connection_closed',
  'bad_response',
  'identity_mismatch',
  'pin_mismatch',
] as const;

export type FgpErrorCode = (typeof FGP_ERROR_CODES)[number] | (string & {});

export class FgpError extends Error {
  readonly code: FgpErrorCode;
  readonly data: unknown;
  readonly fix?: string;
  constructor(code: FgpErrorCode, message: string, data?: unknown, fix?: string) {
    super(message);
    this.name = 'FgpError';
    this.code = code;
    this.data = data;
    if (fix !== undefined) this.fix = fix;
  }
}
