/**
 * `audit.witness`: the laptop leaves the latest signed checkpoint of its audit log here, and reads
 * back the one held (protocol.md §6.19). Only a checkpoint whose signature verifies is kept.
 */
import { z } from 'zod';
import { checkCheckpoint } from '../../core/audit/checkpoint.js';
import { FgpError } from '../../core/protocol/errors.js';
import { defineMethod } from '../method.js';

const params = z
  .object({
    log: z.string().regex(/^[0-9a-f]{64}$/, 'log is the 64-hex key id of the laptop audit key'),
    checkpoint: z.unknown().optional(),
  })
  .strict();

export const auditWitness = defineMethod('auth', params, async ({ agent, params: p }) => {
  if (p.checkpoint === undefined) return { stored: await agent.witnesses.get(p.log), kept: true, conflict: false };
  const checked = checkCheckpoint(p.checkpoint, p.log);
  if (!checked.ok) throw new FgpError('bad_checkpoint', checked.reason);
  const outcome = await agent.witnesses.offer(checked.checkpoint);
  if (outcome.conflict)
    agent.log.warn(`audit log ${p.log.slice(0, 12)}…: checkpoint #${checked.checkpoint.seq} differs from the one witnessed`);
  return outcome;
});
