/**
 * Why a transfer or a flash step stopped, as a reason code, a sentence and whether to try again.
 *
 * `resumable` means the device kept what it had: the caller reconnects and calls again, and the
 * transfer continues from the bytes the device already holds.
 */
export type FlashErrorCode =
  | 'link_lost'
  | 'link_stalled'
  | 'cancelled'
  | 'payload_changed'
  | 'file_unreadable'
  | 'held_moved'
  | 'bad_response'
  | 'device_refused'
  | (string & {});

export interface TransferCounters {
  /** Device-held bytes when this attempt began. */
  readonly startedAt: number;
  /** Chunk requests written to the link in this attempt (first sends and re-sends). */
  readonly chunksSent: number;
  /** Of those, chunks whose offset had been sent before in this attempt (go-back-N rewinds). */
  readonly chunksResent: number;
  /** Payload bytes (before compression) written to the link. */
  readonly bytesSent: number;
  /** Device-held bytes when the attempt ended. */
  readonly held: number;
}

export class FlashError extends Error {
  readonly code: FlashErrorCode;
  readonly resumable: boolean;
  readonly fix?: string;
  readonly data?: unknown;
  /** For a transfer that stopped: what this attempt sent. */
  readonly counters?: TransferCounters;

  constructor(
    code: FlashErrorCode,
    message: string,
    options: { resumable?: boolean; fix?: string; data?: unknown; counters?: TransferCounters; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FlashError';
    this.code = code;
    this.resumable = options.resumable ?? false;
    if (options.fix !== undefined) this.fix = options.fix;
    if (options.data !== undefined) this.data = options.data;
    if (options.counters !== undefined) this.counters = options.counters;
  }
}

export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'internal';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
