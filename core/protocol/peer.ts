/**
 * One FGP connection end over any byte stream (TCP, TLS, serial, pty).
 *
 * Symmetric: both the app and the agent send requests, answer requests and emit events. Many
 * requests may be in flight; each has a timeout; a closed stream fails every pending request.
 */
import type { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import { FgpError } from './errors.js';
import { DEFAULT_MAX_FRAME, FRAME_DELIMITER, FrameDecoder, encodeFrame, type FrameDrop } from './frame.js';
import { decodeMessage, encodeMessage, MAX_REQUEST_ID, type Message, type RequestMessage } from './messages.js';

export type RequestHandler = (request: RequestMessage, peer: FgpPeer) => Promise<unknown>;

export interface PeerOptions {
  /** Answers incoming requests; without one, every request gets `unknown_method`. */
  readonly handler?: RequestHandler;
  readonly maxFrame?: number;
  readonly requestTimeoutMs?: number;
  /** Requests this end will serve at once before answering `busy`. */
  readonly maxIncoming?: number;
  /** Bytes other than what FGP sends, when this end has reason to know (a TLS exporter value). */
  readonly channelBinding?: Uint8Array;
}

interface Pending {
  readonly method: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: FgpError) => void;
  readonly timer: NodeJS.Timeout;
}

export interface PeerEvents {
  event: [name: string, data: unknown];
  drop: [drop: FrameDrop | { reason: 'bad_message'; detail: string }];
  close: [];
}

export class FgpPeer extends EventEmitter<PeerEvents> {
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private incoming = 0;
  private closed = false;
  private maxFrame: number;
  readonly requestTimeoutMs: number;
  readonly channelBinding: Uint8Array;
  /** Per-connection state a handler may keep (hello done, authenticated technician…). */
  readonly state = new Map<string, unknown>();

  constructor(
    readonly stream: Duplex,
    private readonly options: PeerOptions = {},
  ) {
    super();
    this.maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.channelBinding = options.channelBinding ?? new Uint8Array(0);
    this.decoder = new FrameDecoder(
      (payload) => this.onPayload(payload),
      this.maxFrame,
      (drop) => this.emit('drop', drop),
    );
    stream.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    // A leading delimiter ends whatever half frame the line held before (serial noise, a
    // previous session), so the first real frame is not glued to it and lost.
    stream.write(new Uint8Array([FRAME_DELIMITER]));
    stream.on('close', () => this.shutdown('the connection closed'));
    stream.on('end', () => this.shutdown('the other end closed the connection'));
    stream.on('error', (err: Error) => this.shutdown(`the connection failed: ${err.message}`));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get frameStats(): Readonly<FrameDecoder['stats']> {
    return this.decoder.stats;
  }

  /** Applies the frame size both ends agreed on in `hello`. */
  setMaxFrame(maxFrame: number): void {
    this.maxFrame = maxFrame;
    this.decoder.setMaxFrame(maxFrame);
  }

  request(method: string, params: Record<string, unknown> = {}, timeoutMs = this.requestTimeoutMs): Promise<unknown> {
    if (this.closed) return Promise.reject(new FgpError('connection_closed', `cannot send ${method}: the connection is closed`));
    const id = this.nextId;
    this.nextId = this.nextId >= MAX_REQUEST_ID ? 1 : this.nextId + 1;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new FgpError('timeout', `${method} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { method, resolve, reject, timer });
      try {
        this.send({ kind: 'request', id, method, params });
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(err instanceof FgpError ? err : new FgpError('internal', (err as Error).message));
      }
    });
  }

  emitEvent(event: string, data: unknown): void {
    if (!this.closed) this.send({ kind: 'event', event, data });
  }

  close(): void {
    this.shutdown('closed by this end');
    this.stream.destroy();
  }

  private send(message: Message): void {
    const payload = encodeMessage(message);
    if (payload.length > this.maxFrame) {
      throw new FgpError('frame_too_large', `${describe(message)} is ${payload.length} bytes, over the ${this.maxFrame}-byte frame limit`);
    }
    this.stream.write(encodeFrame(payload));
  }

  private onPayload(payload: Uint8Array): void {
    const decoded = decodeMessage(payload);
    if (!decoded.ok) {
      this.emit('drop', { reason: 'bad_message', detail: decoded.reason });
      return;
    }
    const message = decoded.message;
    switch (message.kind) {
      case 'request':
        void this.serve(message);
        return;
      case 'event':
        this.emit('event', message.event, message.data);
        return;
      case 'response':
      case 'error': {
        const pending = this.pending.get(message.id);
        if (!pending) return; // late answer to a request that already timed out
        this.pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.kind === 'response') pending.resolve(message.result);
        else pending.reject(new FgpError(message.error.code, message.error.message, message.error.data));
        return;
      }
    }
  }

  private async serve(request: RequestMessage): Promise<void> {
    const limit = this.options.maxIncoming ?? 64;
    if (this.incoming >= limit) {
      this.reply({ kind: 'error', id: request.id, error: { code: 'busy', message: `more than ${limit} requests in flight` } });
      return;
    }
    this.incoming++;
    try {
      const handler = this.options.handler;
      if (!handler) throw new FgpError('unknown_method', `unknown method "${request.method}"`);
      const result = await handler(request, this);
      this.reply({ kind: 'response', id: request.id, result });
    } catch (err) {
      const e = err instanceof FgpError ? err : new FgpError('internal', err instanceof Error ? err.message : String(err));
      this.reply({
        kind: 'error',
        id: request.id,
        error: e.data === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, data: e.data },
      });
    } finally {
      this.incoming--;
    }
  }

  private reply(message: Message): void {
    if (this.closed) return;
    try {
      this.send(message);
    } catch (err) {
      if (message.kind !== 'error' && err instanceof FgpError) {
        this.send({ kind: 'error', id: message.kind === 'response' ? message.id : 0, error: { code: err.code, message: err.message } });
      }
    }
  }

  private shutdown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new FgpError('connection_closed', `${pending.method} was not answered: ${reason}`));
      this.pending.delete(id);
    }
    this.emit('close');
  }
}

function describe(message: Message): string {
  switch (message.kind) {
    case 'request':
      return `request ${message.method}`;
    case 'event':
      return `event ${message.event}`;
    case 'response':
    case 'error':
      return `response to #${message.id}`;
  }
}
