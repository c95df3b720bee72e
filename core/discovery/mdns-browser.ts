/**
 * mDNS/DNS-SD browser for `_fieldline._tcp` on one interface.
 *
 * One socket per interface (bound to 0.0.0.0:5353, joined on that interface's address, as
 * multicast-dns needs on Linux) so an answer can be attributed to the interface it came in on.
 * Linux delivers a group's packets to every socket bound to the port whatever interface joined
 * it, so packets from outside this interface's subnet are left to the browser that owns them.
 */
import { EventEmitter } from 'node:events';
import makeMdns from 'multicast-dns';
import { MDNS_SERVICE } from '../protocol/announce.js';
import { inSubnet, type NetInterface } from './interfaces.js';
import { MdnsCache, type MdnsRecord, type ResolvedService } from './mdns-cache.js';

export interface MdnsBrowserStats {
  packets: number;
  /** Packets from another subnet (another interface's browser takes them). */
  foreign: number;
  rejected: number;
  lastError: string | null;
}

export interface MdnsBrowserEvents {
  service: [ResolvedService];
  rejected: [instance: string, reason: string];
}

/** Follow-up SRV/TXT questions for one instance go out at most this often. */
const FOLLOW_UP_MS = 1000;

export class MdnsBrowser extends EventEmitter<MdnsBrowserEvents> {
  readonly stats: MdnsBrowserStats = { packets: 0, foreign: 0, rejected: 0, lastError: null };
  private mdns: makeMdns.MulticastDNS | null = null;
  private readonly cache = new MdnsCache();
  private readonly followUps = new Map<string, number>();

  constructor(
    readonly iface: NetInterface,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      let mdns: makeMdns.MulticastDNS;
      try {
        mdns = makeMdns({ interface: this.iface.address, bind: '0.0.0.0', reuseAddr: true, loopback: true });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.mdns = mdns;
      const onStartError = (err: Error): void => {
        this.mdns = null;
        mdns.destroy();
        reject(err);
      };
      mdns.once('error', onStartError);
      mdns.once('ready', () => {
        mdns.off('error', onStartError);
        // Later socket errors must not crash the engine: record them for the report instead.
        mdns.on('error', (err: Error) => (this.stats.lastError = err.message));
        resolve();
      });
      mdns.on('warning', (err: Error) => (this.stats.lastError = err.message));
      mdns.on('response', (packet, rinfo) => this.onResponse(packet.answers ?? [], packet.additionals ?? [], rinfo.address));
    });
  }

  /** Asks every Fieldline gateway on this interface to answer (PTR for the service type). */
  query(): void {
    this.send([{ name: MDNS_SERVICE, type: 'PTR' }]);
  }

  stop(): Promise<void> {
    const mdns = this.mdns;
    this.mdns = null;
    if (!mdns) return Promise.resolve();
    return new Promise((resolve) => mdns.destroy(() => resolve()));
  }

  private send(questions: { name: string; type: 'PTR' | 'SRV' | 'TXT' }[]): void {
    const mdns = this.mdns;
    if (!mdns) return;
    try {
      // ENETUNREACH and friends arrive here (and as a throw on some paths): never let them escape.
      mdns.query({ questions }, (err) => {
        if (err) this.stats.lastError = err.message;
      });
    } catch (err) {
      this.stats.lastError = (err as Error).message;
    }
  }

  private onResponse(answers: readonly MdnsRecord[], additionals: readonly MdnsRecord[], source: string): void {
    if (!inSubnet(source, this.iface)) {
      this.stats.foreign++;
      return;
    }
    this.stats.packets++;
    const result = this.cache.ingest([...answers, ...additionals], source, (address) => inSubnet(address, this.iface));
    for (const service of result.resolved) this.emit('service', service);
    for (const { instance, reason } of result.rejected) {
      this.stats.rejected++;
      this.emit('rejected', instance, reason);
    }
    const now = this.now();
    if (this.followUps.size > 4096) this.followUps.clear();
    const ask: { name: string; type: 'SRV' | 'TXT' }[] = [];
    for (const instance of result.missing) {
      if ((this.followUps.get(instance) ?? -Infinity) + FOLLOW_UP_MS > now) continue;
      this.followUps.set(instance, now);
      ask.push({ name: instance, type: 'SRV' }, { name: instance, type: 'TXT' });
    }
    if (ask.length > 0) this.send(ask);
  }
}
