/**
 * Checkpoints: the laptop's audit key signs the chain head (seq and hash). A hash chain alone
 * cannot show that its tail was cut off; a signed checkpoint held elsewhere (on a gateway that
 * was touched, on the receiver) can.
 */
import { z } from 'zod';
import { canonicalBytes } from './canonical.js';
import { AUDIT_FORMAT_VERSION } from './entry.js';
import { fingerprint, fromHex, signBytes, toHex, verifyBytes, type Ed25519Identity } from '../protocol/identity.js';

export const CHECKPOINT_TYPE = 'fieldline-audit-checkpoint';
const hex = (len: number): z.ZodString => z.string().regex(new RegExp(`^[0-9a-f]{${len}}$`), `must be ${len} lowercase hex digits`);

export const checkpointSchema = z
  .object({
    type: z.literal(CHECKPOINT_TYPE),
    v: z.literal(AUDIT_FORMAT_VERSION),
    log: hex(64),
    seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    head: hex(64), // the `hash` of entry `seq`
    time: z.number().int().min(0),
    publicKey: hex(64), // raw Ed25519 public key; its SHA-256 is `log`
    signature: hex(128), // Ed25519 over canonicalJson(checkpoint without "signature")
  })
  .strict();

export type Checkpoint = z.infer<typeof checkpointSchema>;

export function signCheckpoint(key: Ed25519Identity, seq: number, head: string, time: number = Date.now()): Checkpoint {
  const body = { type: CHECKPOINT_TYPE, v: AUDIT_FORMAT_VERSION, log: key.id, seq, head, time, publicKey: toHex(key.publicKey) } as const;
  return { ...body, signature: toHex(signBytes(key, canonicalBytes(body))) };
}

export type CheckpointCheck = { ok: true; checkpoint: Checkpoint } | { ok: false; reason: string };

/** Parses and verifies a checkpoint from untrusted input: shape, key id and signature. */
export function checkCheckpoint(value: unknown, expectedLog?: string): CheckpointCheck {
  const parsed = checkpointSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `checkpoint ${issue?.path.join('.') || ''}: ${issue?.message ?? 'invalid'}`.replace('checkpoint :', 'checkpoint:'),
    };
  }
  const checkpoint = parsed.data;
  const publicKey = fromHex(checkpoint.publicKey);
  if (fingerprint(publicKey) !== checkpoint.log) return { ok: false, reason: 'checkpoint: publicKey does not hash to log' };
  if (expectedLog !== undefined && checkpoint.log !== expectedLog)
    return { ok: false, reason: `checkpoint is for log ${checkpoint.log.slice(0, 12)}…, not ${expectedLog.slice(0, 12)}…` };
  const { signature, ...body } = checkpoint;
  if (!verifyBytes(publicKey, canonicalBytes(body), fromHex(signature)))
    return { ok: false, reason: `checkpoint at #${checkpoint.seq}: signature does not verify` };
  return { ok: true, checkpoint };
}
