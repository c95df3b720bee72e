/**
 * UDP broadcast probe on one interface: works where multicast is filtered but broadcast is not.
 *
 * The socket is bound to the interface's own address so the broadcast leaves through that
 * interface and the unicast replies come back to it. Replies are checked against the nonces of
 * recent probes, so a stray or replayed announce is counted and ignored, never believed.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { decodeAnnounce, encodeProbe, PROBE_NONCE_BYTES, UDP_PROBE_PORT, type Announcement } from '../protocol/announce.js';
import { inSubnet, type NetInterface } from './interfaces.js';

export type BadDatagramKind = 'malformed' | 'unknown-nonce' | 'foreign-source';

export interface UdpProberStats {
  probesSent: number;
  replies: number;
  bad: Record<BadDatagramKind, number>;
  lastBad: string | null;
  lastError: string | null;
}

export interface UdpProberEvents {
  announce: [announcement: Announcement, host: string];
  bad: [kind: BadDatagramKind, reason: string];
}

/** Replies to the last few probes are still accepted: a reply may cross the next probe. */
const NONCES_KEPT = 4;

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export class UdpProber extends EventEmitter<UdpProberEvents> {
  readonly stats: UdpProberStats = {
    probesSent: 0,
    replies: 0,
    bad: { malformed: 0, 'unknown-nonce': 0, 'foreign-source': 0 },
    lastBad: null,
    lastError: null,
  };
  private socket: dgram.Socket | null = null;
  private readonly nonces: Uint8Array[] = [];

  constructor(
    readonly iface: NetInterface,
    readonly port: number = UDP_PROBE_PORT,
  ) {
    super();
  }

  /** Where probes go: the subnet's directed broadcast (127.255.255.255 on loopback). */
  get target(): string {
    return this.iface.broadcast;
  }

  /** The local port replies come back to (0 before start). */
  get localPort(): number {
    return this.socket?.address().port ?? 0;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: 'udp4' });
      const onStartError = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once('error', onStartError);
      socket.bind(0, this.iface.address, () => {
        socket.off('error', onStartError);
        socket.on('error', (err) => (this.stats.lastError = err.message));
        try {
          socket.setBroadcast(true);
        } catch (err) {
          socket.close();
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        socket.on('message', (msg, rinfo) => this.handleDatagram(msg, rinfo.address));
        this.socket = socket;
        resolve();
      });
    });
  }

  probe(): void {
    const socket = this.socket;
    if (!socket) return;
    const nonce = new Uint8Array(randomBytes(PROBE_NONCE_BYTES));
    this.nonces.push(nonce);
    if (this.nonces.length > NONCES_KEPT) this.nonces.shift();
    try {
      socket.send(encodeProbe(nonce), this.port, this.target, (err) => {
        if (err) this.stats.lastError = err.message;
        else this.stats.probesSent++;
      });
    } catch (err) {
      this.stats.lastError = (err as Error).message;
    }
  }

  /** Checks one reply; public so the checks can be unit-tested datagram by datagram. */
  handleDatagram(datagram: Uint8Array, source: string): Announcement | null {
    if (!inSubnet(source, this.iface)) return this.bad('foreign-source', `reply from ${source}, outside ${this.iface.name}'s subnet`);
    const decoded = decodeAnnounce(datagram);
    if (!decoded.ok) return this.bad('malformed', decoded.reason);
    if (!this.nonces.some((n) => equalBytes(n, decoded.value.nonce))) {
      return this.bad('unknown-nonce', `announce from ${source} answers a probe this end did not send`);
    }
    this.stats.replies++;
    this.emit('announce', decoded.value.announcement, source);
    return decoded.value.announcement;
  }

  stop(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }

  private bad(kind: BadDatagramKind, reason: string): null {
    this.stats.bad[kind]++;
    this.stats.lastBad = reason;
    this.emit('bad', kind, reason);
    return null;
  }
}
