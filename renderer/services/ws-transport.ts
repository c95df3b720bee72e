/**
 * The web host's side of the API: one WebSocket to `/api`, with reconnection.
 *
 * Calls made while the socket is down wait for it; calls in flight when it drops fail with a
 * message that says what to do, because the engine may or may not have acted on them.
 */
import type { EventName, EventOf } from '../../core/api/contract.js';
import { ClientError } from './ui-error.js';
import type { LinkStatus } from './link-status.js';
import { parseServerMessage } from './server-message.js';

export type { LinkState, LinkStatus } from './link-status.js';

interface Pending {
  readonly method: string;
  readonly params: unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: ClientError) => void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

function apiUrl(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = new URL(`${scheme}//${location.host}/api`);
  // The host normally strips the token into a cookie; pass it along when the page still has it.
  const token = new URLSearchParams(location.search).get('token');
  if (token !== null) url.searchParams.set('token', token);
  return url.toString();
}

export class WsTransport {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private readonly waiting: Pending[] = [];
  private readonly inFlight = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(data: unknown) => void>>();
  private readonly linkListeners = new Set<(status: LinkStatus) => void>();
  private status: LinkStatus = { state: 'connecting', failures: 0 };

  constructor(private readonly url: string = apiUrl(window.location)) {
    this.connect();
  }

  call(method: string, params: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const pending: Pending = { method, params, resolve, reject };
      if (this.socket?.readyState === WebSocket.OPEN) this.send(pending);
      else this.waiting.push(pending);
    });
  }

  on<E extends EventName>(event: E, listener: (data: EventOf<E>) => void): () => void {
    const set = this.listeners.get(event) ?? new Set<(data: unknown) => void>();
    this.listeners.set(event, set);
    const untyped = listener as (data: unknown) => void;
    set.add(untyped);
    return () => set.delete(untyped);
  }

  onLinkStatus(listener: (status: LinkStatus) => void): () => void {
    this.linkListeners.add(listener);
    listener(this.status);
    return () => this.linkListeners.delete(listener);
  }

  private send(pending: Pending): void {
    const id = this.nextId++;
    this.inFlight.set(id, pending);
    this.socket?.send(JSON.stringify({ type: 'call', id, method: pending.method, params: pending.params }));
  }

  private setStatus(status: LinkStatus): void {
    this.status = status;
    for (const listener of this.linkListeners) listener(status);
  }

  private connect(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.setStatus({ state: 'open', failures: 0 });
      for (const pending of this.waiting.splice(0)) this.send(pending);
    });
    socket.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (typeof event.data === 'string') this.receive(event.data);
    });
    socket.addEventListener('close', () => this.dropped());
  }

  private receive(text: string): void {
    const parsed = parseServerMessage(text);
    if (!parsed.ok) return;
    const message = parsed.message;
    if (message.type === 'event') {
      for (const listener of this.listeners.get(message.event) ?? []) listener(message.data);
      return;
    }
    const pending = this.inFlight.get(message.id);
    if (pending === undefined) return;
    this.inFlight.delete(message.id);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(new ClientError(message.error.code, message.error.message, message.error.fix));
  }

  private dropped(): void {
    this.socket = null;
    for (const [id, pending] of this.inFlight) {
      this.inFlight.delete(id);
      pending.reject(
        new ClientError(
          'connection_lost',
          `The connection to the Fieldline engine dropped while "${pending.method}" was running, so its outcome is unknown.`,
          'Check the device, then try again once the status bar shows the engine connected.',
        ),
      );
    }
    const failures = this.status.state === 'open' ? 0 : this.status.failures + 1;
    this.setStatus({ state: 'reconnecting', failures });
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** failures);
    // Jitter keeps several tabs from reconnecting in lockstep after the host restarts.
    setTimeout(() => this.connect(), delay / 2 + Math.random() * (delay / 2));
  }
}
