/**
 * Answers Fieldline's UDP discovery probe with this gateway's announcement.
 *
 * The socket is bound with SO_REUSEADDR so several agents (emulated ones, or other tools) share
 * the probe port on one machine. On Linux a broadcast probe reaches every socket bound to
 * 0.0.0.0 on that port, but a unicast probe reaches only one of them (the last bound): a client
 * looking for several agents on one host must probe the broadcast address (on loopback,
 * 127.255.255.255).
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { decodeProbe, encodeAnnounce, type Announcement } from '../core/protocol/announce.js';
import type { AgentLog } from './agent-context.js';
import { inSubnet, type Ipv4Interface } from './net-interfaces.js';

export interface UdpResponderOptions {
  /** Probe port; 0 picks a free one (tests). */
  readonly port: number;
  readonly bindAddress: string;
  /** When given, only probes from these interfaces' subnets are answered. */
  readonly interfaces?: readonly Ipv4Interface[];
  readonly announcement: () => Announcement;
  readonly log: AgentLog;
  /**
   * A probe is a few bytes and the answer a few hundred, from a spoofable source: cap the
   * answers so the agent cannot be used to flood someone else.
   */
  readonly maxAnswersPerSecond?: number;
}

export interface UdpResponderStats {
  probes: number;
  answered: number;
  /** Not a probe, from another network, or over the rate limit. */
  ignored: number;
}

export interface UdpResponder {
  readonly port: number;
  readonly stats: Readonly<UdpResponderStats>;
  close(): Promise<void>;
}

export async function startUdpResponder(options: UdpResponderOptions): Promise<UdpResponder> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const stats: UdpResponderStats = { probes: 0, answered: 0, ignored: 0 };
  const rate = options.maxAnswersPerSecond ?? 200;
  let tokens = rate;
  let refilledAt = performance.now();

  const allowed = (address: string): boolean => !options.interfaces || options.interfaces.some((i) => inSubnet(address, i));
  const takeToken = (): boolean => {
    const now = performance.now();
    tokens = Math.min(rate, tokens + ((now - refilledAt) / 1000) * rate);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  socket.on('message', (datagram, rinfo) => {
    const probe = decodeProbe(new Uint8Array(datagram.buffer, datagram.byteOffset, datagram.byteLength));
    if (!probe.ok || !allowed(rinfo.address) || !takeToken()) {
      stats.ignored++;
      return;
    }
    stats.probes++;
    let reply: Uint8Array;
    try {
      reply = encodeAnnounce(probe.value, options.announcement());
    } catch (err) {
      options.log.warn(`udp: cannot build an announcement: ${(err as Error).message}`);
      return;
    }
    socket.send(reply, rinfo.port, rinfo.address, (err) => {
      if (err) options.log.warn(`udp: cannot answer ${rinfo.address}:${rinfo.port}: ${err.message}`);
      else stats.answered++;
    });
  });
  socket.on('error', (err) => options.log.warn(`udp: ${err.message}`));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void =>
      reject(
        new Error(
          `cannot listen for discovery probes on udp ${options.bindAddress}:${options.port}: ${err.code === 'EADDRINUSE' ? 'another program holds the port without sharing it' : err.message}`,
        ),
      );
    socket.once('error', onError);
    socket.bind(options.port, options.bindAddress, () => {
      socket.off('error', onError);
      resolve();
    });
  });

  return {
    port: socket.address().port,
    stats,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
