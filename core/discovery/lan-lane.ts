/**
 * Discovery on one network interface: an mDNS browser and a UDP prober side by side.
 *
 * Either may fail alone (a port taken, multicast refused); the lane keeps what works and
 * records the rest for "why not found".
 */
import { EventEmitter } from 'node:events';
import type { InterfaceReport } from '../api/schemas.js';
import type { Announcement } from '../protocol/announce.js';
import { sightingFromAnnouncement } from './descriptor.js';
import type { NetInterface } from './interfaces.js';
import { MdnsBrowser } from './mdns-browser.js';
import type { Sighting } from './registry.js';
import { UdpProber } from './udp-prober.js';

export interface LaneOptions {
  readonly mdns: boolean;
  readonly udp: boolean;
  readonly udpPort: number;
  readonly now: () => number;
}

export interface LaneEvents {
  sighting: [Sighting];
  /** Something in this lane's report changed (a new device answered, an error). */
  changed: [];
}

export class LanLane extends EventEmitter<LaneEvents> {
  readonly browser: MdnsBrowser | null;
  readonly prober: UdpProber | null;
  private readonly mdnsIds = new Set<string>();
  private readonly udpIds = new Set<string>();
  private readonly errors: string[] = [];

  constructor(
    readonly iface: NetInterface,
    private readonly options: LaneOptions,
  ) {
    super();
    this.browser = options.mdns ? new MdnsBrowser(iface, options.now) : null;
    this.prober = options.udp ? new UdpProber(iface, options.udpPort) : null;
    this.browser?.on('service', (service) => this.onAnnouncement('mdns', service.announcement, service.host));
    this.prober?.on('announce', (announcement, host) => this.onAnnouncement('udp', announcement, host));
  }

  /** Never rejects: a socket that cannot start becomes an error in the report. */
  async start(): Promise<void> {
    const attempts: Promise<void>[] = [];
    if (this.browser) attempts.push(this.browser.start().catch((err: Error) => this.fail(`mDNS: ${err.message}`)));
    if (this.prober) attempts.push(this.prober.start().catch((err: Error) => this.fail(`UDP probe: ${err.message}`)));
    await Promise.all(attempts);
  }

  /** One round: ask over mDNS and broadcast a probe. */
  round(): void {
    this.browser?.query();
    this.prober?.probe();
  }

  async stop(): Promise<void> {
    await Promise.all([this.browser?.stop(), this.prober?.stop()]);
  }

  report(used: boolean): InterfaceReport {
    const report: InterfaceReport = {
      name: this.iface.name,
      address: this.iface.address,
      kind: this.iface.kind,
      used,
      mdnsAnswers: this.mdnsIds.size,
      udpAnswers: this.udpIds.size,
    };
    if (this.errors.length > 0) report.error = this.errors.join('; ');
    return report;
  }

  private fail(message: string): void {
    this.errors.push(message);
    this.emit('changed');
  }

  private onAnnouncement(via: 'mdns' | 'udp', announcement: Announcement, host: string): void {
    const ids = via === 'mdns' ? this.mdnsIds : this.udpIds;
    const isNew = !ids.has(announcement.id);
    ids.add(announcement.id);
    const path = { transport: 'tcp' as const, host, port: announcement.port, tls: announcement.tls, via, iface: this.iface.name };
    this.emit('sighting', sightingFromAnnouncement(announcement, path, this.options.now()));
    if (isNew) this.emit('changed');
  }
}
