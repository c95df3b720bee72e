/**
 * Engine-side validation and routing of API calls.
 *
 * Every call is checked against the contract before a handler sees it, and every failure comes
 * back as an error envelope: a bad call from a UI can never throw inside the engine.
 */
import type { z } from 'zod';
import { ApiError, isMethodName, methods, type EventName, type EventOf, type MethodName, type Methods, type ResultOf } from './contract.js';
import { decodeCall, describeZodError, type ServerMessage } from './rpc.js';

export type Handlers = {
  [M in MethodName]: (params: z.output<Methods[M]['params']>) => Promise<ResultOf<M>>;
};

export type EventSink = <E extends EventName>(event: E, data: EventOf<E>) => void;

type Outcome = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string; fix?: string } };

export function toErrorShape(err: unknown): { code: string; message: string; fix?: string } {
  if (err instanceof ApiError) return err.toJSON();
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'internal';
  const message = err instanceof Error ? err.message : String(err);
  const fix = typeof (err as { fix?: unknown })?.fix === 'string' ? (err as { fix: string }).fix : undefined;
  return fix === undefined ? { code, message } : { code, message, fix };
}

export async function dispatch(handlers: Handlers, method: string, params: unknown): Promise<Outcome> {
  if (!isMethodName(method)) {
    return { ok: false, error: { code: 'unknown_method', message: `"${method}" is not a Fieldline API method` } };
  }
  const parsed = methods[method].params.safeParse(params ?? {});
  if (!parsed.success) {
    return { ok: false, error: { code: 'invalid_params', message: `${method}: ${describeZodError(parsed.error)}` } };
  }
  try {
    const handler = handlers[method] as (p: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (err) {
    return { ok: false, error: toErrorShape(err) };
  }
}

/** A bidirectional text channel: a WebSocket, an Electron MessagePort, a test pipe. */
export interface TextChannel {
  send(text: string): void;
  onMessage(listener: (text: string) => void): void;
  onClose(listener: () => void): void;
}

/**
 * Serves the API over one channel: decodes calls, answers them, forwards events.
 *
 * Malformed envelopes are answered with an error (id -1 when no id could be read).
 */
export function serveChannel(
  handlers: Handlers,
  subscribe: (listener: (event: EventName, data: unknown) => void) => () => void,
  channel: TextChannel,
): void {
  const send = (message: ServerMessage): void => channel.send(JSON.stringify(message));
  const unsubscribe = subscribe((event, data) => send({ type: 'event', event, data }));
  channel.onClose(unsubscribe);
  channel.onMessage((text) => {
    const call = decodeCall(text);
    if (!call.ok) {
      send({ type: 'result', id: -1, ok: false, error: { code: 'bad_message', message: call.reason } });
      return;
    }
    const { id, method, params } = call.value;
    void dispatch(handlers, method, params).then((outcome) =>
      send(outcome.ok ? { type: 'result', id, ok: true, value: outcome.value } : { type: 'result', id, ok: false, error: outcome.error }),
    );
  });
}
