/**
 * Reads the envelopes the engine sends over the web host's WebSocket.
 *
 * The renderer may import only types from core/api (its zod codec is engine-side), so this is a
 * small structural check of the same shapes. Pure, for the unit tests.
 */
import type { ServerMessage } from '../../core/api/rpc.js';

export type ParsedServerMessage = { ok: true; message: ServerMessage } | { ok: false; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseServerMessage(text: string): ParsedServerMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'message is not JSON' };
  }
  if (!isRecord(value)) return { ok: false, reason: 'message is not an object' };
  if (value.type === 'event') {
    if (typeof value.event !== 'string') return { ok: false, reason: 'event without a name' };
    return { ok: true, message: { type: 'event', event: value.event, data: value.data } };
  }
  if (value.type === 'result') {
    if (typeof value.id !== 'number') return { ok: false, reason: 'result without an id' };
    if (value.ok === true) return { ok: true, message: { type: 'result', id: value.id, ok: true, value: value.value } };
    const error = value.error;
    if (value.ok === false && isRecord(error) && typeof error.code === 'string' && typeof error.message === 'string') {
      const shape =
        typeof error.fix === 'string'
          ? { code: error.code, message: error.message, fix: error.fix }
          : { code: error.code, message: error.message };
      return { ok: true, message: { type: 'result', id: value.id, ok: false, error: shape } };
    }
    return { ok: false, reason: 'result is neither a value nor an error' };
  }
  return { ok: false, reason: 'unknown message type' };
}
