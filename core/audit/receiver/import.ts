/**
 * `fieldline ingest --import FILE`: an export file (sneakernet) into the receiver's store with the
 * same checks and dedupe as an upload. readExport checks the whole file first (signature line,
 * every line, chain, checkpoint); the entries are then stored in slices inside one transaction,
 * so a file that conflicts with what the receiver holds leaves nothing behind.
 */
import { readExport } from '../export-file.js';
import type { AuditEntry } from '../entry.js';
import { checkBatch, type IngestRun, type Rejection } from './checks.js';
import type { Gap, ReceiverStore } from './store.js';

export interface ImportResult {
  readonly log: string;
  readonly first: number;
  readonly last: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly head: { seq: number; hash: string } | null;
  readonly gaps: readonly Gap[];
}

export class ImportRejectedError extends Error {
  constructor(
    readonly file: string,
    readonly rejection: Rejection,
  ) {
    super(`${file}: ${rejection.reason}`);
    this.name = 'ImportRejectedError';
  }
}

const SLICE = 1000;

export async function importExport(store: ReceiverStore, file: string): Promise<ImportResult> {
  const exported = await readExport(file);
  const { header, checkpoint } = exported;
  let accepted = 0;
  let duplicates = 0;
  let result: { head: ImportResult['head']; gaps: readonly Gap[] } = { head: null, gaps: [] };
  const store_ = (entries: AuditEntry[], last: boolean): void => {
    const run: IngestRun = {
      log: header.log,
      publicKey: header.publicKey,
      first: entries[0]!.seq,
      last: entries[entries.length - 1]!.seq,
      entries,
      checkpoint: last ? checkpoint : null,
    };
    const problem = checkBatch(run);
    if (problem) throw new ImportRejectedError(file, problem);
    const outcome = store.ingest(run, null);
    if (!outcome.ok) throw new ImportRejectedError(file, outcome.rejection);
    accepted += outcome.result.accepted;
    duplicates += outcome.result.duplicates;
    result = outcome.result;
  };
  store.begin();
  try {
    let slice: AuditEntry[] = [];
    for await (const entry of exported.entries()) {
      slice.push(entry);
      if (slice.length === SLICE && entry.seq !== header.last) {
        store_(slice, false);
        slice = [];
      }
    }
    if (slice.length) store_(slice, true);
    store.commit();
  } catch (err) {
    store.rollback();
    throw err;
  }
  return { log: header.log, first: header.first, last: header.last, accepted, duplicates, head: result.head, gaps: result.gaps };
}
