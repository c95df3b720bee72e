/**
 * Streaming chain verification: one pass, memory bounded by the number of checkpoints.
 *
 * Names the first sequence number that cannot be trusted and why (edited, deleted, reordered,
 * inserted or replaced, malformed), checks every checkpoint given against the chain and its
 * signature, and reports a checkpoint beyond the chain's last entry: the tail was cut off.
 */
import { checkCheckpoint, type Checkpoint } from './checkpoint.js';
import { entryHash, GENESIS_PREV, parseEntry, type AuditEntry } from './entry.js';
import { fingerprint, fromHex } from '../protocol/identity.js';

export const LOG_CREATED = 'audit.log-created';

export interface ChainReport {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  /** The first entry that cannot be trusted, with a reason a person can read. */
  firstBad?: { seq: number; reason: string };
  /** Every checkpoint given, checked against the chain. */
  checkpoints: { seq: number; source: string; ok: boolean; reason?: string }[];
  /** A validly signed checkpoint beyond the chain's last entry: entries were cut off. */
  truncated?: { checkpointSeq: number; lastSeq: number; source: string };
}

export interface VerifyOptions {
  checkpoints?: Iterable<{ source: string; checkpoint: unknown }>;
  /** When the entries are a range, not the whole log: where it must start and what it must link to. */
  expectFirst?: { seq: number; prev?: string };
  /** The log the entries must belong to (else: the first entry's). */
  log?: string;
}

interface PendingCheckpoint {
  source: string;
  checkpoint: Checkpoint;
  index: number;
}

/**
 * Checks entries one at a time; `finish()` reports. verifyChain drives it over an iterable;
 * readers that parse as they go (the export reader) push entries themselves.
 */
export class ChainChecker {
  #entries = 0;
  #log: string | undefined;
  #lastSeq = 0;
  #lastHash: string | null = null;
  #firstSeq: number | null = null;
  #firstBad: { seq: number; reason: string } | undefined;
  /** A seq found missing; it is "reordered" rather than "deleted" if it turns up later. */
  #missing: number | null = null;
  readonly #expectFirst: VerifyOptions['expectFirst'];
  readonly #bySeq = new Map<number, PendingCheckpoint[]>();
  readonly #results: ChainReport['checkpoints'] = [];

  constructor(options: VerifyOptions = {}) {
    this.#expectFirst = options.expectFirst;
    this.#log = options.log;
    for (const { source, checkpoint } of options.checkpoints ?? []) this.addCheckpoint(source, checkpoint);
  }

  /** Checkpoints may be added before the first entry, or right after the entry they sign. */
  addCheckpoint(source: string, value: unknown): void {
    const index = this.#results.length;
    const check = checkCheckpoint(value, this.#log);
    const seq = (value as { seq?: unknown } | null)?.seq;
    if (!check.ok) {
      this.#results.push({ seq: typeof seq === 'number' ? seq : 0, source, ok: false, reason: `${source}: ${check.reason}` });
      return;
    }
    this.#results.push({ seq: check.checkpoint.seq, source, ok: false, reason: 'not reached' });
    const list = this.#bySeq.get(check.checkpoint.seq) ?? [];
    list.push({ source, checkpoint: check.checkpoint, index });
    this.#bySeq.set(check.checkpoint.seq, list);
    // A checkpoint that follows its entry (as in an export file) is matched against the last one.
    if (this.#lastHash !== null && check.checkpoint.seq === this.#lastSeq) this.#matchCheckpoints(this.#lastSeq, this.#lastHash);
  }

  get firstBad(): { seq: number; reason: string } | undefined {
    return this.#firstBad;
  }

  /** Checks one more entry; `position` (1-based) names it when it is malformed. */
  push(value: AuditEntry | unknown, position = this.#entries + 1): void {
    this.#entries++;
    const expected = this.#lastHash === null ? (this.#expectFirst?.seq ?? 1) : this.#lastSeq + 1;
    const parsed = parseEntry(value);
    if (!parsed.ok) {
      const seq = (value as { seq?: unknown } | null)?.seq;
      this.#bad(typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : expected, `entry ${position} is malformed: ${parsed.reason}`);
      if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq > this.#lastSeq) this.#lastSeq = seq;
      return;
    }
    const entry = parsed.entry;
    let actual: string;
    try {
      actual = entryHash(entry);
    } catch (err) {
      this.#bad(entry.seq, `#${entry.seq} cannot be encoded canonically: ${(err as Error).message}`);
      this.#advance(entry, entry.hash);
      return;
    }
    this.#matchCheckpoints(entry.seq, actual);
    if (this.#missing === entry.seq && entry.seq < this.#lastSeq) {
      this.#firstBad = { seq: entry.seq, reason: `#${entry.seq} appears after #${this.#lastSeq} (reordered)` };
      this.#missing = null;
    }
    if (this.#log === undefined) this.#adoptLog(entry.log);
    if (this.#firstSeq === null) this.#firstSeq = entry.seq;
    if (!this.#firstBad) this.#checkLinks(entry, actual, expected);
    this.#advance(entry, actual);
  }

  finish(): ChainReport {
    if (this.#missing !== null) this.#missing = null; // stays "deleted"
    let truncated: ChainReport['truncated'];
    for (const [seq, list] of this.#bySeq) {
      for (const pending of list) {
        const result = this.#results[pending.index]!;
        if (this.#firstSeq !== null && seq < this.#firstSeq) {
          Object.assign(result, { ok: true, reason: `#${seq} is before the first entry checked (#${this.#firstSeq})` });
        } else if (seq > this.#lastSeq) {
          const where = pending.source;
          const ends = this.#lastHash === null ? 'the log is empty' : `the log ends at #${this.#lastSeq}`;
          result.reason = `${ends} but a checkpoint signed by this laptop on ${where} covers #${seq}: entries were cut off`;
          if (!truncated || seq > truncated.checkpointSeq) truncated = { checkpointSeq: seq, lastSeq: this.#lastSeq, source: where };
        } else {
          result.reason = `${pending.source}: the checkpoint signs #${seq}, which is not in the log (deleted)`;
        }
      }
    }
    this.#bySeq.clear();
    if (truncated && (!this.#firstBad || this.#firstBad.seq > truncated.lastSeq + 1)) {
      const reason =
        this.#results.find((r) => r.seq === truncated.checkpointSeq && r.source === truncated.source)?.reason ?? 'entries were cut off';
      this.#firstBad = { seq: truncated.lastSeq + 1, reason };
    }
    if (!this.#firstBad) {
      const failed = this.#results.find((r) => !r.ok);
      if (failed) this.#firstBad = { seq: failed.seq, reason: failed.reason ?? 'a checkpoint does not match' };
    }
    const report: ChainReport = {
      ok: !this.#firstBad && this.#results.every((r) => r.ok),
      entries: this.#entries,
      head: this.#lastHash === null ? null : { seq: this.#lastSeq, hash: this.#lastHash },
      checkpoints: this.#results,
    };
    if (this.#firstBad) report.firstBad = this.#firstBad;
    if (truncated) report.truncated = truncated;
    return report;
  }

  #checkLinks(entry: AuditEntry, actual: string, expected: number): void {
    const seq = entry.seq;
    if (entry.log !== this.#log)
      return this.#bad(seq, `#${seq} belongs to another log (${entry.log.slice(0, 12)}…, not ${this.#log?.slice(0, 12)}…)`);
    if (actual !== entry.hash) return this.#bad(seq, `#${seq}: hash does not match its content (edited)`);
    if (seq > expected) {
      this.#missing = expected;
      const which = seq === expected + 1 ? `#${expected}` : `#${expected}–#${seq - 1}`;
      return this.#bad(expected, `${which} missing (deleted)`);
    }
    if (seq < expected) {
      if (this.#lastHash === null) return this.#bad(seq, `the entries start at #${seq}, expected #${expected}`);
      return this.#bad(seq, seq === this.#lastSeq ? `#${seq} appears twice` : `#${seq} appears after #${this.#lastSeq} (reordered)`);
    }
    if (seq === 1) {
      if (entry.prev !== GENESIS_PREV) return this.#bad(1, '#1: prev is not 64 zeros (the chain does not start here)');
      const publicKey = entry.params.publicKey;
      if (entry.action !== LOG_CREATED || entry.phase !== 'event' || typeof publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(publicKey))
        return this.#bad(1, `#1 must be the ${LOG_CREATED} event holding the log's public key`);
      if (fingerprint(fromHex(publicKey)) !== entry.log) return this.#bad(1, "#1: the public key it holds does not hash to the log's id");
      return;
    }
    if (this.#lastHash === null) {
      const want = this.#expectFirst?.prev;
      if (want !== undefined && entry.prev !== want)
        return this.#bad(seq, `#${seq}: prev does not link to #${seq - 1} (inserted or replaced)`);
      return;
    }
    if (entry.prev !== this.#lastHash)
      // #seq-1 is vouched for only by #seq's prev: either it was replaced (or inserted), or #seq was.
      return this.#bad(seq - 1, `#${seq}: prev does not link to #${seq - 1} (#${seq - 1} was inserted or replaced, or #${seq} was)`);
  }

  /** The first entry names the log when the caller did not: checkpoints of another log fail. */
  #adoptLog(log: string): void {
    this.#log = log;
    for (const [seq, list] of this.#bySeq) {
      const mine = list.filter((pending) => {
        if (pending.checkpoint.log === log) return true;
        this.#results[pending.index]!.reason =
          `${pending.source}: checkpoint is for log ${pending.checkpoint.log.slice(0, 12)}…, not ${log.slice(0, 12)}…`;
        return false;
      });
      if (mine.length) this.#bySeq.set(seq, mine);
      else this.#bySeq.delete(seq);
    }
  }

  #matchCheckpoints(seq: number, actual: string): void {
    const list = this.#bySeq.get(seq);
    if (!list) return;
    for (const pending of list) {
      const result = this.#results[pending.index]!;
      if (pending.checkpoint.head === actual) {
        result.ok = true;
        delete result.reason;
      } else {
        result.reason = `the checkpoint on ${pending.source} signed #${seq} with hash ${pending.checkpoint.head.slice(0, 12)}…, but #${seq} now hashes to ${actual.slice(0, 12)}…: the log was rewritten up to #${seq}`;
      }
    }
    this.#bySeq.delete(seq);
  }

  #advance(entry: AuditEntry, hash: string): void {
    if (entry.seq >= this.#lastSeq || this.#lastHash === null) {
      this.#lastSeq = entry.seq;
      this.#lastHash = hash;
    }
  }

  #bad(seq: number, reason: string): void {
    if (!this.#firstBad) this.#firstBad = { seq, reason };
  }
}

/** Verifies entries (parsed or raw JSON values) in the order given, with the checkpoints given. */
export function verifyChain(entries: Iterable<AuditEntry | unknown>, options: VerifyOptions = {}): ChainReport {
  const checker = new ChainChecker(options);
  let position = 0;
  for (const value of entries) checker.push(value, ++position);
  return checker.finish();
}

/** One line for people: "verified: 1,234 entries, head #1234 abcd…" or "broken at #42: …". */
export function describeReport(report: ChainReport): string {
  if (report.ok)
    return `verified: ${report.entries.toLocaleString('en')} entries, head ${report.head ? `#${report.head.seq} ${report.head.hash.slice(0, 16)}…` : 'none'}, ${report.checkpoints.length} checkpoint(s) match`;
  if (report.firstBad) return `broken at #${report.firstBad.seq}: ${report.firstBad.reason}`;
  return 'broken: a checkpoint does not match';
}
