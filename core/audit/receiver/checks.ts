/**
 * What the reference receiver checks in a batch before it stores anything: every entry's hash,
 * the links inside the run, the first entry's binding of the key, the checkpoint's signature and
 * its match with the last entry, and that the log id is the hash of the public key.
 *
 * Links to entries the receiver already holds are checked by the store, inside the transaction
 * that inserts the batch.
 */
import type { AuditBatch } from '../batch.js';
import type { Checkpoint } from '../checkpoint.js';
import { checkCheckpoint } from '../checkpoint.js';
import { entryHash, GENESIS_PREV } from '../entry.js';
import { fingerprint, fromHex } from '../../protocol/identity.js';
import { LOG_CREATED_ACTION } from '../audit-log.js';

/** The answer a rejected batch gets: status, a machine code and the reason for a person. */
export interface Rejection {
  readonly status: 400 | 401 | 409 | 413 | 422;
  readonly error: 'malformed' | 'unauthorized' | 'oversize' | 'integrity' | 'signature' | 'chain' | 'conflict';
  readonly reason: string;
  readonly seq?: number;
}

/**
 * A run of entries to store: an upload batch, or a slice of an export file (whose checkpoint
 * covers only the file's last entry, so slices before it carry none).
 */
export type IngestRun = Pick<AuditBatch, 'log' | 'publicKey' | 'first' | 'last' | 'entries'> & { readonly checkpoint: Checkpoint | null };

export function checkBatch(batch: IngestRun): Rejection | null {
  if (fingerprint(fromHex(batch.publicKey)) !== batch.log)
    return { status: 422, error: 'signature', reason: 'publicKey does not hash to log: the batch is not from the key that names the log' };
  let prevHash: string | null = null;
  for (const entry of batch.entries) {
    if (entryHash(entry) !== entry.hash)
      return { status: 422, error: 'integrity', seq: entry.seq, reason: `#${entry.seq}: hash does not match its content (edited)` };
    if (prevHash !== null && entry.prev !== prevHash)
      return {
        status: 409,
        error: 'chain',
        seq: entry.seq,
        reason: `#${entry.seq}: prev does not link to #${entry.seq - 1} (inserted or replaced)`,
      };
    if (entry.seq === 1) {
      const created = checkGenesis(entry.prev, entry.action, entry.params.publicKey, batch.publicKey);
      if (created) return { status: 409, error: 'chain', seq: 1, reason: `#1: ${created}` };
    }
    prevHash = entry.hash;
  }
  if (batch.checkpoint === null) return null;
  const checked = checkCheckpoint(batch.checkpoint, batch.log);
  if (!checked.ok) return { status: 422, error: 'signature', seq: batch.checkpoint.seq, reason: checked.reason };
  const last = batch.entries[batch.entries.length - 1];
  if (!last || batch.checkpoint.seq !== last.seq || batch.checkpoint.head !== last.hash)
    return {
      status: 422,
      error: 'signature',
      seq: batch.checkpoint.seq,
      reason: `checkpoint at #${batch.checkpoint.seq} does not match the batch's last entry #${batch.last}`,
    };
  if (batch.checkpoint.publicKey !== batch.publicKey)
    return { status: 422, error: 'signature', reason: 'checkpoint publicKey is not the batch publicKey' };
  return null;
}

/** Entry 1 opens the chain and binds the audit key into it. */
function checkGenesis(prev: string, action: string, publicKey: unknown, batchKey: string): string | null {
  if (prev !== GENESIS_PREV) return 'the first entry must have prev = 64 zeros';
  if (action !== LOG_CREATED_ACTION) return `the first entry must be "${LOG_CREATED_ACTION}", found "${action}"`;
  if (publicKey !== batchKey) return 'the first entry does not bind the batch publicKey';
  return null;
}
