/**
 * `fieldline serve`'s server: the built renderer over HTTP and the engine API over a WebSocket.
 *
 * Bound to 127.0.0.1 by default. Every request and the WebSocket upgrade must carry the
 * access token (query on first load, then an HttpOnly cookie); each WebSocket connection is
 * one `serveChannel` of the engine's validated handlers.
 */
import { realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { serveChannel, type TextChannel } from '../../core/api/dispatch.js';
import { MAX_CALL_BYTES } from '../../core/api/rpc.js';
import type { Engine } from '../../core/engine/engine-types.js';
import { checkToken, newToken, tokenCookie, unauthorisedText } from './access-token.js';
import { hostAllowed, originAllowed } from './request-guards.js';
import { securityHeaders } from './security-headers.js';
import { lookupStatic, openStatic } from './static-files.js';
import { DEFAULT_UPLOAD_LIMIT, handleUpload, UPLOAD_PATH } from './upload.js';

export interface WebHostOptions {
  readonly engine: Pick<Engine, 'handlers' | 'subscribe'>;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** The built renderer (dist/renderer). */
  readonly staticDir: string;
  /** Given by tests and by hosts that restart; random otherwise. */
  readonly token?: string;
  /** Largest bundle accepted by `POST /api/bundles`; 8 GiB unless a test narrows it. */
  readonly uploadLimit?: number;
}

export interface WebHost {
  /** The link to open, token included. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** Dead peers (a laptop lid closed on a tablet's tab) are dropped after one missed ping. */
const PING_INTERVAL_MS = 30_000;

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function plain(response: ServerResponse, status: number, text: string, headers: Readonly<Record<string, string>>): void {
  response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(text);
}

function refuseUpgrade(socket: Socket, status: number, reason: string, text: string): void {
  const body = Buffer.from(text, 'utf8');
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${text}`,
  );
}

function channelOf(ws: WebSocket): TextChannel {
  return {
    send: (text) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
    },
    onMessage: (listener) => ws.on('message', (data, isBinary) => listener(isBinary ? '' : data.toString())),
    onClose: (listener) => ws.on('close', listener),
  };
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const root = await realpath(options.staticDir);
  let port = 0;

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CALL_BYTES });
  const alive = new WeakSet<WebSocket>();

  const server = createServer((request, response) => void handleHttp(request, response));

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const headers = securityHeaders(`ws://${request.headers.host ?? `${urlHost(host)}:${port}`}`);
    if (!hostAllowed(request.headers.host, host, port)) {
      plain(response, 421, 'This Fieldline server only answers on the address it printed.\n', headers);
      return;
    }
    const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
    const access = checkToken(request, url, token, port);
    if (!access.ok) {
      plain(response, 401, unauthorisedText(access.reason), headers);
      return;
    }
    if (url.pathname === UPLOAD_PATH) {
      // The cookie is SameSite=Strict, but a POST with side effects also proves it comes from our page.
      if (!originAllowed(request.headers.origin, request.headers.host)) {
        plain(response, 403, 'Uploads are only accepted from pages served by this Fieldline server.\n', {
          ...headers,
          Connection: 'close',
        });
        return;
      }
      try {
        await handleUpload(request, response, url, {
          handlers: options.engine.handlers,
          maxBytes: options.uploadLimit ?? DEFAULT_UPLOAD_LIMIT,
          headers,
        });
      } catch (err) {
        // An unexpected failure (the data folder vanished) must answer, not crash the server.
        if (response.headersSent) response.destroy();
        else
          plain(response, 500, `The upload failed: ${err instanceof Error ? err.message : String(err)}\n`, {
            ...headers,
            Connection: 'close',
          });
      }
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      plain(response, 405, 'Only GET and HEAD are served here; the API is on the WebSocket at /api.\n', { ...headers, Allow: 'GET, HEAD' });
      return;
    }
    if (access.via === 'query') {
      // Move the token into a cookie and out of the address bar, history and screenshots.
      url.searchParams.delete('token');
      response.writeHead(303, {
        ...headers,
        'Set-Cookie': tokenCookie(port, token),
        Location: `${url.pathname}${url.search}`,
        'Cache-Control': 'no-store',
      });
      response.end();
      return;
    }
    const found = await lookupStatic(root, url.pathname);
    if (!found.ok) {
      plain(response, found.status, `${found.reason}\n`, headers);
      return;
    }
    response.writeHead(200, {
      ...headers,
      'Content-Type': found.contentType,
      'Content-Length': String(found.size),
      // Built assets carry a content hash in their name; the page itself must always be fresh.
      'Cache-Control': url.pathname.startsWith('/assets/') ? 'private, max-age=31536000, immutable' : 'no-store',
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    const stream = openStatic(found.file);
    stream.on('error', () => response.destroy());
    stream.pipe(response);
  }

  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!hostAllowed(request.headers.host, host, port)) {
      refuseUpgrade(socket, 421, 'Misdirected Request', 'This Fieldline server only answers on the address it printed.\n');
      return;
    }
    const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
    if (url.pathname !== '/api') {
      refuseUpgrade(socket, 404, 'Not Found', 'The Fieldline API is at /api.\n');
      return;
    }
    if (!originAllowed(request.headers.origin, request.headers.host)) {
      refuseUpgrade(socket, 403, 'Forbidden', 'WebSocket connections are only accepted from pages served by this Fieldline server.\n');
      return;
    }
    const access = checkToken(request, url, token, port);
    if (!access.ok) {
      refuseUpgrade(socket, 401, 'Unauthorized', unauthorisedText(access.reason));
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
      ws.on('error', () => ws.terminate());
      serveChannel(options.engine.handlers, (listener) => options.engine.subscribe(listener), channelOf(ws));
    });
  });

  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, PING_INTERVAL_MS);
  pinger.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${urlHost(host)}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      clearInterval(pinger);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
