/**
 * Witnesses on gateways: after a device action the engine leaves the latest signed checkpoint of
 * this laptop's audit log on the gateway (FGP `audit.witness`), and can later read it back to show
 * that the laptop's log still reaches at least that far with the same head.
 */
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import { checkCheckpoint, type Checkpoint } from '../audit/checkpoint.js';
import type { FgpPeer } from '../protocol/peer.js';

const witnessAnswer = z.object({ stored: z.unknown(), kept: z.boolean(), conflict: z.boolean() }).loose();

export interface WitnessAnswer {
  readonly stored: Checkpoint | null;
  readonly kept: boolean;
  readonly conflict: boolean;
}

/** Sends `checkpoint` (or only asks, without one) over an authenticated session. */
export async function exchangeWitness(peer: FgpPeer, log: string, checkpoint?: Checkpoint): Promise<WitnessAnswer> {
  const raw: unknown = await peer.request('audit.witness', checkpoint ? { log, checkpoint } : { log });
  const answer = witnessAnswer.parse(raw);
  if (answer.stored === null || answer.stored === undefined) return { stored: null, kept: answer.kept, conflict: answer.conflict };
  const checked = checkCheckpoint(answer.stored, log);
  if (!checked.ok) throw new Error(`the gateway's witness is not valid: ${checked.reason}`);
  return { stored: checked.checkpoint, kept: answer.kept, conflict: answer.conflict };
}

/** Whether the laptop's chain agrees with a checkpoint a gateway holds, in a sentence. */
export function judgeWitness(log: AuditLog, stored: Checkpoint | null): { ok: boolean; reason: string } {
  if (!stored) return { ok: true, reason: 'the gateway holds no checkpoint of this laptop’s log yet' };
  const head = log.head();
  if (stored.seq > head.seq)
    return {
      ok: false,
      reason: `the gateway holds a checkpoint at #${stored.seq}, but this laptop’s log ends at #${head.seq}: entries were cut off`,
    };
  const entry = log.get(stored.seq);
  if (!entry)
    return { ok: false, reason: `entry #${stored.seq}, which the gateway's checkpoint covers, is missing from this laptop's log` };
  if (entry.hash !== stored.head)
    return { ok: false, reason: `entry #${stored.seq} differs from the one the gateway witnessed: the log was rewritten after that point` };
  return { ok: true, reason: `the gateway's checkpoint at #${stored.seq} matches this laptop's log` };
}
