/**
 * The offline queue's uploader: sends the chain to the configured receiver in batches of N
 * entries from acked_seq + 1, each with a fresh checkpoint for its last entry and an
 * Idempotency-Key from its chain range, and stores each acknowledgement in the same transaction
 * as the state it moves. Failures back off exponentially with full jitter; every change of the
 * sync status is reported through `onStatus`.
 *
 * Memory stays bounded however long the laptop was offline: only one batch is read (from
 * AuditLog.range) and encoded at a time.
 */
import { signCheckpoint, type Checkpoint } from './checkpoint.js';
import type { AuditEntry } from './entry.js';
import type { AuditLog } from './audit-log.js';
import type { Db } from './audit-db.js';
import { batchKey, encodeBatch, makeBatch, type AuditBatch } from './batch.js';
import { EMPTY_OTLP_REQUEST, encodeOtlp } from './otlp.js';
import { backoffDelay } from './backoff.js';
import type { SecretBox } from './secret-box.js';
import { SyncStateStore, type ConfigPatch, type SyncConfig } from './sync-state.js';
import { SyncHttpClient, UnreachableError, type HttpAnswer } from './sync-http.js';
import { failureText, parseJson, readAck, reasonOf, SyncError } from './sync-answers.js';
import type { Ed25519Identity } from '../protocol/identity.js';

/** What the uploader reads: the chain and a way to sign a checkpoint for a batch's last entry. */
export interface AuditSource {
  readonly logId: string;
  head(): { seq: number; hash: string };
  get(seq: number): AuditEntry | null;
  range(first: number, last: number): Iterable<AuditEntry>;
  checkpointAt(seq: number, hash: string): Checkpoint;
}

/** The audit log as the uploader's source: the head's checkpoint is stored, others only signed. */
export function auditLogSource(log: AuditLog, key: Ed25519Identity): AuditSource {
  return {
    logId: log.logId,
    head: () => log.head(),
    get: (seq) => log.get(seq),
    range: (first, last) => log.range(first, last),
    checkpointAt: (seq, hash) => {
      const head = log.head();
      return head.seq === seq && head.hash === hash ? log.checkpoint() : signCheckpoint(key, seq, hash);
    },
  };
}

export type SyncState = 'idle' | 'syncing' | 'offline' | 'error' | 'disabled';

export interface SyncStatus {
  readonly state: SyncState;
  readonly endpoint: string | null;
  readonly format: SyncConfig['format'] | null;
  /** Entries written but not yet acknowledged by this endpoint. */
  readonly pending: number;
  readonly ackedSeq: number;
  readonly headSeq: number;
  readonly lastSuccess: number | null;
  readonly lastError: { readonly message: string; readonly at: number } | null;
  readonly nextAttempt: number | null;
}

export interface BatchProgress {
  readonly first: number;
  readonly last: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly pending: number;
}

export type SyncOutcome =
  | { readonly ok: true; readonly batches: number; readonly accepted: number; readonly duplicates: number }
  | { readonly ok: false; readonly state: 'offline' | 'error' | 'disabled'; readonly message: string; readonly nextAttempt: number | null };

export interface UploaderOptions {
  readonly db: Db;
  /** Seals the bearer token at rest (secretBoxFor(audit key)); without it the token is stored as given. */
  readonly secrets?: SecretBox;
  readonly source: AuditSource;
  readonly onStatus?: (status: SyncStatus) => void;
  readonly onBatch?: (progress: BatchProgress) => void;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  /** `service.version` in OTLP resources. */
  readonly app?: string;
  /** After notify(), wait this long (default 1 s) so a burst of entries goes as one batch. */
  readonly notifyDelayMs?: number;
}

interface Prepared {
  readonly first: number;
  readonly last: number;
  readonly batch: AuditBatch;
  readonly key: string;
  readonly body: Buffer;
}

export class AuditUploader {
  readonly #store: SyncStateStore;
  readonly #source: AuditSource;
  readonly #options: UploaderOptions;
  readonly #now: () => number;
  #client: { config: SyncConfig; http: SyncHttpClient } | null = null;
  #running: Promise<SyncOutcome> | null = null;
  #outcome: SyncState | null = null;
  #started = false;
  #timer: NodeJS.Timeout | null = null;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #debounce: NodeJS.Timeout | null = null;

  constructor(options: UploaderOptions) {
    this.#options = options;
    this.#store = new SyncStateStore(options.db, options.secrets ?? null);
    this.#source = options.source;
    this.#now = options.now ?? Date.now;
  }

  config(): SyncConfig | null {
    return this.#store.config();
  }

  configure(patch: ConfigPatch): SyncConfig {
    const config = this.#store.configure(patch, this.#now());
    this.#dropClient();
    this.#outcome = null;
    this.#emit();
    this.notify();
    return config;
  }

  status(): SyncStatus {
    const running = this.#running !== null;
    return storedSyncStatus(this.#store, this.#source.head().seq, running ? 'syncing' : this.#outcome);
  }

  /** Runs one sync to completion (everything acknowledged) or to the first failure. */
  syncNow(): Promise<SyncOutcome> {
    this.#running ??= this.#sync().finally(() => {
      this.#running = null;
      this.#emit();
    });
    return this.#running;
  }

  /** Keeps syncing in the background: after new entries (notify) and after each backoff. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#started = false;
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = null;
    this.#wake?.();
    await this.#loop;
    await this.#running;
    this.#dropClient();
  }

  /** New entries were written: sync soon unless a backoff is running. */
  notify(): void {
    if (this.#debounce || !(this.#outcome === 'idle' || this.#outcome === null)) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      this.#wake?.();
    }, this.#options.notifyDelayMs ?? 1000);
  }

  async #run(): Promise<void> {
    while (this.#started) {
      const outcome = await this.syncNow();
      if (!this.#started) return;
      const wait = !outcome.ok && outcome.nextAttempt !== null ? Math.max(0, outcome.nextAttempt - this.#now()) : null;
      if (!outcome.ok && outcome.state === 'disabled') await this.#sleep(null);
      else await this.#sleep(wait);
    }
  }

  /** Waits `ms` (or until woken when null); notify() and stop() wake it. */
  #sleep(ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        if (this.#timer) clearTimeout(this.#timer);
        this.#timer = null;
        this.#wake = null;
        resolve();
      };
      this.#wake = done;
      if (ms !== null) this.#timer = setTimeout(done, ms);
    });
  }

  async #sync(): Promise<SyncOutcome> {
    const config = this.#store.config();
    if (!config || !config.enabled) {
      this.#outcome = 'disabled';
      return { ok: false, state: 'disabled', message: config ? 'sync is disabled' : 'no endpoint configured', nextAttempt: null };
    }
    const http = this.#http(config);
    this.#emit();
    let batches = 0;
    let accepted = 0;
    let duplicates = 0;
    let batchSize = config.batchSize;
    let resumes = 0;
    try {
      await this.#probe(config, http);
      let prepared: Prepared | null = null;
      for (;;) {
        const st = this.#store.state(config.endpoint);
        const head = this.#source.head();
        if (st.ackedSeq >= head.seq) break;
        const first = st.ackedSeq + 1;
        const last = Math.min(head.seq, st.ackedSeq + batchSize);
        const current: Prepared = prepared?.first === first && prepared.last === last ? prepared : this.#prepare(config, first, last);
        const { batch, key, body } = current;
        prepared = null;
        const sent = http.request('POST', config.format === 'otlp' ? 'v1/logs' : 'v1/audit/batches', body, { 'Idempotency-Key': key });
        sent.catch(() => undefined); // handled by the await below; this keeps it from counting as unhandled meanwhile
        // While the receiver checks and stores this batch, read and sign the next one.
        if (last < head.seq) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          prepared = this.#prepare(config, last + 1, Math.min(head.seq, last + batchSize));
        }
        const answer = await sent;
        if (answer.status === 413 && batchSize > 1) {
          batchSize = Math.max(1, Math.floor(batchSize / 2)); // the receiver's limit is lower than ours
          continue;
        }
        if (answer.status === 409) {
          if (++resumes > 3) throw new SyncError(`the receiver keeps answering 409: ${reasonOf(answer)}`);
          await this.#resumeFromReceiver(config, http, answer);
          continue;
        }
        if (answer.status < 200 || answer.status > 299) throw new SyncError(failureText(answer, first, last));
        const ack = readAck(answer, batch, config.format);
        this.#store.recordAck(
          config.endpoint,
          { first, last, lastHash: batch.entries[batch.entries.length - 1]!.hash, key, format: config.format, ...ack },
          this.#now(),
        );
        batches++;
        accepted += ack.accepted;
        duplicates += ack.duplicates;
        // The receiver lacks entries it should hold by now (restored from a backup, say): send them again.
        const gap = ack.gaps.find(([from]) => from <= last);
        if (gap && ++resumes <= 3)
          this.#store.resumeFrom(
            config.endpoint,
            gap[0] - 1,
            gap[0] > 1 ? (this.#source.get(gap[0] - 1)?.hash ?? null) : null,
            this.#now(),
          );
        this.#options.onBatch?.({ first, last, ...ack, pending: Math.max(0, head.seq - last) });
        this.#emit();
      }
      this.#store.recordSuccess(config.endpoint, this.#now());
      this.#outcome = 'idle';
      return { ok: true, batches, accepted, duplicates };
    } catch (err) {
      const offline = err instanceof UnreachableError;
      const message = err instanceof Error ? err.message : String(err);
      const failures = this.#store.recordFailure(config.endpoint, message, this.#now());
      const nextAttempt =
        this.#now() +
        backoffDelay(failures, { baseMs: this.#options.backoffBaseMs, capMs: this.#options.backoffCapMs, random: this.#options.random });
      this.#store.setNextAttempt(config.endpoint, nextAttempt, this.#now());
      this.#outcome = offline ? 'offline' : 'error';
      if (offline) this.#dropClient(); // a fresh connection next time, not a half-dead keep-alive socket
      return { ok: false, state: this.#outcome, message, nextAttempt };
    }
  }

  /** fieldline: GET /v1/audit/health. otlp: POST an empty ExportLogsServiceRequest (tests path, auth and TLS the way a batch will). */
  async #probe(config: SyncConfig, http: SyncHttpClient): Promise<void> {
    const answer =
      config.format === 'otlp'
        ? await http.request('POST', 'v1/logs', Buffer.from(EMPTY_OTLP_REQUEST))
        : await http.request('GET', 'v1/audit/health');
    if (answer.status < 200 || answer.status > 299) throw new SyncError(`reachability probe: ${failureText(answer)}`);
  }

  #prepare(config: SyncConfig, first: number, last: number): Prepared {
    const batch = this.#batch(first, last);
    return {
      first,
      last,
      batch,
      key: batchKey(batch),
      body: config.format === 'otlp' ? encodeOtlp(batch, this.#options.app) : encodeBatch(batch),
    };
  }

  #batch(first: number, last: number): AuditBatch {
    const entries: AuditEntry[] = [];
    for (const entry of this.#source.range(first, last)) entries.push(entry);
    if (entries.length !== last - first + 1 || entries[0]?.seq !== first)
      throw new SyncError(`the local audit log is missing entries in #${first}–#${last}: run \`fieldline audit verify\``);
    const end = entries[entries.length - 1]!;
    return makeBatch(entries, this.#source.checkpointAt(end.seq, end.hash));
  }

  /**
   * 409: the receiver holds something that does not fit this batch. Ask what it holds and resume
   * after its head if that is a prefix of our chain; otherwise stop with the reason. Local entries
   * are never deleted or changed.
   */
  async #resumeFromReceiver(config: SyncConfig, http: SyncHttpClient, conflict: HttpAnswer): Promise<void> {
    const answer = await http.request('GET', `v1/audit/logs/${this.#source.logId}`);
    if (answer.status !== 200)
      throw new SyncError(`conflict: ${reasonOf(conflict)} (and the receiver cannot say what it holds: HTTP ${answer.status})`);
    const held = parseJson(answer.body) as { head?: { seq?: unknown; hash?: unknown } | null; gaps?: unknown } | null;
    const headSeq = typeof held?.head?.seq === 'number' ? held.head.seq : 0;
    const headHash = typeof held?.head?.hash === 'string' ? held.head.hash : null;
    const gaps = Array.isArray(held?.gaps) ? (held.gaps as unknown[]) : [];
    const firstGap = gaps.find((g): g is [number, number] => Array.isArray(g) && typeof g[0] === 'number');
    const acked = this.#store.state(config.endpoint).ackedSeq;
    if (headSeq > 0 && headHash !== null) {
      const local = this.#source.get(headSeq);
      if (!local || local.hash !== headHash)
        throw new SyncError(
          `conflict: the receiver holds #${headSeq} with hash ${headHash.slice(0, 12)}…, which is not this laptop's entry #${headSeq}${local ? ` (${local.hash.slice(0, 12)}…)` : ' (this laptop has no such entry)'}; nothing was deleted; check both logs with \`fieldline audit verify\``,
        );
    }
    const resume = firstGap ? Math.min(firstGap[0] - 1, headSeq) : headSeq;
    if (resume === acked) throw new SyncError(`conflict at #${acked + 1}: ${reasonOf(conflict)}`);
    this.#store.resumeFrom(config.endpoint, resume, resume > 0 ? (this.#source.get(resume)?.hash ?? null) : null, this.#now());
  }

  #http(config: SyncConfig): SyncHttpClient {
    if (this.#client && sameConfig(this.#client.config, config)) return this.#client.http;
    this.#dropClient();
    const http = new SyncHttpClient(config);
    this.#client = { config, http };
    return http;
  }

  #dropClient(): void {
    this.#client?.http.close();
    this.#client = null;
  }

  #emit(): void {
    this.#options.onStatus?.(this.status());
  }
}

/**
 * The sync status from audit.db alone (for `fieldline audit status`, which needs no audit key);
 * `live` is what a running uploader knows beyond the stored state.
 */
export function storedSyncStatus(store: SyncStateStore, headSeq: number, live: SyncState | null = null): SyncStatus {
  const config = store.config();
  if (!config)
    return {
      state: 'disabled',
      endpoint: null,
      format: null,
      pending: headSeq,
      ackedSeq: 0,
      headSeq,
      lastSuccess: null,
      lastError: null,
      nextAttempt: null,
    };
  const st = store.state(config.endpoint);
  const state: SyncState = !config.enabled ? 'disabled' : (live ?? (st.failures > 0 ? 'error' : 'idle'));
  return {
    state,
    endpoint: config.endpoint,
    format: config.format,
    pending: Math.max(0, headSeq - st.ackedSeq),
    ackedSeq: st.ackedSeq,
    headSeq,
    lastSuccess: st.lastSuccess,
    lastError: st.lastError,
    nextAttempt: st.nextAttempt,
  };
}

function sameConfig(a: SyncConfig, b: SyncConfig): boolean {
  return (Object.keys(a) as (keyof SyncConfig)[]).every((k) => a[k] === b[k]);
}
