/**
 * The page's only door to the engine: `window.fieldline`, shaped exactly like the contract.
 *
 * A sandboxed preload can load no local file, so this one is self-contained: at runtime it
 * requires only 'electron'; from core/api it takes types alone. The method and event tables
 * below are checked against the contract by the compiler (a missing or an extra name fails
 * `tsc`), and scripts/copy-preload.mjs checks the built file against the built contract.
 *
 * Calls travel as JSON envelopes (core/api/rpc.ts) on a MessagePort that the main process
 * hands over; the engine validates every one. The page never sees the port, `ipcRenderer`
 * or any way to send a message of its own choosing: only the named methods and `on`.
 */
import electron = require('electron');
import type { EventName, FieldlineApi, MethodName } from '../core/api/contract.js';

const METHODS = {
  'app.info': true,
  'profile.get': true,
  'profile.create': true,
  'discovery.start': true,
  'discovery.stop': true,
  'discovery.report': true,
  'devices.list': true,
  'devices.info': true,
  'devices.add': true,
  'devices.authenticate': true,
  'bundles.list': true,
  'bundles.import': true,
  'bundles.get': true,
  'bundles.check': true,
  'bundles.remove': true,
  'trust.list': true,
  'trust.import': true,
  'trust.remove': true,
  'trust.revoke': true,
  'flash.plan': true,
  'flash.start': true,
  'flash.cancel': true,
  'flash.retry': true,
  'flash.resumeInterrupted': true,
  'flash.list': true,
  'flash.get': true,
  'flash.export': true,
  'bench.run': true,
  'bench.list': true,
  'bench.get': true,
  'bench.cancel': true,
  'bench.export': true,
  'diagnose.run': true,
  'diagnose.list': true,
  'audit.list': true,
  'audit.verify': true,
  'audit.status': true,
  'audit.configure': true,
  'audit.sync': true,
  'audit.export': true,
  'audit.witness': true,
  'secrets.status': true,
  'secrets.unlock': true,
  'secrets.setPassphrase': true,
} as const satisfies Record<MethodName, true>;

const EVENTS = {
  'devices.changed': true,
  'discovery.report': true,
  'bundles.changed': true,
  'flash.progress': true,
  'bench.progress': true,
  'audit.appended': true,
  'audit.sync': true,
  'app.command': true,
  'engine.status': true,
} as const satisfies Record<EventName, true>;

/** Must match PORT_CHANNEL in engine-host.ts (this file cannot import it). */
const PORT_CHANNEL = 'fieldline:port';

/** The DOM MessagePort as this file uses it (the preload compiles without the DOM library). */
interface EnginePort {
  postMessage(message: string): void;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  close(): void;
}

/** What a failed call rejects with: a plain object, because contextBridge strips Error fields. */
interface CallError {
  readonly code: string;
  readonly message: string;
  readonly fix?: string;
}

interface Pending {
  readonly method: string;
  readonly text: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: CallError) => void;
  sent: boolean;
}

let port: EnginePort | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();
const listeners = new Map<string, Set<(data: unknown) => void>>();

function callError(code: string, message: string, fix?: string): CallError {
  return Object.freeze(fix === undefined ? { code, message } : { code, message, fix });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function receive(data: unknown): void {
  if (typeof data !== 'string') return;
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    console.error('fieldline: the engine sent a message that is not JSON');
    return;
  }
  if (!isRecord(message)) return;
  if (message.type === 'event' && typeof message.event === 'string') {
    for (const listener of listeners.get(message.event) ?? []) {
      try {
        listener(message.data);
      } catch (err) {
        // One faulty listener must not starve the others.
        console.error(`fieldline: a "${message.event}" listener threw`, err);
      }
    }
    return;
  }
  if (message.type !== 'result' || typeof message.id !== 'number') return;
  const call = pending.get(message.id);
  if (!call) {
    if (isRecord(message.error)) console.error(`fieldline: the engine rejected a message: ${String(message.error.message)}`);
    return;
  }
  pending.delete(message.id);
  if (message.ok === true) {
    call.resolve(message.value);
  } else {
    const error = isRecord(message.error) ? message.error : {};
    call.reject(
      callError(
        typeof error.code === 'string' ? error.code : 'internal',
        typeof error.message === 'string' ? error.message : `${call.method} failed without an explanation`,
        typeof error.fix === 'string' ? error.fix : undefined,
      ),
    );
  }
}

/** Takes a new link to the engine: the first one, or a replacement after an engine restart. */
function adopt(next: EnginePort): void {
  if (port) {
    port.onmessage = null;
    port.close();
    for (const [id, call] of pending) {
      if (!call.sent) continue;
      pending.delete(id);
      call.reject(callError('engine_restarted', `The Fieldline engine restarted while ${call.method} was running.`, 'Try again.'));
    }
  }
  port = next;
  // Assigning onmessage also starts the port.
  next.onmessage = (event) => receive(event.data);
  for (const call of pending.values()) {
    if (call.sent) continue;
    call.sent = true;
    next.postMessage(call.text);
  }
}

function call(method: MethodName, params: unknown): Promise<unknown> {
  return new Promise((resolve, reject: (error: CallError) => void) => {
    let text: string;
    try {
      text = JSON.stringify({ type: 'call', id: nextId, method, params: params ?? {} });
    } catch (err) {
      reject(callError('invalid_params', `${method}: the parameters cannot be sent (${err instanceof Error ? err.message : String(err)})`));
      return;
    }
    const entry: Pending = { method, text, resolve, reject, sent: port !== null };
    pending.set(nextId++, entry);
    // Calls made before the first port arrives wait in `pending` and go out on adoption.
    port?.postMessage(text);
  });
}

function on(event: EventName, listener: (data: unknown) => void): () => void {
  if (!Object.prototype.hasOwnProperty.call(EVENTS, event)) throw new TypeError(`"${String(event)}" is not a Fieldline event`);
  if (typeof listener !== 'function') throw new TypeError('a Fieldline event listener must be a function');
  const set = listeners.get(event) ?? new Set();
  listeners.set(event, set);
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}

/** `{ devices: { list, info, … }, discovery: { … }, on }`, built from the method table. */
function buildApi(): FieldlineApi {
  const namespaces: Record<string, Record<string, (params?: unknown) => Promise<unknown>>> = {};
  for (const method of Object.keys(METHODS) as MethodName[]) {
    const dot = method.indexOf('.');
    const namespace = (namespaces[method.slice(0, dot)] ??= {});
    namespace[method.slice(dot + 1)] = (params?: unknown) => call(method, params);
  }
  for (const namespace of Object.values(namespaces)) Object.freeze(namespace);
  // The cast bridges the generic table and the mapped FieldlineApi type; the tables above are
  // what the compiler checks against the contract.
  return Object.freeze({ ...namespaces, on }) as unknown as FieldlineApi;
}

electron.ipcRenderer.on(PORT_CHANNEL, (event) => {
  const next = event.ports[0] as unknown as EnginePort | undefined;
  if (next) adopt(next);
});

electron.contextBridge.exposeInMainWorld('fieldline', buildApi());

// A sandboxed page never learns where a picked or dropped file lives; the engine needs the path to
// read a bundle in place. Only a File the page already holds can be asked about.
electron.contextBridge.exposeInMainWorld(
  'fieldlineFiles',
  Object.freeze({ pathFor: (file: File): string => electron.webUtils.getPathForFile(file) }),
);
