/**
 * Discovery announcements: the UDP probe/announce datagrams and the DNS-SD TXT record.
 *
 * Both are part of FGP v1 (docs/protocol.md) so that the agent and the app share one codec.
 */
import { z } from 'zod';
import { decodeCbor, encodeCbor } from './cbor.js';

export const UDP_PROBE_PORT = 48620;
export const MDNS_SERVICE = '_fieldline._tcp.local';
export const ANNOUNCE_MAGIC = new Uint8Array([0x46, 0x47, 0x50, 0x44]); // "FGPD"
export const ANNOUNCE_FORMAT_VERSION = 0x01;
export const PROBE_TYPE = 0x01;
export const ANNOUNCE_TYPE = 0x02;
export const PROBE_NONCE_BYTES = 16;
const HEADER = 6;
/** An announce must fit one unfragmented datagram on any LAN. */
export const MAX_ANNOUNCE_BYTES = 1200;

/** What a gateway says about itself before any session: enough to list it and connect. */
export interface Announcement {
  readonly id: string;
  readonly name: string;
  readonly vendor: string;
  readonly model: string;
  readonly fw: string;
  readonly sn: string;
  readonly port: number;
  readonly tls: boolean;
}

const text = z.string().max(255);
const announcementFields = z.object({
  id: z.string().regex(/^[0-9a-f]{64}$/, 'id must be 64 lowercase hex digits'),
  name: text,
  vendor: text,
  model: text,
  fw: text,
  sn: text,
  port: z.number().int().min(1).max(65535),
  tls: z.boolean(),
});

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

function header(type: number): Uint8Array {
  return new Uint8Array([...ANNOUNCE_MAGIC, ANNOUNCE_FORMAT_VERSION, type]);
}

function checkHeader(datagram: Uint8Array, type: number): string | null {
  if (datagram.length < HEADER) return `datagram of ${datagram.length} bytes is shorter than the 6-byte header`;
  for (let i = 0; i < 4; i++) if (datagram[i] !== ANNOUNCE_MAGIC[i]) return 'datagram does not start with "FGPD"';
  if (datagram[4] !== ANNOUNCE_FORMAT_VERSION)
    return `announce format version ${datagram[4]} is not supported (this end speaks ${ANNOUNCE_FORMAT_VERSION})`;
  if (datagram[5] !== type)
    return `datagram type 0x${datagram[5]!.toString(16).padStart(2, '0')} is not 0x${type.toString(16).padStart(2, '0')}`;
  return null;
}

export function encodeProbe(nonce: Uint8Array): Uint8Array {
  if (nonce.length !== PROBE_NONCE_BYTES) throw new Error(`a probe nonce is ${PROBE_NONCE_BYTES} bytes`);
  const out = new Uint8Array(HEADER + PROBE_NONCE_BYTES);
  out.set(header(PROBE_TYPE), 0);
  out.set(nonce, HEADER);
  return out;
}

export function decodeProbe(datagram: Uint8Array): DecodeResult<Uint8Array> {
  const bad = checkHeader(datagram, PROBE_TYPE);
  if (bad) return { ok: false, reason: bad };
  if (datagram.length !== HEADER + PROBE_NONCE_BYTES)
    return { ok: false, reason: `probe is ${datagram.length} bytes, expected ${HEADER + PROBE_NONCE_BYTES}` };
  // A plain Uint8Array copy: a Buffer (what dgram delivers) would CBOR-encode as an object.
  return { ok: true, value: new Uint8Array(datagram.subarray(HEADER)) };
}

export function encodeAnnounce(nonce: Uint8Array, announcement: Announcement): Uint8Array {
  const body = encodeCbor({ nonce, ...announcement });
  const out = new Uint8Array(HEADER + body.length);
  out.set(header(ANNOUNCE_TYPE), 0);
  out.set(body, HEADER);
  if (out.length > MAX_ANNOUNCE_BYTES) throw new Error(`announce is ${out.length} bytes, over ${MAX_ANNOUNCE_BYTES}`);
  return out;
}

export function decodeAnnounce(datagram: Uint8Array): DecodeResult<{ nonce: Uint8Array; announcement: Announcement }> {
  const bad = checkHeader(datagram, ANNOUNCE_TYPE);
  if (bad) return { ok: false, reason: bad };
  if (datagram.length > MAX_ANNOUNCE_BYTES)
    return { ok: false, reason: `announce is ${datagram.length} bytes, over ${MAX_ANNOUNCE_BYTES}` };
  const body = decodeCbor(datagram.subarray(HEADER));
  if (!body.ok) return body;
  const parsed = announcementFields.extend({ nonce: z.instanceof(Uint8Array) }).safeParse(body.value);
  if (!parsed.success)
    return { ok: false, reason: `announce fields: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  const { nonce, ...announcement } = parsed.data;
  return { ok: true, value: { nonce, announcement } };
}

/** DNS-SD TXT strings ("key=value") for `_fieldline._tcp`. */
export function encodeTxt(announcement: Announcement): string[] {
  return [
    'v=1',
    `id=${announcement.id}`,
    `name=${announcement.name}`,
    `vendor=${announcement.vendor}`,
    `model=${announcement.model}`,
    `fw=${announcement.fw}`,
    `sn=${announcement.sn}`,
    `tls=${announcement.tls ? 1 : 0}`,
  ];
}

/** Parses TXT strings plus the SRV port into an announcement; unknown keys are ignored. */
export function decodeTxt(entries: readonly (string | Uint8Array)[], port: number): DecodeResult<Announcement> {
  const fields = new Map<string, string>();
  for (const entry of entries) {
    const s = typeof entry === 'string' ? entry : Buffer.from(entry).toString('utf8');
    const eq = s.indexOf('=');
    const key = s.slice(0, eq).toLowerCase();
    // RFC 6763 §6.4: keys are case-insensitive and only the first occurrence counts.
    if (eq > 0 && !fields.has(key)) fields.set(key, s.slice(eq + 1));
  }
  if (fields.get('v') !== '1')
    return { ok: false, reason: `TXT v=${fields.get('v') ?? '(missing)'} is not a supported announcement version` };
  const parsed = announcementFields.safeParse({
    id: fields.get('id'),
    name: fields.get('name') ?? '',
    vendor: fields.get('vendor') ?? '',
    model: fields.get('model') ?? '',
    fw: fields.get('fw') ?? '',
    sn: fields.get('sn') ?? '',
    port,
    tls: fields.get('tls') !== '0',
  });
  if (!parsed.success)
    return { ok: false, reason: `TXT record: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  return { ok: true, value: parsed.data };
}
