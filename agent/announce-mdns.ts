/**
 * Announces the gateway over mDNS/DNS-SD as `<name>._fieldline._tcp.local`, per interface.
 *
 * One multicast-dns socket per interface address, bound to 0.0.0.0:5353 with SO_REUSEADDR (so
 * avahi, the app and other agents on the same machine all share the port) and sending on that
 * interface only. Since every such socket hears multicast from every joined interface, a query
 * is answered only by the socket whose subnet holds its source, so the A record is the address
 * the asker can reach. At start the records are announced unasked (twice, as RFC 6762 §8.3
 * asks), and on stop withdrawn with a TTL-0 goodbye.
 */
import makeMdns from 'multicast-dns';
import type { Answer } from 'dns-packet';
import type { AgentLog } from './agent-context.js';
import { answerQuestions, LEGACY_TTL, serviceRecords, withTtl, type ServiceInstance, type ServiceRecords } from './mdns-records.js';
import { inSubnet, type Ipv4Interface } from './net-interfaces.js';

export const MDNS_PORT = 5353;

export interface MdnsAnnouncerOptions {
  readonly interfaces: readonly Ipv4Interface[];
  /** The service as it is now; read on every answer so a renamed or updated gateway shows at once. */
  readonly service: () => Omit<ServiceInstance, 'address'>;
  readonly log: AgentLog;
  /** Delay between the two start announcements. */
  readonly repeatAnnounceMs?: number;
}

export interface MdnsInterfaceState {
  readonly address: string;
  readonly name: string;
  readonly error?: string;
}

export interface MdnsAnnouncer {
  readonly interfaces: readonly MdnsInterfaceState[];
  /** Sends the records again unasked (after a rename, an update, a new port). */
  announce(): void;
  close(): Promise<void>;
}

interface Responder {
  readonly iface: Ipv4Interface;
  readonly mdns: makeMdns.MulticastDNS;
  error?: string;
}

function allRecords(r: ServiceRecords): Answer[] {
  return [r.ptr, r.srv, r.txt, r.a];
}

function startResponder(iface: Ipv4Interface, options: MdnsAnnouncerOptions): Promise<Responder> {
  const mdns = makeMdns({ interface: iface.address, bind: '0.0.0.0', port: MDNS_PORT, reuseAddr: true, loopback: true });
  const responder: Responder = { iface, mdns };
  const where = `mdns ${iface.name} ${iface.address}`;
  const warned = new Set<string>();
  const records = (): ServiceRecords => serviceRecords({ ...options.service(), address: iface.address });
  const sent = (err: Error | null): void => {
    // ENETUNREACH and friends: an interface without a route; report once, keep running.
    if (err && !warned.has(err.message)) {
      warned.add(err.message);
      options.log.warn(`${where}: cannot send: ${err.message}`);
    }
  };

  mdns.on('warning', (err: Error) => {
    if (!warned.has(err.message)) {
      warned.add(err.message);
      options.log.warn(`${where}: ${err.message}`);
    }
  });
  mdns.on('query', (query, rinfo) => {
    if (!inSubnet(rinfo.address, iface)) return;
    const reply = answerQuestions(query.questions, records());
    if (!reply) return;
    if (rinfo.port !== MDNS_PORT) {
      // A legacy one-shot resolver (dig -p 5353, nss-mdns): answer it directly, like unicast DNS.
      const legacy = (rs: Answer[]): Answer[] => withTtl(rs, LEGACY_TTL).map((r) => ({ ...r, flush: false }));
      mdns.respond(
        { id: query.id, questions: query.questions, answers: legacy(reply.answers), additionals: legacy(reply.additionals) },
        { port: rinfo.port, address: rinfo.address },
        sent,
      );
      return;
    }
    mdns.respond({ answers: reply.answers, additionals: reply.additionals }, sent);
  });

  return new Promise((resolve) => {
    const onReady = (): void => {
      mdns.off('error', onError);
      mdns.on('error', (err: Error) => options.log.warn(`${where}: ${err.message}`));
      resolve(responder);
    };
    const onError = (err: Error): void => {
      mdns.off('ready', onReady);
      responder.error = err.message;
      options.log.warn(`${where}: cannot listen on udp ${MDNS_PORT}: ${err.message}`);
      mdns.destroy();
      resolve(responder);
    };
    mdns.once('ready', onReady);
    mdns.once('error', onError);
  });
}

export async function startMdnsAnnouncer(options: MdnsAnnouncerOptions): Promise<MdnsAnnouncer> {
  const responders = await Promise.all(options.interfaces.map((iface) => startResponder(iface, options)));
  const live = responders.filter((r) => r.error === undefined);
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const send = (responder: Responder, answers: Answer[]): Promise<void> =>
    new Promise((resolve) => {
      responder.mdns.respond({ answers }, (err) => {
        if (err) options.log.warn(`mdns ${responder.iface.address}: cannot send: ${err.message}`);
        resolve();
      });
    });
  const recordsOn = (responder: Responder): Answer[] =>
    allRecords(serviceRecords({ ...options.service(), address: responder.iface.address }));

  const announce = (): void => {
    if (closed) return;
    for (const r of live) void send(r, recordsOn(r));
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) for (const r of live) void send(r, recordsOn(r));
    }, options.repeatAnnounceMs ?? 1000);
    timers.add(timer);
  };
  announce();

  return {
    interfaces: responders.map((r) =>
      r.error === undefined
        ? { address: r.iface.address, name: r.iface.name }
        : { address: r.iface.address, name: r.iface.name, error: r.error },
    ),
    announce,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all(live.map((r) => send(r, withTtl(recordsOn(r), 0))));
      await Promise.all(live.map((r) => new Promise<void>((resolve) => r.mdns.destroy(() => resolve()))));
    },
  };
}
