/**
 * The uploader's HTTP(S) client: one keep-alive agent per configuration, the configured CA and
 * client certificate, a bearer token, and a timeout on every request so a receiver that hangs
 * fails the attempt instead of stalling the queue.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import type { SyncConfig } from './sync-state.js';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** The request never got an answer: the receiver is unreachable, hung up, or took too long. */
export class UnreachableError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'UnreachableError';
  }
}

class StaleSocketError extends UnreachableError {}

const MAX_ANSWER_BYTES = 1024 * 1024;

export class SyncHttpClient {
  readonly #base: URL;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #token: string | null;
  readonly #timeoutMs: number;
  readonly #https: boolean;

  constructor(config: SyncConfig) {
    this.#base = new URL(config.endpoint.endsWith('/') ? config.endpoint : `${config.endpoint}/`);
    this.#https = this.#base.protocol === 'https:';
    this.#token = config.token;
    this.#timeoutMs = config.timeoutMs;
    this.#agent = this.#https
      ? new HttpsAgent({
          keepAlive: true,
          maxSockets: 1,
          ...(config.caFile ? { ca: readFileSync(config.caFile) } : {}),
          ...(config.certFile && config.keyFile ? { cert: readFileSync(config.certFile), key: readFileSync(config.keyFile) } : {}),
        })
      : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  }

  close(): void {
    this.#agent.destroy();
  }

  /**
   * One request. A kept-alive socket the receiver closed while idle fails with ECONNRESET before
   * any answer; that one attempt is repeated on a fresh socket (every request here is idempotent:
   * GETs, and batches carry their Idempotency-Key).
   */
  async request(method: 'GET' | 'POST', path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    try {
      return await this.#once(method, path, body, headers);
    } catch (err) {
      if (err instanceof StaleSocketError) return this.#once(method, path, body, headers);
      throw err;
    }
  }

  #once(method: 'GET' | 'POST', path: string, body: Buffer | undefined, headers: Record<string, string>): Promise<HttpAnswer> {
    const url = new URL(path.replace(/^\//, ''), this.#base);
    const send = this.#https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: UnreachableError): void => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      const req = send(
        url,
        {
          method,
          agent: this.#agent,
          headers: {
            Accept: 'application/json',
            ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } : {}),
            ...(this.#token ? { Authorization: `Bearer ${this.#token}` } : {}),
            ...headers,
          },
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', (err: NodeJS.ErrnoException) =>
            fail(new UnreachableError(`${url.origin}: the answer broke off (${err.message})`, err.code ?? 'ECONNRESET')),
          );
        },
      );
      req.setTimeout(this.#timeoutMs, () => {
        fail(new UnreachableError(`${url.origin} did not answer within ${this.#timeoutMs} ms`, 'ETIMEDOUT'));
        req.destroy();
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const stale = req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
        fail(
          stale
            ? new StaleSocketError(describe(url, err), err.code ?? 'ECONNRESET')
            : new UnreachableError(describe(url, err), err.code ?? 'EUNKNOWN'),
        );
      });
      req.end(body);
    });
  }
}

function describe(url: URL, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `${url.origin} refused the connection (is the receiver running?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${url.hostname} cannot be resolved (no network, or a wrong name)`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `${url.origin} closed the connection before answering`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return `${url.origin} presented a certificate this laptop does not trust (${err.code}); give the receiver's CA file`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `${url.origin} presented a certificate for another name (${err.message})`;
    default:
      return `${url.origin}: ${err.message}`;
  }
}
