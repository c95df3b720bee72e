/**
 * The audit log: one hash chain per laptop in audit.db, appended one small transaction at a time.
 *
 * Fail closed: every write either commits (and only then does the head advance) or throws
 * AuditUnavailableError, and the engine touches no device without a written intent. Entry 1,
 * `audit.log-created`, is written the moment a log is opened for the first time and binds the
 * audit key into the chain.
 */
import { randomBytes } from 'node:crypto';
import type { Statement, Transaction } from 'better-sqlite3';
import { canonicalJson, type JsonValue } from './canonical.js';
import { checkCheckpoint, signCheckpoint, type Checkpoint } from './checkpoint.js';
import { AUDIT_FORMAT_VERSION, GENESIS_PREV, type AuditEntry, type EntryPhase, type EntryResult, type UnsignedEntry } from './entry.js';
import { draftProblem, sealCanonical, type SealedEntry } from './entry-seal.js';
import { AuditDraftError, AuditUnavailableError, asUnavailable } from './audit-errors.js';
import type { Db } from './audit-db.js';
import { storedCheckpoints, verifyAuditDb } from './verify-db.js';
import { listEntries, type ListFilter } from './audit-query.js';
import type { ChainReport } from './verify.js';
import { signBytes, toHex, type Ed25519Identity } from '../protocol/identity.js';
import { packageVersion } from '../package-info.js';

export { AuditUnavailableError, AuditDraftError } from './audit-errors.js';
export type { AuditUnavailableReason } from './audit-errors.js';
export type { ListFilter } from './audit-query.js';

export const LOG_CREATED_ACTION = 'audit.log-created';
/** A checkpoint is signed and stored at every seq that is a multiple of this. */
export const CHECKPOINT_EVERY = 256;
const PAGE = 512;

export interface Technician {
  keyId: string;
  name: string;
}
export interface EntryError {
  code: string;
  message: string;
}
export interface EntryDraft {
  action: string;
  device?: string | null;
  params?: Record<string, JsonValue>;
  technician?: Technician | null;
  site?: string | null;
}
export type EventDraft = EntryDraft & { result?: EntryResult | null; error?: EntryError | null };
/** What appendMany takes: an event unless `phase` says otherwise. */
export type AppendDraft = EventDraft & { phase?: EntryPhase; intent?: number | null };

export interface AuditLogOptions {
  /** `fieldline/<version>` unless given. */
  app?: string;
  /** Wall clock in ms (tests pin it). */
  now?: () => number;
  /** Checkpoint interval (default 256). */
  checkpointEvery?: number;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

interface Statements {
  head: Statement<[], { seq: number; hash: string }>;
  insert: Statement<[number, string, string, number, string | null, string, string, string | null]>;
  insertCheckpoint: Statement<[number, string]>;
  checkpointAt: Statement<[number], { checkpoint: string }>;
  latestCheckpoint: Statement<[], { checkpoint: string }>;
  get: Statement<[number], { entry: string }>;
  page: Statement<[number, number, number], { seq: number; entry: string }>;
  witness: Statement<[string, number, string, number]>;
}

export class AuditLog {
  readonly logId: string;
  readonly session: string;
  readonly app: string;
  readonly #db: Db;
  readonly #key: Ed25519Identity;
  readonly #now: () => number;
  readonly #every: number;
  readonly #monoStart = process.hrtime.bigint();
  readonly #sql: Statements;
  readonly #tx: Transaction<(fn: () => void) => void>;
  #head: ChainHead;

  constructor(db: Db, key: Ed25519Identity, options: AuditLogOptions = {}) {
    this.#db = db;
    this.#key = key;
    this.logId = key.id;
    this.session = randomBytes(8).toString('hex');
    this.app = options.app ?? `fieldline/${packageVersion()}`;
    this.#now = options.now ?? Date.now;
    this.#every = options.checkpointEvery ?? CHECKPOINT_EVERY;
    this.#sql = {
      head: db.prepare('SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1'),
      insert: db.prepare(
        'INSERT INTO audit_entries (seq, hash, entry, time, device, action, phase, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertCheckpoint: db.prepare('INSERT OR IGNORE INTO audit_checkpoints (seq, checkpoint) VALUES (?, ?)'),
      checkpointAt: db.prepare('SELECT checkpoint FROM audit_checkpoints WHERE seq = ?'),
      latestCheckpoint: db.prepare('SELECT checkpoint FROM audit_checkpoints ORDER BY seq DESC LIMIT 1'),
      get: db.prepare('SELECT entry FROM audit_entries WHERE seq = ?'),
      page: db.prepare('SELECT seq, entry FROM audit_entries WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?'),
      witness: db.prepare('INSERT OR REPLACE INTO audit_witnesses (device_id, seq, checkpoint, at) VALUES (?, ?, ?, ?)'),
    };
    this.#tx = db.transaction((fn: () => void) => fn());
    this.#refuseForeignLog();
    this.#head = this.#readHead();
    if (this.#head.seq === 0) this.#append([{ action: LOG_CREATED_ACTION, params: { publicKey: toHex(key.publicKey) } }]);
  }

  /** The last entry's seq and hash. */
  head(): ChainHead {
    return { ...this.#head };
  }

  /** Written before a device is touched; pass it to result() afterwards. */
  intent(draft: EntryDraft): AuditEntry {
    return this.#append([{ ...draft, phase: 'intent', result: null, error: null }])[0]!;
  }

  /** The outcome of an intent: same action, device, technician and site; names the intent's seq. */
  result(intent: AuditEntry, result: EntryResult, params: Record<string, JsonValue> = {}, error: EntryError | null = null): AuditEntry {
    if (intent.phase !== 'intent' || intent.log !== this.logId)
      throw new AuditDraftError(`result() needs an intent entry of this log, got ${intent.phase} #${intent.seq}`);
    return this.#append([
      {
        action: intent.action,
        device: intent.device,
        technician: intent.technician,
        site: intent.site,
        params,
        phase: 'result',
        intent: intent.seq,
        result,
        error,
      },
    ])[0]!;
  }

  /** Something that happened without touching a device (or all at once): discovery, export, settings. */
  event(draft: EventDraft): AuditEntry {
    return this.#append([{ ...draft, phase: 'event' }])[0]!;
  }

  /** Appends every draft in one transaction: all or none. */
  appendMany(drafts: readonly AppendDraft[]): AuditEntry[] {
    return drafts.length ? this.#append(drafts) : [];
  }

  get(seq: number): AuditEntry | null {
    const row = this.#sql.get.get(seq);
    return row ? (JSON.parse(row.entry) as AuditEntry) : null;
  }

  /**
   * Entries first..last in order, read a page at a time: bounded memory, and no cursor stays
   * open between pages, so appends on this connection can go on while a consumer awaits.
   */
  *range(first: number, last: number): IterableIterator<AuditEntry> {
    for (const text of this.rangeText(first, last)) yield JSON.parse(text) as AuditEntry;
  }

  /** The stored canonical text of entries first..last: what is exported, and what verify parses. */
  *rangeText(first: number, last: number): IterableIterator<string> {
    for (let next = first; next <= last;) {
      const rows = this.#sql.page.all(next, last, PAGE);
      if (!rows.length) return;
      for (const row of rows) yield row.entry;
      if (rows.length < PAGE) return;
      next = rows[rows.length - 1]!.seq + 1;
    }
  }

  /** Newest first, filtered; page on with `before` = the last seq of the previous page. */
  list(filter: ListFilter = {}): AuditEntry[] {
    return listEntries(this.#db, filter);
  }

  /** Signs the current head and stores the checkpoint (or returns the one already stored for it). */
  checkpoint(): Checkpoint {
    const head = this.#head;
    const stored = this.#sql.checkpointAt.get(head.seq);
    if (stored) return JSON.parse(stored.checkpoint) as Checkpoint;
    const checkpoint = signCheckpoint(this.#key, head.seq, head.hash, this.#now());
    this.#write(() => this.#sql.insertCheckpoint.run(checkpoint.seq, canonicalJson(checkpoint)));
    return checkpoint;
  }

  /**
   * The checkpoint for entry `seq` (stored, or signed now and stored): what an export or upload
   * batch ending at `seq` carries.
   */
  checkpointAt(seq: number): Checkpoint {
    if (seq === this.#head.seq) return this.checkpoint();
    const stored = this.#sql.checkpointAt.get(seq);
    if (stored) return JSON.parse(stored.checkpoint) as Checkpoint;
    const entry = this.#sql.get.get(seq);
    if (!entry) throw new AuditDraftError(`no entry #${seq} to sign a checkpoint for (the log ends at #${this.#head.seq})`);
    const checkpoint = signCheckpoint(this.#key, seq, (JSON.parse(entry.entry) as { hash: string }).hash, this.#now());
    this.#write(() => this.#sql.insertCheckpoint.run(seq, canonicalJson(checkpoint)));
    return checkpoint;
  }

  /** Signs the SHA-256 digest of an export file (32 bytes; nothing else, so it cannot pass for a checkpoint). */
  signExportDigest(digest: Uint8Array): Uint8Array {
    if (digest.length !== 32) throw new AuditDraftError(`an export digest is 32 bytes, got ${digest.length}`);
    return signBytes(this.#key, digest);
  }

  /** The raw Ed25519 public key of the audit key, hex. */
  get publicKey(): string {
    return toHex(this.#key.publicKey);
  }

  latestCheckpoint(): Checkpoint | null {
    const row = this.#sql.latestCheckpoint.get();
    return row ? (JSON.parse(row.checkpoint) as Checkpoint) : null;
  }

  /** Remembers that `checkpoint` was left on gateway `deviceId` (a witness that can reveal a cut-off tail). */
  recordWitness(deviceId: string, checkpoint: Checkpoint): void {
    const check = checkCheckpoint(checkpoint, this.logId);
    if (!check.ok) throw new AuditDraftError(`witness for ${deviceId}: ${check.reason}`);
    this.#write(() => this.#sql.witness.run(deviceId, checkpoint.seq, canonicalJson(checkpoint), this.#now()));
  }

  /** Every checkpoint this laptop knows of, stored or left on a gateway, to check the chain against. */
  knownCheckpoints(): { source: string; checkpoint: unknown }[] {
    return storedCheckpoints(this.#db);
  }

  /** Verifies the stored chain against every stored checkpoint and witness (see verify-db.ts). */
  verify(extraCheckpoints: Iterable<{ source: string; checkpoint: unknown }> = []): ChainReport {
    return verifyAuditDb(this.#db, extraCheckpoints);
  }

  #append(drafts: readonly AppendDraft[]): AuditEntry[] {
    const time = this.#now();
    const mono = Number((process.hrtime.bigint() - this.#monoStart) / 1000n);
    let written: AuditEntry[] = [];
    let head = this.#head;
    this.#write(() => {
      // The stored head, not only the cached one: another process (the CLI beside the app) may
      // have appended since; BEGIN IMMEDIATE keeps it from doing so until this commits.
      head = this.#readHead();
      written = [];
      for (const draft of drafts) {
        const { entry, text } = this.#seal(draft, head, time, mono);
        this.#sql.insert.run(entry.seq, entry.hash, text, entry.time, entry.device, entry.action, entry.phase, entry.result);
        if (entry.seq % this.#every === 0) {
          const checkpoint = signCheckpoint(this.#key, entry.seq, entry.hash, time);
          this.#sql.insertCheckpoint.run(entry.seq, canonicalJson(checkpoint));
        }
        head = { seq: entry.seq, hash: entry.hash };
        written.push(entry);
      }
    });
    this.#head = head; // only after the commit
    return written;
  }

  #seal(draft: AppendDraft, head: ChainHead, time: number, mono: number): SealedEntry {
    const unsigned: UnsignedEntry = {
      v: AUDIT_FORMAT_VERSION,
      log: this.logId,
      seq: head.seq + 1,
      time,
      mono,
      session: this.session,
      technician: draft.technician ?? null,
      site: draft.site ?? null,
      device: draft.device ?? null,
      action: draft.action,
      phase: draft.phase ?? 'event',
      intent: draft.intent ?? null,
      params: draft.params ?? {},
      result: draft.result ?? null,
      error: draft.error ?? null,
      app: this.app,
      prev: head.hash,
    };
    const problem = draftProblem(unsigned);
    if (problem) throw new AuditDraftError(`${String(draft.action)}: ${problem}`);
    try {
      return sealCanonical(unsigned);
    } catch (err) {
      throw new AuditDraftError(`${draft.action}: ${(err as Error).message}`);
    }
  }

  /** Runs `fn` in one IMMEDIATE transaction; a failed SQLite write becomes AuditUnavailableError. */
  #write(fn: () => void): void {
    try {
      this.#tx.immediate(fn);
    } catch (err) {
      throw asUnavailable(err, this.#db.name);
    }
  }

  #readHead(): ChainHead {
    try {
      return this.#sql.head.get() ?? { seq: 0, hash: GENESIS_PREV };
    } catch (err) {
      throw asUnavailable(err, this.#db.name);
    }
  }

  /** A db that holds another key's chain must not be appended to: the result would verify as neither. */
  #refuseForeignLog(): void {
    const first = this.#sql.get.get(1);
    if (!first) return;
    let log: unknown;
    try {
      log = (JSON.parse(first.entry) as { log?: unknown }).log;
    } catch {
      log = undefined;
    }
    if (log !== this.logId)
      throw new AuditUnavailableError(
        'key-mismatch',
        `${this.#db.name} holds the audit log of another audit key (log ${String(log).slice(0, 16)}…), not of this laptop's key (${this.logId.slice(0, 16)}…); appending would fork the chain`,
        'Restore the audit key that belongs to this audit.db (audit-key.pem or audit-key.sealed from the same data folder), or export the old log and move audit.db aside to start a new one.',
      );
  }
}
