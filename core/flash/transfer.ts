/**
 * Sending one artifact (a bundle file, addressed by its SHA-256) to a gateway, resumably.
 *
 * begin → read from the device's `held`, hashing the held prefix and everything sent → keep up
 * to `window` chunk requests in flight (latency does not cap throughput) → on `out_of_order`
 * go back to `held` → commit. A lost link rejects with a resumable FlashError: the caller opens a
 * new session and calls again, and `artifact.begin` tells where to continue.
 */
import { FgpError } from '../protocol/errors.js';
import type { FgpPeer } from '../protocol/peer.js';
import { ChunkCompressor, type CompressMode } from './chunk-compression.js';
import { ChunkWindow, HeldMovedError, type Send } from './chunk-window.js';
import { beginResult, call, chunkResult, commitResult, hexToBytes, type CommitResult } from './device-calls.js';
import { FlashError, type TransferCounters } from './flash-error.js';
import { HashingReader } from './hashing-reader.js';
import { RateMeter } from './rate-meter.js';

export interface ArtifactSource {
  readonly file: string;
  /** Lowercase hex SHA-256 of the whole file: the artifact's name on the device. */
  readonly sha256: string;
  readonly size: number;
  readonly name?: string;
}

export interface TransferProgress {
  /** Bytes the device holds. */
  readonly held: number;
  readonly size: number;
  /** Held bytes when this attempt began (resume point). */
  readonly resumedFrom: number;
  readonly rateBps: number;
  readonly etaSeconds: number | null;
  /** Bytes put on the wire as chunk data in this attempt (after compression). */
  readonly wireBytes: number;
}

export interface TransferOptions {
  /** Upper bound on chunks in flight; the device's `window` caps it. */
  readonly window?: number;
  /** Upper bound on the chunk size; the device's `maxChunk` caps it. */
  readonly chunkSize?: number;
  readonly compress?: CompressMode;
  /** Commit (device hashes and verifies) once every byte is held. Default true. */
  readonly commit?: boolean;
  readonly onProgress?: (progress: TransferProgress) => void;
  readonly signal?: AbortSignal;
  /** Per chunk request; a link that answers nothing for this long counts as stalled. */
  readonly chunkTimeoutMs?: number;
  /** For `artifact.commit`, which hashes and verifies the whole file on the device. */
  readonly commitTimeoutMs?: number;
}

export interface TransferResult extends TransferCounters {
  readonly size: number;
  /** Bytes put on the wire as chunk data (after compression). */
  readonly wireBytes: number;
  readonly chunkSize: number;
  readonly window: number;
  readonly rewinds: number;
  readonly compressedChunks: number;
  readonly durationMs: number;
  /** Null when `commit: false`. */
  readonly commit: CommitResult | null;
}

const DEFAULT_CHUNK_TIMEOUT_MS = 30_000;
const DEFAULT_COMMIT_TIMEOUT_MS = 120_000;
/** Rewinds in a row that bring the device no further before the attempt gives up. */
const MAX_FRUITLESS_REWINDS = 16;
/** File reads are this large (or one chunk, if larger): few syscalls on a fast link. */
const READ_SIZE = 4 * 1024 * 1024;

type Answer =
  | { readonly kind: 'ack'; readonly held: number; readonly generation: number }
  | { readonly kind: 'out_of_order'; readonly held: number; readonly generation: number }
  | { readonly kind: 'failed'; readonly error: unknown; readonly generation: number };

/** Links are lost or stall: these errors leave the device's held bytes for the next attempt. */
function linkError(err: unknown, what: string, counters: TransferCounters): FlashError | null {
  if (!(err instanceof FgpError)) return null;
  if (err.code === 'connection_closed')
    return new FlashError('link_lost', `the link to the gateway was lost during ${what}: ${err.message}`, {
      resumable: true,
      counters,
      cause: err,
    });
  if (err.code === 'timeout')
    return new FlashError('link_stalled', `the gateway stopped answering during ${what}: ${err.message}`, {
      resumable: true,
      counters,
      cause: err,
    });
  return null;
}

function deviceError(err: unknown, what: string, counters: TransferCounters): FlashError {
  const link = linkError(err, what, counters);
  if (link) return link;
  if (err instanceof FlashError) return err;
  if (err instanceof FgpError)
    return new FlashError(err.code, `the gateway refused ${what}: ${err.message}`, { data: err.data, counters, cause: err });
  return new FlashError('internal', `${what} failed: ${err instanceof Error ? err.message : String(err)}`, { counters, cause: err });
}

function heldOf(data: unknown): number | null {
  const held = (data as { held?: unknown } | null)?.held;
  return typeof held === 'number' && Number.isSafeInteger(held) && held >= 0 ? held : null;
}

export async function sendArtifact(peer: FgpPeer, source: ArtifactSource, options: TransferOptions = {}): Promise<TransferResult> {
  const started = performance.now();
  const sha256 = hexToBytes(source.sha256);
  const counters = { startedAt: 0, chunksSent: 0, chunksResent: 0, bytesSent: 0, held: 0 };
  const snapshot = (): TransferCounters => ({ ...counters });
  options.signal?.throwIfAborted();

  let begin;
  try {
    begin = await call(
      peer,
      'artifact.begin',
      { sha256, size: source.size, ...(source.name === undefined ? {} : { name: source.name }) },
      beginResult,
      options.chunkTimeoutMs ?? DEFAULT_CHUNK_TIMEOUT_MS,
    );
  } catch (err) {
    throw deviceError(err, 'artifact.begin', snapshot());
  }
  if (begin.held > source.size)
    throw new FlashError('bad_response', `the gateway claims ${begin.held} bytes of a ${source.size}-byte artifact`);
  counters.startedAt = counters.held = begin.held;
  const chunkSize = Math.max(1, Math.min(begin.maxChunk, options.chunkSize ?? begin.maxChunk));
  const windowSize = Math.max(1, Math.min(begin.window, options.window ?? begin.window));
  const compressor = ChunkCompressor.forChunkSize(options.compress ?? 'auto', chunkSize);
  const meter = new RateMeter();
  const window = new ChunkWindow(begin.held, source.size, windowSize);
  let wireBytes = 0;
  const progress = (): void => {
    if (!options.onProgress) return;
    const rate = meter.sample(window.held, source.size);
    options.onProgress({ held: window.held, size: source.size, resumedFrom: begin.held, wireBytes, ...rate });
  };

  const reader = await HashingReader.open(source.file, source.size, source.sha256, begin.held, Math.max(READ_SIZE, chunkSize));
  try {
    progress();
    await pump(
      peer,
      sha256,
      window,
      reader,
      compressor,
      chunkSize,
      options,
      counters,
      (bytes) => {
        wireBytes += bytes;
      },
      progress,
    );
  } catch (err) {
    counters.held = window.held;
    if (err instanceof HeldMovedError)
      throw new FlashError('held_moved', `${err.message}; another transfer of the same artifact is running`, {
        resumable: true,
        counters: snapshot(),
      });
    throw err instanceof FlashError ? withCounters(err, snapshot()) : deviceError(err, 'artifact.chunk', snapshot());
  } finally {
    await reader.close();
  }
  counters.held = window.held;

  let commit: CommitResult | null = null;
  if (options.commit ?? true) commit = await commitArtifact(peer, source.sha256, options.commitTimeoutMs);
  return {
    ...snapshot(),
    size: source.size,
    wireBytes,
    chunkSize,
    window: windowSize,
    rewinds: window.rewinds,
    compressedChunks: compressor.compressed,
    durationMs: performance.now() - started,
    commit,
  };
}

/** The device hashes the whole artifact and verifies the bundle with its own trust. */
export async function commitArtifact(peer: FgpPeer, sha256Hex: string, timeoutMs = DEFAULT_COMMIT_TIMEOUT_MS): Promise<CommitResult> {
  try {
    return await call(peer, 'artifact.commit', { sha256: hexToBytes(sha256Hex) }, commitResult, timeoutMs);
  } catch (err) {
    throw deviceError(err, 'artifact.commit', { startedAt: 0, chunksSent: 0, chunksResent: 0, bytesSent: 0, held: 0 });
  }
}

function withCounters(err: FlashError, counters: TransferCounters): FlashError {
  if (err.counters) return err;
  return new FlashError(err.code, err.message, {
    resumable: err.resumable,
    counters,
    cause: err,
    ...(err.fix === undefined ? {} : { fix: err.fix }),
    ...(err.data === undefined ? {} : { data: err.data }),
  });
}

/** The send loop: fill the window, wait for any answer, repeat until the device holds it all. */
async function pump(
  peer: FgpPeer,
  sha256: Uint8Array,
  window: ChunkWindow,
  reader: HashingReader,
  compressor: ChunkCompressor,
  chunkSize: number,
  options: TransferOptions,
  counters: { chunksSent: number; chunksResent: number; bytesSent: number; held: number },
  onWire: (bytes: number) => void,
  progress: () => void,
): Promise<void> {
  const answers: Answer[] = [];
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const onAbort = (): void => notify();
  options.signal?.addEventListener('abort', onAbort);
  const timeoutMs = options.chunkTimeoutMs ?? DEFAULT_CHUNK_TIMEOUT_MS;

  const send = ({ chunk, generation, resend }: Send): void => {
    counters.chunksSent++;
    if (resend) counters.chunksResent++;
    counters.bytesSent += chunk.raw.length;
    onWire(chunk.data.length);
    const params: Record<string, unknown> = { sha256, offset: chunk.offset, data: chunk.data };
    if (chunk.encoding === 'deflate') params.encoding = 'deflate';
    call(peer, 'artifact.chunk', params, chunkResult, timeoutMs)
      .then(
        (result) => answers.push({ kind: 'ack', held: result.held, generation }),
        (error: unknown) => {
          const held = error instanceof FgpError && error.code === 'out_of_order' ? heldOf(error.data) : null;
          answers.push(held === null ? { kind: 'failed', error, generation } : { kind: 'out_of_order', held, generation });
        },
      )
      .finally(notify);
  };

  let fruitless = 0;
  let rewinds = window.rewinds;
  let heldAtRewind = window.held;
  try {
    while (!window.done) {
      if (options.signal?.aborted) throw new FlashError('cancelled', 'the transfer was cancelled');
      // Fill the window: re-sends first, then fresh chunks read (and hashed) from the file.
      while (window.canSend) {
        if (window.wantsChunk) {
          const offset = reader.offset;
          const raw = await reader.next(chunkSize);
          const encoded = await compressor.encode(raw);
          window.add({ offset, raw, data: encoded.data, encoding: encoded.encoding, sends: 0 });
        }
        const next = window.next();
        if (next === null) break;
        send(next);
      }
      if (answers.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      for (let answer = answers.shift(); answer !== undefined; answer = answers.shift()) {
        switch (answer.kind) {
          case 'ack':
            window.acked(answer.held, answer.generation);
            break;
          case 'out_of_order':
            window.outOfOrder(answer.held, answer.generation);
            break;
          case 'failed':
            // A stale request (lost before a rewind) may time out; only a current one ends the attempt.
            if (window.failed(answer.generation) || !(answer.error instanceof FgpError && answer.error.code === 'timeout'))
              throw answer.error;
            break;
        }
      }
      window.rewindIfIdle();
      if (window.rewinds !== rewinds) {
        fruitless = window.held === heldAtRewind ? fruitless + 1 : 0;
        rewinds = window.rewinds;
        heldAtRewind = window.held;
        if (fruitless > MAX_FRUITLESS_REWINDS)
          throw new FlashError('device_stuck', `the gateway keeps refusing the chunk at ${window.held} (${fruitless} rewinds in a row)`, {
            resumable: true,
          });
      }
      counters.held = window.held;
      progress();
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
