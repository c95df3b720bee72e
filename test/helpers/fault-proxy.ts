/**
 * A fault-injecting HTTP front for the audit receiver: forwards each request to the real
 * receiver, except when the next scripted fault says otherwise. Faults are consumed per POST, in
 * order; GETs (probes, log state) always pass.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  /** Answer 500 without forwarding. */
  | 'status-500'
  /** Forward (the receiver stores it), then never answer: the client must time out. */
  | 'hang-after-forward'
  /** Forward, then cut the connection before answering. */
  | 'drop-after-forward'
  /** Forward the same request twice and answer with the second answer (a retried, stored batch). */
  | 'forward-twice'
  /** Cut the connection without forwarding. */
  | 'drop'
  /** Forward and answer normally (to place the faults on chosen batches). */
  | 'pass';

export interface FaultProxy {
  readonly url: string;
  readonly faults: Fault[];
  /** Every POST seen: the fault applied (or 'pass') and the upstream status(es). */
  readonly log: { fault: Fault | 'pass'; upstream: number[] }[];
  close(): Promise<void>;
}

interface Upstream {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const out = request(new URL(req.url ?? '/', target), { method: req.method, headers: { ...req.headers, host: target.host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}

export async function startFaultProxy(upstream: string, faults: Fault[] = []): Promise<FaultProxy> {
  const target = new URL(upstream);
  const log: FaultProxy['log'] = [];
  const sockets = new Set<Socket>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const fault = req.method === 'POST' ? faults.shift() : undefined;
    const entry = { fault: fault ?? ('pass' as const), upstream: [] as number[] };
    if (req.method === 'POST') log.push(entry);
    const reply = (up: Upstream): void => {
      res.writeHead(up.status, { 'content-type': up.headers['content-type'] ?? 'application/json' });
      res.end(up.body);
    };
    switch (fault) {
      case 'status-500':
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"internal","reason":"injected failure"}');
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'hang-after-forward':
        entry.upstream.push((await forward(target, req, body)).status);
        return; // never answers; the client's timeout ends it
      case 'drop-after-forward':
        entry.upstream.push((await forward(target, req, body)).status);
        req.socket.destroy();
        return;
      case 'forward-twice': {
        entry.upstream.push((await forward(target, req, body)).status);
        const second = await forward(target, req, body);
        entry.upstream.push(second.status);
        reply(second);
        return;
      }
      case 'pass':
      case undefined: {
        const up = await forward(target, req, body);
        entry.upstream.push(up.status);
        reply(up);
        return;
      }
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
