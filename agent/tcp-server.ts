/**
 * FGP over TCP: TLS 1.3 with a certificate on the device key (the LAN path), or plain TCP for
 * debugging with a packet capture.
 *
 * Each connection gets its own FgpPeer whose channel binding is the TLS exporter value, the same
 * bytes core/transport/tcp.ts derives on the client, so signatures cannot be relayed between
 * sessions.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { TLS_EXPORTER_LABEL, TLS_EXPORTER_LENGTH } from '../core/protocol/handshake.js';
import type { Ed25519Identity } from '../core/protocol/identity.js';
import { FgpPeer, type RequestHandler } from '../core/protocol/peer.js';
import { selfSignedCertificate } from '../core/transport/tls-certificate.js';
import type { AgentLog, TransportInfo } from './agent-context.js';

export interface TcpServerOptions {
  readonly host: string;
  /** 0 picks a free port; the bound one is in `TcpServer.port`. */
  readonly port: number;
  /** false = plain TCP, for debugging only: no encryption and no channel binding. */
  readonly tls: boolean;
  readonly identity: Ed25519Identity;
  /** Certificate common name; informational, the key is what clients pin. */
  readonly commonName: string;
  readonly maxFrame: number;
  readonly initialMaxFrame: number;
  readonly handlerFor: (transport: TransportInfo) => RequestHandler;
  readonly log: AgentLog;
  readonly maxConnections?: number;
  /** Wraps each connection's stream before FGP sees it (fault injection). */
  readonly wrapStream?: (stream: Duplex, remote: string) => Duplex;
}

export interface TcpServer {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly connections: () => number;
  close(): Promise<void>;
}

function listenError(host: string, port: number, err: NodeJS.ErrnoException): Error {
  switch (err.code) {
    case 'EADDRINUSE':
      return new Error(
        `cannot listen on ${host}:${port}: the port is in use by another program (choose another with --port, or 0 for any free port)`,
      );
    case 'EACCES':
      return new Error(`cannot listen on ${host}:${port}: permission denied (ports below 1024 need privileges; FGP's default is 48621)`);
    case 'EADDRNOTAVAIL':
      return new Error(`cannot listen on ${host}:${port}: ${host} is not an address of this machine`);
    default:
      return new Error(`cannot listen on ${host}:${port}: ${err.message}`);
  }
}

export async function startTcpServer(options: TcpServerOptions): Promise<TcpServer> {
  /** Raw TCP sockets, including those still in the TLS handshake, so close() ends them all. */
  const sockets = new Set<net.Socket>();
  let sessions = 0;
  const kind = options.tls ? 'tls' : 'tcp';

  const serve = (socket: net.Socket, binding: Uint8Array): void => {
    const remote = `${kind} ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    // Notices a laptop that vanished (lid closed, cable pulled) without a FIN.
    socket.setKeepAlive(true, 30_000);
    const transport: TransportInfo = { kind, maxFrame: options.maxFrame, initialMaxFrame: options.initialMaxFrame, remote };
    const peer = new FgpPeer(options.wrapStream ? options.wrapStream(socket, remote) : socket, {
      handler: options.handlerFor(transport),
      channelBinding: binding,
      maxFrame: options.initialMaxFrame,
    });
    peer.on('drop', (drop) => options.log.warn(`${remote}: dropped a frame (${drop.reason}: ${drop.detail})`));
    sessions++;
    socket.once('close', () => sessions--);
  };

  let server: net.Server;
  if (options.tls) {
    const credentials = await selfSignedCertificate(options.identity, options.commonName);
    server = tls.createServer(
      {
        cert: credentials.cert,
        key: credentials.key,
        minVersion: 'TLSv1.3',
        maxVersion: 'TLSv1.3',
        // A connection that never finishes its handshake must not hold a slot for two minutes.
        handshakeTimeout: 10_000,
      },
      (socket) => {
        let binding: Uint8Array;
        try {
          binding = new Uint8Array(socket.exportKeyingMaterial(TLS_EXPORTER_LENGTH, TLS_EXPORTER_LABEL, Buffer.alloc(0)));
        } catch (err) {
          options.log.warn(`tls ${socket.remoteAddress ?? '?'}: no TLS exporter (${(err as Error).message}); closing`);
          socket.destroy();
          return;
        }
        serve(socket, binding);
      },
    );
    // A scanner or a client speaking plain TCP: worth a log line, never a crash.
    server.on('tlsClientError', (err, socket) => {
      options.log.warn(`tls ${socket.remoteAddress ?? '?'}: handshake failed (${err.message})`);
      socket.destroy();
    });
  } else {
    server = net.createServer((socket) => serve(socket, new Uint8Array(0)));
  }
  server.maxConnections = options.maxConnections ?? 256;
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('error', (err) => options.log.warn(`${kind} server: ${err.message}`));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(listenError(options.host, options.port, err));
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  return {
    host: options.host,
    port,
    tls: options.tls,
    connections: () => sessions,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
