/**
 * DNS-SD resolution for `_fieldline._tcp`: turns mDNS records into announcements.
 *
 * Records for one service may arrive in several packets (PTR first, SRV/TXT after a follow-up
 * query), so this keeps what each instance has said so far. Pure: no sockets, clock passed in.
 */
import { decodeTxt, MDNS_SERVICE, type Announcement } from '../protocol/announce.js';

/** The subset of a dns-packet record this needs; any record of another type is ignored. */
export interface MdnsRecord {
  readonly name: string;
  readonly type: string;
  readonly ttl?: number | undefined;
  readonly data?: unknown;
}

export interface ResolvedService {
  readonly instance: string;
  readonly announcement: Announcement;
  /** Address to connect to: the SRV target's A record on this subnet, else the packet's source. */
  readonly host: string;
}

export interface IngestResult {
  readonly resolved: ResolvedService[];
  /** Instances still missing SRV or TXT: ask for them directly. */
  readonly missing: string[];
  readonly rejected: { readonly instance: string; readonly reason: string }[];
}

interface InstanceState {
  srv?: { port: number; target: string } | undefined;
  txt?: readonly (string | Uint8Array)[] | undefined;
  source: string;
}

const MAX_INSTANCES = 4096;
const SERVICE = MDNS_SERVICE.toLowerCase();
const SUFFIX = `.${SERVICE}`;

function lower(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function srvData(data: unknown): { port: number; target: string } | null {
  if (typeof data !== 'object' || data === null) return null;
  const { port, target } = data as { port?: unknown; target?: unknown };
  if (typeof port !== 'number' || typeof target !== 'string') return null;
  return { port, target: lower(target) };
}

function txtData(data: unknown): (string | Uint8Array)[] | null {
  if (typeof data === 'string' || data instanceof Uint8Array) return [data];
  if (Array.isArray(data) && data.every((d) => typeof d === 'string' || d instanceof Uint8Array)) return data as (string | Uint8Array)[];
  return null;
}

export class MdnsCache {
  private readonly instances = new Map<string, InstanceState>();
  private readonly addresses = new Map<string, string[]>();

  /**
   * Takes every record of one packet (answers and additionals) from `source`;
   * `accepts(address)` says whether an A record's address belongs to this interface.
   */
  ingest(records: readonly MdnsRecord[], source: string, accepts: (address: string) => boolean): IngestResult {
    const touched = new Set<string>();
    const state = (instance: string): InstanceState => {
      let s = this.instances.get(instance);
      if (!s) {
        // Bounded, so a flood of made-up instance names cannot grow memory without limit.
        if (this.instances.size >= MAX_INSTANCES) this.instances.delete(this.instances.keys().next().value!);
        s = { source };
        this.instances.set(instance, s);
      }
      s.source = source;
      touched.add(instance);
      return s;
    };
    for (const record of records) {
      const name = lower(record.name);
      // TTL 0 is a goodbye: forget the record rather than resolve a service that is leaving.
      const goodbye = record.ttl === 0;
      switch (record.type) {
        case 'PTR': {
          if (name !== SERVICE || typeof record.data !== 'string') break;
          const instance = lower(record.data);
          if (!instance.endsWith(SUFFIX)) break;
          if (goodbye) this.instances.delete(instance);
          else state(instance);
          break;
        }
        case 'SRV': {
          if (!name.endsWith(SUFFIX)) break;
          const srv = srvData(record.data);
          const known = this.instances.get(name);
          if (goodbye && known) known.srv = undefined;
          else if (!goodbye && srv) state(name).srv = srv;
          break;
        }
        case 'TXT': {
          if (!name.endsWith(SUFFIX)) break;
          const txt = txtData(record.data);
          const known = this.instances.get(name);
          if (goodbye && known) known.txt = undefined;
          else if (!goodbye && txt) state(name).txt = txt;
          break;
        }
        case 'A': {
          if (typeof record.data !== 'string' || goodbye) break;
          const list = this.addresses.get(name) ?? [];
          if (!list.includes(record.data)) list.unshift(record.data);
          this.addresses.set(name, list.slice(0, 8));
          break;
        }
        default:
          break;
      }
    }
    // An A record alone can complete services whose SRV arrived earlier.
    const aNames = new Set(records.filter((r) => r.type === 'A').map((r) => lower(r.name)));
    if (aNames.size > 0) {
      for (const [instance, s] of this.instances) if (s.srv && aNames.has(s.srv.target)) touched.add(instance);
    }

    const result: IngestResult = { resolved: [], missing: [], rejected: [] };
    for (const instance of touched) {
      const s = this.instances.get(instance);
      if (!s) continue;
      if (!s.srv || !s.txt) {
        result.missing.push(instance);
        continue;
      }
      const decoded = decodeTxt(s.txt, s.srv.port);
      if (!decoded.ok) {
        result.rejected.push({ instance, reason: decoded.reason });
        continue;
      }
      const address = (this.addresses.get(s.srv.target) ?? []).find(accepts);
      result.resolved.push({ instance, announcement: decoded.value, host: address ?? s.source });
    }
    return result;
  }

  get size(): number {
    return this.instances.size;
  }
}
