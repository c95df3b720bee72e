/**
 * DNS-SD records for `_fieldline._tcp.local` and which of them answer a query.
 *
 * All records of the service travel in one packet (answers plus additionals), so a browser
 * that treats each packet on its own still gets PTR, SRV, TXT and A together: several agents on
 * one host may use the same instance name, and the TXT `id` is what tells them apart.
 */
import type { Answer, Question } from 'dns-packet';
import { MDNS_SERVICE } from '../core/protocol/announce.js';

export const SERVICES_ENUMERATION = '_services._dns-sd._udp.local';
/**
 * Records live two minutes. RFC 6762 suggests 75 minutes for PTR and TXT, but an emulated or
 * crashed gateway that never says goodbye would then haunt caches for over an hour.
 */
export const RECORD_TTL = 120;
/** RFC 6762 §6.7: answers to legacy (non-5353) queriers carry a TTL of at most 10 s. */
export const LEGACY_TTL = 10;

export interface ServiceInstance {
  /** Instance label (the device name); made DNS-safe here. */
  readonly name: string;
  /** Host label; the SRV target is `<hostname>.local`. */
  readonly hostname: string;
  readonly port: number;
  /** The IPv4 address of the interface the records go out on. */
  readonly address: string;
  readonly txt: readonly string[];
}

export interface ServiceRecords {
  readonly instanceName: string;
  readonly targetName: string;
  readonly enumeration: Answer;
  readonly ptr: Answer;
  readonly srv: Answer;
  readonly txt: Answer;
  readonly a: Answer;
}

/** One DNS label of at most 63 bytes; dots would split it into several. */
export function instanceLabel(name: string): string {
  let label = name.replace(/\./g, '-').trim() || 'gateway';
  while (Buffer.byteLength(label, 'utf8') > 63) label = label.slice(0, -1);
  return label;
}

export function serviceRecords(instance: ServiceInstance, ttl = RECORD_TTL): ServiceRecords {
  const instanceName = `${instanceLabel(instance.name)}.${MDNS_SERVICE}`;
  const targetName = `${instance.hostname}.local`;
  return {
    instanceName,
    targetName,
    enumeration: { name: SERVICES_ENUMERATION, type: 'PTR', ttl, data: MDNS_SERVICE },
    ptr: { name: MDNS_SERVICE, type: 'PTR', ttl, data: instanceName },
    // Unique records carry the cache-flush bit so a restarted agent replaces its old port.
    srv: { name: instanceName, type: 'SRV', ttl, flush: true, data: { port: instance.port, target: targetName, priority: 0, weight: 0 } },
    txt: { name: instanceName, type: 'TXT', ttl, flush: true, data: instance.txt.map((entry) => Buffer.from(entry, 'utf8')) },
    a: { name: targetName, type: 'A', ttl, flush: true, data: instance.address },
  };
}

export interface Reply {
  readonly answers: Answer[];
  readonly additionals: Answer[];
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function asks(q: Question, name: string, type: string): boolean {
  // dns-packet decodes qtype 255 as "ANY", which its type declarations leave out.
  const asked: string = q.type;
  return same(q.name, name) && (asked === type || asked === 'ANY');
}

/** The records that answer `questions`, or null when none concern this service. */
export function answerQuestions(questions: readonly Question[], r: ServiceRecords): Reply | null {
  const answers = new Set<Answer>();
  for (const q of questions) {
    if (asks(q, SERVICES_ENUMERATION, 'PTR')) answers.add(r.enumeration);
    if (asks(q, MDNS_SERVICE, 'PTR')) answers.add(r.ptr);
    if (asks(q, r.instanceName, 'SRV')) answers.add(r.srv);
    if (asks(q, r.instanceName, 'TXT')) answers.add(r.txt);
    if (asks(q, r.targetName, 'A')) answers.add(r.a);
  }
  if (answers.size === 0) return null;
  // What a browser will ask next anyway (RFC 6763 §12).
  const additionals =
    answers.has(r.ptr) || answers.has(r.srv) || answers.has(r.txt) ? [r.srv, r.txt, r.a].filter((x) => !answers.has(x)) : [];
  return { answers: [...answers], additionals };
}

/** The same records with another TTL: 0 for goodbye, 10 for legacy unicast answers. */
export function withTtl(records: readonly Answer[], ttl: number): Answer[] {
  return records.map((rec) => ({ ...rec, ttl }));
}
