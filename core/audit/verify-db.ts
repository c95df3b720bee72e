/**
 * Verifies audit.db as it is on disk: every stored entry in seq order, against every stored
 * checkpoint and every checkpoint left on a gateway. Needs no key and writes nothing, so it
 * can check a copy of someone else's data folder.
 */
import type { Db } from './audit-db.js';
import { verifyChain, type ChainReport } from './verify.js';

const PAGE = 1024;

export function verifyAuditDb(db: Db, extraCheckpoints: Iterable<{ source: string; checkpoint: unknown }> = []): ChainReport {
  return verifyChain(storedEntries(db), { checkpoints: [...storedCheckpoints(db), ...extraCheckpoints] });
}

/** Stored entries as parsed JSON (the raw text when it is not JSON, so verify names it). */
export function* storedEntries(db: Db): IterableIterator<unknown> {
  const page = db.prepare<[number, number], { seq: number; entry: string }>(
    'SELECT seq, entry FROM audit_entries WHERE seq >= ? ORDER BY seq LIMIT ?',
  );
  for (let next = Number.MIN_SAFE_INTEGER; ;) {
    const rows = page.all(next, PAGE);
    for (const row of rows) yield parseOrText(row.entry);
    if (rows.length < PAGE) return;
    next = rows[rows.length - 1]!.seq + 1;
  }
}

export function storedCheckpoints(db: Db): { source: string; checkpoint: unknown }[] {
  const stored = db.prepare<[], { checkpoint: string }>('SELECT checkpoint FROM audit_checkpoints ORDER BY seq').all();
  const witnesses = db
    .prepare<[], { device_id: string; checkpoint: string }>('SELECT device_id, checkpoint FROM audit_witnesses ORDER BY seq')
    .all();
  return [
    ...stored.map((row) => ({ source: 'audit.db', checkpoint: parseOrText(row.checkpoint) })),
    ...witnesses.map((row) => ({ source: `gateway ${row.device_id}`, checkpoint: parseOrText(row.checkpoint) })),
  ];
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
