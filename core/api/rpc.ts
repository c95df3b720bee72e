/**
 * The RPC envelope both hosts carry (WebSocket text frames, Electron MessagePort messages).
 *
 * The codec is pure and DOM/Node-free so that the renderer's client and the engine's server
 * share it: JSON in, a validated envelope or a specific reason out.
 */
import { z } from 'zod';
import type { ApiErrorShape } from './contract.js';

export const callMessage = z
  .object({
    type: z.literal('call'),
    id: z.number().int().nonnegative(),
    method: z.string().min(1),
    params: z.unknown().optional(),
  })
  .strict();

const errorShape = z.object({ code: z.string(), message: z.string(), fix: z.string().optional() });

export const resultMessage = z.union([
  z.object({ type: z.literal('result'), id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({ type: z.literal('result'), id: z.number().int(), ok: z.literal(false), error: errorShape }),
]);

export const eventMessage = z.object({ type: z.literal('event'), event: z.string(), data: z.unknown() });

export type CallMessage = z.infer<typeof callMessage>;
export type ResultMessage =
  { type: 'result'; id: number; ok: true; value: unknown } | { type: 'result'; id: number; ok: false; error: ApiErrorShape };
export type EventMessage = { type: 'event'; event: string; data: unknown };
export type ServerMessage = ResultMessage | EventMessage;

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Largest envelope a host accepts from a client, before JSON parsing. */
export const MAX_CALL_BYTES = 1024 * 1024;

function parseJson(text: string): Decoded<unknown> {
  if (text.length > MAX_CALL_BYTES) return { ok: false, reason: `message is ${text.length} bytes, the limit is ${MAX_CALL_BYTES}` };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, reason: `message is not JSON: ${(err as Error).message}` };
  }
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'message'}: ${i.message}`).join('; ');
}

export function decodeCall(text: string): Decoded<CallMessage> {
  const json = parseJson(text);
  if (!json.ok) return json;
  const parsed = callMessage.safeParse(json.value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: `not a call: ${describe(parsed.error)}` };
}

export function decodeServerMessage(text: string): Decoded<ServerMessage> {
  const json = parseJson(text);
  if (!json.ok) return json;
  const asResult = resultMessage.safeParse(json.value);
  if (asResult.success) return { ok: true, value: asResult.data as ResultMessage };
  const asEvent = eventMessage.safeParse(json.value);
  if (asEvent.success) return { ok: true, value: asEvent.data as EventMessage };
  return { ok: false, reason: `not a result or event: ${describe(asResult.error)}` };
}

export { describe as describeZodError };
