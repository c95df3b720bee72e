/**
 * The reference receiver (`fieldline ingest`): an HTTP(S) server that takes audit batches in the
 * native format (`POST /v1/audit/batches`) or as OTLP/HTTP JSON logs (`POST /v1/logs`), checks
 * them (receiver/checks.ts), drops duplicates by Idempotency-Key and by (log, seq, hash), stores
 * them (receiver/store.ts) and reports gaps. Every rejection is a 4xx with the reason; nothing of
 * a rejected batch is stored.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { timingSafeEqual, createHash } from 'node:crypto';
import { batchKey, isIdempotencyKey, MAX_BATCH_BYTES, MAX_BATCH_ENTRIES, parseBatch, type AuditBatch, type BatchParse } from '../batch.js';
import { parseOtlp } from '../otlp.js';
import { checkBatch, type Rejection } from './checks.js';
import type { IngestResult, ReceiverStore } from './store.js';

export interface ReceiverTls {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** When set, clients must present a certificate issued by this CA (PEM). */
  readonly clientCa?: string | Buffer;
}

export interface ReceiverOptions {
  readonly store: ReceiverStore;
  readonly host?: string;
  readonly port?: number;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  readonly token?: string | null;
  readonly tls?: ReceiverTls | null;
  readonly maxBodyBytes?: number;
  readonly maxEntries?: number;
  /** Called after every answered batch (for `fieldline ingest` to print a line). */
  readonly onBatch?: (event: BatchEvent) => void;
}

export type BatchEvent =
  | {
      readonly ok: true;
      readonly format: 'fieldline' | 'otlp';
      readonly log: string;
      readonly first: number;
      readonly last: number;
      readonly result: IngestResult;
    }
  | { readonly ok: false; readonly format: 'fieldline' | 'otlp'; readonly rejection: Rejection };

export interface Receiver {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

/** Hard stop when a client keeps sending past the limit: drain politely only up to this. */
const DRAIN_FACTOR = 4;

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const maxBody = options.maxBodyBytes ?? MAX_BATCH_BYTES;
  const maxEntries = options.maxEntries ?? MAX_BATCH_ENTRIES;
  const tokenDigest = options.token ? digest(options.token) : null;
  const tls = options.tls ?? null;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLarge)
        return send(res, 413, { error: 'oversize', reason: `the body is larger than ${maxBody} bytes` }, true);
      if (!res.headersSent) send(res, 500, { error: 'internal', reason: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://receiver');
    const denied = authorize(req);
    if (denied) {
      req.resume();
      return send(res, 401, { error: 'unauthorized', reason: denied }, true);
    }
    const path = url.pathname.replace(/\/+$/, '');
    if (req.method === 'GET' && path === '/v1/audit/health') return send(res, 200, { ok: true });
    const logMatch = /^\/v1\/audit\/logs\/([0-9a-f]{64})$/.exec(path);
    if (req.method === 'GET' && logMatch) {
      const state = options.store.logState(logMatch[1]!);
      return send(res, 200, { head: state.head, gaps: state.gaps, checkpoint: state.checkpoint, count: options.store.count(logMatch[1]!) });
    }
    const format = path === '/v1/audit/batches' ? 'fieldline' : path === '/v1/logs' ? 'otlp' : null;
    if (!format) return send(res, 404, { error: 'not_found', reason: `no such endpoint: ${req.method ?? ''} ${url.pathname}` });
    if (req.method !== 'POST') return send(res, 405, { error: 'method', reason: `${url.pathname} takes POST` });
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      req.resume();
      return send(res, 415, { error: 'malformed', reason: `Content-Type must be application/json, got "${type}"` }, true);
    }
    const length = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(length) && length > maxBody * DRAIN_FACTOR) throw new BodyTooLarge();

    const key = headerValue(req.headers['idempotency-key']);
    if (key !== null && !isIdempotencyKey(key)) {
      req.resume();
      return reject(res, format, { status: 400, error: 'malformed', reason: 'Idempotency-Key must be "<log>:<first>-<last>:<16 hex>"' });
    }
    const body = await readBody(req, maxBody);
    if (key !== null) {
      const known = options.store.knownBatch(key);
      if (known) return answer(res, format, known);
    }
    let parsed: BatchParse;
    if (format === 'otlp') {
      const otlp = parseOtlp(body, maxEntries);
      if (otlp.ok && 'empty' in otlp) return send(res, 200, { partialSuccess: {} });
      parsed = otlp;
    } else parsed = parseBatch(body, maxEntries);
    if (!parsed.ok)
      return reject(res, format, { status: parsed.status, error: parsed.status === 413 ? 'oversize' : 'malformed', reason: parsed.reason });
    const batch: AuditBatch = parsed.batch;
    if (key !== null && key !== batchKey(batch))
      return reject(res, format, {
        status: 400,
        error: 'malformed',
        reason: `Idempotency-Key does not match the batch (expected ${batchKey(batch)})`,
      });
    const problem = checkBatch(batch);
    if (problem) return reject(res, format, problem);
    const outcome = options.store.ingest(batch, key ?? batchKey(batch));
    if (!outcome.ok) return reject(res, format, outcome.rejection);
    options.onBatch?.({ ok: true, format, log: batch.log, first: batch.first, last: batch.last, result: outcome.result });
    return answer(res, format, outcome.result);
  };

  const reject = (res: ServerResponse, format: 'fieldline' | 'otlp', rejection: Rejection): void => {
    options.onBatch?.({ ok: false, format, rejection });
    const body = { error: rejection.error, reason: rejection.reason, ...(rejection.seq !== undefined ? { seq: rejection.seq } : {}) };
    // OTLP clients read a google.rpc.Status: code 3 = INVALID_ARGUMENT, 16 = UNAUTHENTICATED.
    send(res, rejection.status, format === 'otlp' ? { code: rejection.status === 401 ? 16 : 3, message: rejection.reason, ...body } : body);
  };

  const answer = (res: ServerResponse, format: 'fieldline' | 'otlp', result: IngestResult): void => {
    send(res, 200, format === 'otlp' ? { partialSuccess: {}, ...result } : result);
  };

  const authorize = (req: IncomingMessage): string | null => {
    if (tls?.clientCa) {
      const socket = req.socket as TLSSocket;
      if (!socket.authorized) {
        const why = socket.authorizationError ? String(socket.authorizationError) : 'no certificate presented';
        return `a client certificate issued by this receiver's CA is required (${why})`;
      }
    }
    if (tokenDigest) {
      const header = headerValue(req.headers.authorization) ?? '';
      const match = /^Bearer (.+)$/.exec(header);
      if (!match) return 'a bearer token is required (Authorization: Bearer <token>)';
      if (!timingSafeEqual(digest(match[1]!), tokenDigest)) return 'the bearer token is not valid for this receiver';
    }
    return null;
  };

  const server: Server = tls
    ? createHttpsServer(
        { cert: tls.cert, key: tls.key, ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}) },
        handler,
      )
    : createHttpServer(handler);
  server.headersTimeout = 60_000;
  server.requestTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

function send(res: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(text);
}

/** Reads the whole body up to `max` bytes; past it, drains (up to a hard stop) and throws. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max * DRAIN_FACTOR) {
        req.destroy();
        reject(new BodyTooLarge());
      } else if (size <= max) chunks.push(chunk);
    });
    req.on('end', () => (size > max ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks, size))));
    req.on('error', reject);
  });
}
