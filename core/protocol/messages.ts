/**
 * FGP message envelopes: CBOR maps with text keys.
 *
 *   request  {id: uint, method: text, params?: map}
 *   response {id: uint, result: any} | {id: uint, error: {code: text, message: text, data?: any}}
 *   event    {event: text, data?: any}
 */
import { decodeCbor, encodeCbor } from './cbor.js';

export interface RequestMessage {
  readonly kind: 'request';
  readonly id: number;
  readonly method: string;
  readonly params: Record<string, unknown>;
}
export interface ResponseMessage {
  readonly kind: 'response';
  readonly id: number;
  readonly result: unknown;
}
export interface ErrorMessage {
  readonly kind: 'error';
  readonly id: number;
  readonly error: { readonly code: string; readonly message: string; readonly data?: unknown };
}
export interface EventMessage {
  readonly kind: 'event';
  readonly event: string;
  readonly data: unknown;
}
export type Message = RequestMessage | ResponseMessage | ErrorMessage | EventMessage;

export type MessageResult = { ok: true; message: Message } | { ok: false; reason: string };

export const MAX_REQUEST_ID = 0xffffffff;

export function isPlainMap(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Map) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

function validId(id: unknown): id is number {
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= MAX_REQUEST_ID;
}

export function encodeMessage(message: Message): Uint8Array {
  switch (message.kind) {
    case 'request':
      return encodeCbor({ id: message.id, method: message.method, params: message.params });
    case 'response':
      return encodeCbor({ id: message.id, result: message.result ?? null });
    case 'error':
      return encodeCbor({ id: message.id, error: message.error });
    case 'event':
      return encodeCbor({ event: message.event, data: message.data ?? null });
  }
}

/** Decodes and classifies one frame payload; every rejection names what was wrong. */
export function decodeMessage(payload: Uint8Array): MessageResult {
  const decoded = decodeCbor(payload);
  if (!decoded.ok) return decoded;
  const m = decoded.value;
  if (!isPlainMap(m)) return { ok: false, reason: 'message is not a CBOR map with text keys' };
  if ('method' in m) {
    if (!validId(m.id)) return { ok: false, reason: 'request "id" must be an unsigned integer below 2^32' };
    if (typeof m.method !== 'string' || m.method.length === 0 || m.method.length > 64)
      return { ok: false, reason: 'request "method" must be a text string of 1 to 64 characters' };
    const params = m.params ?? {};
    if (!isPlainMap(params)) return { ok: false, reason: `request "params" for ${m.method} must be a map` };
    return { ok: true, message: { kind: 'request', id: m.id, method: m.method, params } };
  }
  if ('event' in m) {
    if (typeof m.event !== 'string' || m.event.length === 0) return { ok: false, reason: 'event "event" must be a non-empty text string' };
    return { ok: true, message: { kind: 'event', event: m.event, data: m.data ?? null } };
  }
  if (!validId(m.id)) return { ok: false, reason: 'message has no "method" or "event", and no valid response "id"' };
  if ('error' in m) {
    const e = m.error;
    if (!isPlainMap(e) || typeof e.code !== 'string' || typeof e.message !== 'string')
      return { ok: false, reason: 'response "error" must be a map with text "code" and "message"' };
    return {
      ok: true,
      message: {
        kind: 'error',
        id: m.id,
        error: e.data === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, data: e.data },
      },
    };
  }
  if ('result' in m) return { ok: true, message: { kind: 'response', id: m.id, result: m.result } };
  return { ok: false, reason: 'response has neither "result" nor "error"' };
}
