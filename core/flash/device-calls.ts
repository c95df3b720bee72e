/**
 * The FGP flash methods as the app calls them: typed params, validated answers.
 *
 * Shapes are fixed by notes/FLASH-DESIGN.md. Device errors come through as FgpError with the
 * device's code (no_space, out_of_order, artifact_corrupt, bundle_refused…); an answer of the
 * wrong shape becomes `bad_response` here, never a crash further up.
 */
import { z } from 'zod';
import { FgpError } from '../protocol/errors.js';
import type { FgpPeer } from '../protocol/peer.js';

const uint = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const slotName = z.enum(['a', 'b']);

export const beginResult = z.object({ held: uint, maxChunk: uint.min(1), window: uint.min(1) });
export const chunkResult = z.object({ held: uint });
export const statusResult = z.object({ held: uint, size: uint, complete: z.boolean(), verified: z.boolean() });
export const commitResult = z.object({ verified: z.literal(true), kind: z.string(), name: z.string(), version: z.string() });
export const installResult = z.object({ slot: slotName.optional(), model: z.string().optional(), version: z.string() });
export const rebootResult = z.object({ rebooting: z.literal(true), rebootMs: uint.optional() });
export const confirmResult = z.object({ activeSlot: slotName, version: z.string() });

/** The parts of `status` the flash flow reads; the rest is ignored. */
export const flashStatus = z
  .object({
    firmware: z.object({ version: z.string(), activeSlot: slotName }),
    trial: z.object({ slot: slotName, deadline: z.number() }).nullable().optional(),
    lastRollback: z.object({ at: z.number(), reason: z.string() }).nullable().optional(),
    health: z.unknown().optional(),
    disk: z.object({ free: z.number().optional() }).passthrough().nullable().optional(),
  })
  .passthrough();

export type BeginResult = z.infer<typeof beginResult>;
export type CommitResult = z.infer<typeof commitResult>;
export type InstallResult = z.infer<typeof installResult>;
export type FlashStatus = z.infer<typeof flashStatus>;

export async function call<S extends z.ZodType>(
  peer: FgpPeer,
  method: string,
  params: Record<string, unknown>,
  schema: S,
  timeoutMs?: number,
): Promise<z.infer<S>> {
  const raw = await peer.request(method, params, timeoutMs);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'result'}: ${i.message}`).join('; ');
    throw new FgpError('bad_response', `the gateway's ${method} answer is malformed: ${detail}`);
  }
  return parsed.data;
}

export function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/**
 * Whether a `status.health` value says the gateway is healthy. The agent reports either a
 * boolean, `{ ok }` or `{ status: 'ok' | … }`; anything else counts as not healthy.
 */
export function isHealthy(health: unknown): boolean {
  if (health === true || health === 'ok') return true;
  if (typeof health !== 'object' || health === null) return false;
  const h = health as { ok?: unknown; status?: unknown; state?: unknown };
  return h.ok === true || h.status === 'ok' || h.state === 'ok';
}

/** A sentence for an unhealthy `status.health`, for the job's failure reason. */
export function describeHealth(health: unknown): string {
  if (typeof health !== 'object' || health === null) return `health is ${JSON.stringify(health) ?? 'missing'}`;
  const h = health as { reason?: unknown; message?: unknown; checks?: unknown };
  if (typeof h.reason === 'string') return h.reason;
  if (typeof h.message === 'string') return h.message;
  if (Array.isArray(h.checks)) {
    const failed = h.checks
      .filter((c: unknown) => typeof c === 'object' && c !== null && (c as { ok?: unknown }).ok === false)
      .map((c: unknown) => String((c as { message?: unknown; name?: unknown }).message ?? (c as { name?: unknown }).name));
    if (failed.length) return failed.join('; ');
  }
  return JSON.stringify(health);
}
