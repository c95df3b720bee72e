/**
 * Reading a receiver's answers: what an acknowledgement must account for, and the reason to show
 * when it is not one.
 */
import type { AuditBatch } from './batch.js';
import type { HttpAnswer } from './sync-http.js';
import type { SyncConfig } from './sync-state.js';

/** A receiver answer that means "stop and look": conflict, refused auth, malformed batch. */
export class SyncError extends Error {}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export function reasonOf(answer: HttpAnswer): string {
  const body = parseJson(answer.body) as { reason?: unknown; message?: unknown; error?: unknown } | null;
  const reason =
    typeof body?.reason === 'string' ? body.reason : typeof body?.message === 'string' ? body.message : answer.body.slice(0, 200);
  return reason || `HTTP ${answer.status}`;
}

export function failureText(answer: HttpAnswer, first?: number, last?: number): string {
  const range = first !== undefined ? ` for #${first}–#${last}` : '';
  if (answer.status === 401 || answer.status === 403)
    return `the receiver refused the credentials (HTTP ${answer.status}): ${reasonOf(answer)}`;
  if (answer.status >= 500) return `the receiver failed (HTTP ${answer.status})${range}: ${reasonOf(answer)}`;
  return `the receiver rejected the batch${range} (HTTP ${answer.status}): ${reasonOf(answer)}`;
}

export interface Ack {
  readonly accepted: number;
  readonly duplicates: number;
  readonly gaps: readonly (readonly [number, number])[];
}

/**
 * The receiver must account for every entry of the batch (accepted + duplicates); an OTLP
 * collector answers only `partialSuccess`, which must reject nothing.
 */
export function readAck(answer: HttpAnswer, batch: AuditBatch, format: SyncConfig['format']): Ack {
  const count = batch.entries.length;
  const body = parseJson(answer.body) as Record<string, unknown> | null;
  const partial = body?.partialSuccess as { rejectedLogRecords?: unknown; errorMessage?: unknown } | undefined;
  const rejected = Number(partial?.rejectedLogRecords ?? 0);
  if (rejected > 0)
    throw new SyncError(`the receiver rejected ${rejected} of ${count + 1} records: ${String(partial?.errorMessage ?? '')}`);
  const gaps = Array.isArray(body?.gaps)
    ? (body.gaps as unknown[]).filter(
        (g): g is [number, number] => Array.isArray(g) && typeof g[0] === 'number' && typeof g[1] === 'number',
      )
    : [];
  if (typeof body?.accepted === 'number' && typeof body.duplicates === 'number') {
    if (body.accepted + body.duplicates !== count)
      throw new SyncError(
        `the receiver acknowledged ${body.accepted + body.duplicates} of the ${count} entries #${batch.first}–#${batch.last}`,
      );
    return { accepted: body.accepted, duplicates: body.duplicates, gaps };
  }
  if (format === 'otlp') return { accepted: count, duplicates: 0, gaps }; // a collector answers {} or {partialSuccess:{}}
  throw new SyncError(`the receiver's answer does not acknowledge the batch: ${answer.body.slice(0, 200)}`);
}
