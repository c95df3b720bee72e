/**
 * LAN transport: FGP inside TLS 1.3 over TCP.
 *
 * The device certificate is self-signed, so the CA chain says nothing; instead the caller gets
 * the certificate's raw key (checked against `hello`) and the TLS exporter value that binds
 * signatures to this one session.
 */
import net from 'node:net';
import tls from 'node:tls';
import { FgpError } from '../protocol/errors.js';
import { TLS_EXPORTER_LABEL, TLS_EXPORTER_LENGTH } from '../protocol/handshake.js';
import { rawPublicKeyOf } from '../protocol/identity.js';

export interface TcpTarget {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

export interface OpenedStream {
  readonly stream: net.Socket;
  readonly binding: Uint8Array;
  readonly transportKey?: Uint8Array;
  readonly description: string;
}

export const DEFAULT_FGP_PORT = 48621;

function connectError(target: TcpTarget, err: NodeJS.ErrnoException): FgpError {
  const where = `${target.host}:${target.port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return new FgpError(
        'connection_refused',
        `${where} refused the connection`,
        undefined,
        'Check that the gateway agent is running and listening on that port.',
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new FgpError(
        'unreachable',
        `${where} is unreachable (${err.code})`,
        undefined,
        "Check the cable and that the laptop is on the gateway's network.",
      );
    case 'ETIMEDOUT':
      return new FgpError(
        'timeout',
        `${where} did not answer in time`,
        undefined,
        'Check the address, the cable and any firewall in between.',
      );
    default:
      return new FgpError('connection_failed', `${where}: ${err.message}`);
  }
}

export function openTcp(target: TcpTarget, timeoutMs = 5000): Promise<OpenedStream> {
  return new Promise((resolve, reject) => {
    const description = `${target.tls ? 'tls' : 'tcp'}://${target.host}:${target.port}`;
    const onError = (err: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(connectError(target, err));
    };
    const timer = setTimeout(() => onError(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
    const socket: net.Socket = target.tls
      ? tls.connect(
          { host: target.host, port: target.port, rejectUnauthorized: false, minVersion: 'TLSv1.3', servername: undefined },
          () => {
            clearTimeout(timer);
            socket.off('error', onError);
            const secure = socket as tls.TLSSocket;
            const cert = secure.getPeerX509Certificate();
            if (!cert) return onError(Object.assign(new Error('the device presented no TLS certificate'), { code: 'ENOCERT' }));
            let transportKey: Uint8Array;
            try {
              transportKey = rawPublicKeyOf(cert.publicKey);
            } catch {
              return onError(Object.assign(new Error('the device certificate key is not Ed25519'), { code: 'EBADCERT' }));
            }
            const binding = new Uint8Array(secure.exportKeyingMaterial(TLS_EXPORTER_LENGTH, TLS_EXPORTER_LABEL, Buffer.alloc(0)));
            resolve({ stream: secure, binding, transportKey, description });
          },
        )
      : net.connect({ host: target.host, port: target.port }, () => {
          clearTimeout(timer);
          socket.off('error', onError);
          resolve({ stream: socket, binding: new Uint8Array(0), description });
        });
    socket.setNoDelay(true);
    socket.once('error', onError);
  });
}
