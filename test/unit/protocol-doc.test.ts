/**
 * docs/protocol.md cannot drift from the code: every worked example in it is decoded with the
 * project's codec and must give exactly the content the document states, the signatures in it
 * must verify, and the constants it names must be the ones the code uses.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METHOD_NAMES } from '../../agent/fgp-handler.js';
import {
  ANNOUNCE_MAGIC,
  decodeAnnounce,
  decodeProbe,
  decodeTxt,
  encodeAnnounce,
  encodeProbe,
  encodeTxt,
  MAX_ANNOUNCE_BYTES,
  UDP_PROBE_PORT,
  type Announcement,
} from '../../core/protocol/announce.js';
import { decodeCbor, encodeCbor, MAX_CBOR_DEPTH } from '../../core/protocol/cbor.js';
import { cobsEncode } from '../../core/protocol/cobs.js';
import { crc32c } from '../../core/protocol/crc32c.js';
import { FGP_ERROR_CODES } from '../../core/protocol/errors.js';
import { DEFAULT_MAX_FRAME, encodeFrame, FrameDecoder, MAX_FRAME_LIMIT, type FrameDrop } from '../../core/protocol/frame.js';
import { authMessage, helloProofMessage, TLS_EXPORTER_LABEL, TLS_EXPORTER_LENGTH } from '../../core/protocol/handshake.js';
import { fingerprint, rawPublicKeyOf, toHex, verifyBytes } from '../../core/protocol/identity.js';
import { decodeMessage } from '../../core/protocol/messages.js';
import { DEFAULT_FGP_PORT } from '../../core/transport/tcp.js';
import { fences, type Fence } from '../helpers/markdown-fences.js';

const docPath = join(import.meta.dirname, '..', '..', 'docs', 'protocol.md');
const doc = readFileSync(docPath, 'utf8');

/** "0010: 6c 6c 6f …" lines → bytes, checking that every offset is where it should be. */
function parseHexDump(fence: Fence): Uint8Array {
  const bytes: number[] = [];
  for (const [row, line] of fence.body.split('\n').entries()) {
    const m = /^([0-9a-f]{4,8}):((?: [0-9a-f]{2}){1,16})$/.exec(line.trim());
    assert.ok(m, `protocol.md:${fence.line + row + 1}: "${line}" is not an "offset: hex bytes" line`);
    assert.equal(
      parseInt(m[1]!, 16),
      bytes.length,
      `protocol.md:${fence.line + row + 1}: offset ${m[1]} should be ${bytes.length.toString(16)}`,
    );
    for (const pair of m[2]!.trim().split(' ')) bytes.push(parseInt(pair, 16));
  }
  return new Uint8Array(bytes);
}

/**
 * CBOR diagnostic notation (RFC 8949 §8), the subset the document uses: maps, arrays, text,
 * numbers, true/false/null and h'…' byte strings.
 */
function parseDiagnostic(text: string): unknown {
  let at = 0;
  const fail = (what: string): never => assert.fail(`cbor-diag: ${what} at offset ${at} in ${JSON.stringify(text.slice(at, at + 30))}`);
  const skip = (): void => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  const expect = (char: string): void => {
    skip();
    if (text[at] !== char) fail(`expected "${char}"`);
    at++;
  };
  const value = (): unknown => {
    skip();
    const c = text[at];
    if (c === '{') {
      at++;
      const map: Record<string, unknown> = {};
      skip();
      if (text[at] === '}') return (at++, map);
      for (;;) {
        const key = value();
        if (typeof key !== 'string') fail('map keys must be text');
        expect(':');
        assert.ok(!Object.hasOwn(map, key as string), `cbor-diag: duplicate key ${String(key)}`);
        map[key as string] = value();
        skip();
        if (text[at] === ',') at++;
        else return (expect('}'), map);
      }
    }
    if (c === '[') {
      at++;
      const list: unknown[] = [];
      skip();
      if (text[at] === ']') return (at++, list);
      for (;;) {
        list.push(value());
        skip();
        if (text[at] === ',') at++;
        else return (expect(']'), list);
      }
    }
    if (c === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(at));
      if (!m) fail('unterminated text string');
      at += m![0].length;
      return JSON.parse(m![0]) as string;
    }
    if (c === 'h' && text[at + 1] === "'") {
      const end = text.indexOf("'", at + 2);
      if (end < 0) fail('unterminated byte string');
      const hex = text.slice(at + 2, end).replace(/\s+/g, '');
      if (!/^(?:[0-9a-f]{2})*$/.test(hex)) fail('byte string is not lowercase hex pairs');
      at = end + 1;
      return new Uint8Array(Buffer.from(hex, 'hex'));
    }
    for (const [word, literal] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, at)) return ((at += word.length), literal);
    }
    const num = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(at));
    if (!num) fail('unexpected character');
    at += num![0].length;
    return Number(num![0]);
  };
  const result = value();
  skip();
  if (at !== text.length) fail('trailing text');
  return result;
}

/** Plain, comparable values: cbor2 may hand back Buffers or subarrays for byte strings. */
function normalise(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  return value;
}

function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(toHex(actual), toHex(expected), what);
}

interface Example {
  readonly name: string;
  readonly kind: string;
  readonly fence: Fence;
  readonly bytes: Uint8Array;
  /** The cbor-diag block that follows, when there is one. */
  readonly stated: unknown;
}

const allFences = fences(doc, 'protocol.md');
const examples = new Map<string, Example>();
for (const [index, fence] of allFences.entries()) {
  const name = fence.attrs.get('example');
  if (name === undefined) continue;
  assert.ok(!examples.has(name), `protocol.md:${fence.line}: example "${name}" appears twice`);
  const next = allFences[index + 1];
  const stated = next?.lang === 'cbor-diag' ? parseDiagnostic(next.body) : undefined;
  const kind = fence.attrs.get('kind') ?? fence.lang;
  const bytes = fence.lang === 'hex' ? parseHexDump(fence) : new Uint8Array(0);
  examples.set(name, { name, kind, fence, bytes, stated });
}

function example(name: string): Example {
  const found = examples.get(name);
  assert.ok(found, `protocol.md has no example named "${name}"`);
  return found;
}

function requireStated(ex: Example): unknown {
  assert.ok(
    ex.stated !== undefined,
    `protocol.md:${ex.fence.line}: example ${ex.name} is not followed by a cbor-diag block stating its content`,
  );
  return ex.stated;
}

function framePayload(ex: Example): Uint8Array {
  const payloads: Uint8Array[] = [];
  const drops: FrameDrop[] = [];
  const decoder = new FrameDecoder(
    (p) => payloads.push(new Uint8Array(p)),
    MAX_FRAME_LIMIT,
    (d) => drops.push(d),
  );
  decoder.push(ex.bytes);
  assert.deepEqual(drops, [], `${ex.name}: the frame decoder dropped the example`);
  assert.equal(payloads.length, 1, `${ex.name}: expected exactly one frame`);
  return payloads[0]!;
}

/** The message's map, checked by the envelope classifier too. */
function decodedMessage(ex: Example, payload: Uint8Array): unknown {
  const message = decodeMessage(payload);
  assert.ok(message.ok, `${ex.name}: decodeMessage refused the payload: ${message.ok ? '' : message.reason}`);
  const cbor = decodeCbor(payload);
  assert.ok(cbor.ok);
  return normalise(cbor.value);
}

function checkExample(ex: Example): void {
  switch (ex.kind) {
    case 'frame': {
      const stated = requireStated(ex);
      const payload = framePayload(ex);
      assert.deepStrictEqual(decodedMessage(ex, payload), stated, `${ex.name}: decoded content differs from the document`);
      sameBytes(encodeFrame(encodeCbor(stated)), ex.bytes, `${ex.name}: re-encoding the stated content gives other bytes`);
      const crc = ex.fence.attrs.get('crc');
      if (crc !== undefined) assert.equal(crc32c(payload), parseInt(crc, 16), `${ex.name}: crc attribute`);
      return;
    }
    case 'cbor': {
      const stated = requireStated(ex);
      assert.deepStrictEqual(decodedMessage(ex, ex.bytes), stated, `${ex.name}: decoded content differs from the document`);
      sameBytes(encodeCbor(stated), ex.bytes, `${ex.name}: re-encoding`);
      return;
    }
    case 'probe': {
      const stated = requireStated(ex);
      const probe = decodeProbe(ex.bytes);
      assert.ok(probe.ok, `${ex.name}: ${probe.ok ? '' : probe.reason}`);
      assert.deepStrictEqual(normalise(probe.value), stated);
      sameBytes(encodeProbe(stated as Uint8Array), ex.bytes, `${ex.name}: re-encoding`);
      return;
    }
    case 'announce': {
      const stated = requireStated(ex) as { nonce: Uint8Array } & Announcement;
      const announce = decodeAnnounce(ex.bytes);
      assert.ok(announce.ok, `${ex.name}: ${announce.ok ? '' : announce.reason}`);
      assert.deepStrictEqual(normalise({ nonce: announce.value.nonce, ...announce.value.announcement }), stated);
      const { nonce, ...announcement } = stated;
      sameBytes(encodeAnnounce(nonce, announcement), ex.bytes, `${ex.name}: re-encoding`);
      return;
    }
    case 'txt': {
      const stated = requireStated(ex) as Announcement;
      const entries = ex.fence.body.split('\n');
      const port = Number(ex.fence.attrs.get('port'));
      const txt = decodeTxt(entries, port);
      assert.ok(txt.ok, `${ex.name}: ${txt.ok ? '' : txt.reason}`);
      assert.deepStrictEqual(normalise(txt.value), stated);
      assert.deepEqual(encodeTxt(stated), entries, `${ex.name}: re-encoding`);
      return;
    }
    case 'bytes':
      return; // cross-checked by name below
    default:
      assert.fail(`protocol.md:${ex.fence.line}: example ${ex.name} has unknown kind "${ex.kind}"`);
  }
}

/** The cells of the table row whose first cell is `label` (tables may be aligned with spaces). */
function tableRow(label: string): string[] {
  for (const line of doc.split('\n')) {
    if (!line.startsWith('|')) continue;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    if (cells[0] === label) return cells;
  }
  return assert.fail(`protocol.md has no table row "${label}"`);
}

/** The first `code` span of a table row's second cell. */
function tableCode(label: string): string {
  const m = /`([^`]+)`/.exec(tableRow(label)[1] ?? '');
  assert.ok(m, `table row "${label}" has no \`value\``);
  return m[1]!;
}

function tableValue(label: string): string {
  const value = tableCode(label);
  assert.match(value, /^[0-9a-f]+$/, `table row "${label}" is not lowercase hex`);
  return value;
}

function tableNumber(label: string): number {
  const m = /(\d+)/.exec(tableRow(label)[1] ?? '');
  assert.ok(m, `table row "${label}" has no number`);
  return Number(m[1]);
}

function publicKeyFromSeed(seedHex: string): string {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedHex, 'hex')]);
  return toHex(rawPublicKeyOf(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })));
}

function field(value: unknown, ...path: string[]): unknown {
  let at = value;
  for (const key of path) at = (at as Record<string, unknown>)[key];
  return at;
}

describe('docs/protocol.md worked examples', () => {
  test('the document has its examples, each with a known kind', () => {
    assert.ok(examples.size >= 20, `found only ${examples.size} examples; is the fence syntax still \`\`\`hex example=<name> kind=<kind>?`);
  });

  for (const ex of examples.values()) {
    test(`${ex.name} (${ex.kind}) decodes to the stated content`, () => checkExample(ex));
  }

  test('the frame breakdown: payload ‖ CRC-32C little-endian, COBS, delimiter', () => {
    const payload = example('status-request-payload').bytes;
    const body = example('status-request-body').bytes;
    const crc = new DataView(body.buffer, body.byteOffset).getUint32(payload.length, true);
    sameBytes(body.subarray(0, payload.length), payload, 'body starts with the payload');
    assert.equal(body.length, payload.length + 4);
    assert.equal(crc, crc32c(payload));
    const crcText = /CRC-32C of the payload: `(0x[0-9a-f]{8})`/.exec(doc);
    assert.ok(crcText, 'the breakdown states the CRC');
    assert.equal(parseInt(crcText[1]!, 16), crc);
    sameBytes(example('status-request-cobs').bytes, cobsEncode(body), 'COBS of the body');
    sameBytes(example('status-request').bytes, new Uint8Array([...cobsEncode(body), 0x00]), 'frame = COBS ‖ 0x00');
  });

  test('the example keys derive from their seeds, and the ids from the keys', () => {
    const devicePublic = publicKeyFromSeed(tableValue('Device key seed (RFC 8032 private key)'));
    assert.equal(tableValue('Device public key'), devicePublic);
    assert.equal(tableValue('Device id = SHA-256(public key)'), fingerprint(Buffer.from(devicePublic, 'hex')));
    const technicianPublic = publicKeyFromSeed(tableValue('Technician key seed'));
    assert.equal(tableValue('Technician public key'), technicianPublic);
    assert.equal(tableValue('Technician key id'), fingerprint(Buffer.from(technicianPublic, 'hex')));
  });

  test('hello: the proof signs "FGP1-hello\\0" ‖ nonce ‖ binding with the device key', () => {
    const binding = example('tls-binding').bytes;
    assert.equal(binding.length, TLS_EXPORTER_LENGTH);
    const request = requireStated(example('hello-request'));
    const result = field(requireStated(example('hello-response')), 'result') as { id: string; publicKey: Uint8Array; proof: Uint8Array };
    const signed = helloProofMessage(field(request, 'params', 'nonce') as Uint8Array, binding);
    sameBytes(example('hello-proof-input').bytes, signed, 'hello signed bytes');
    assert.equal(result.id, fingerprint(result.publicKey), 'device id = SHA-256 of its key');
    assert.equal(result.id, tableValue('Device id = SHA-256(public key)'));
    assert.ok(verifyBytes(result.publicKey, signed, result.proof), 'the hello proof verifies');
  });

  test('auth: the signature signs "FGP1-auth\\0" ‖ device id ‖ nonce ‖ binding with the technician key', () => {
    const binding = example('tls-binding').bytes;
    const deviceId = (field(requireStated(example('hello-response')), 'result') as { id: string }).id;
    const technicianKey = field(requireStated(example('auth-challenge-request')), 'params', 'publicKey') as Uint8Array;
    const nonce = field(requireStated(example('auth-challenge-response')), 'result', 'nonce') as Uint8Array;
    const signature = field(requireStated(example('auth-respond-request')), 'params', 'signature') as Uint8Array;
    const signed = authMessage(deviceId, nonce, binding);
    sameBytes(example('auth-signed-input').bytes, signed, 'auth signed bytes');
    assert.ok(verifyBytes(technicianKey, signed, signature), 'the technician signature verifies');
    assert.equal(toHex(technicianKey), tableValue('Technician public key'));
  });

  test('the UDP datagrams start with the documented header', () => {
    sameBytes(example('udp-probe').bytes.subarray(0, 6), new Uint8Array([...ANNOUNCE_MAGIC, 0x01, 0x01]), 'probe header');
    sameBytes(example('udp-announce').bytes.subarray(0, 6), new Uint8Array([...ANNOUNCE_MAGIC, 0x01, 0x02]), 'announce header');
  });
});

describe('docs/protocol.md constants', () => {
  test('the stated CRC-32C check value is crc32c("123456789")', () => {
    const check = crc32c(new TextEncoder().encode('123456789'));
    const stated = tableCode('Check value: CRC-32C of the ASCII bytes `123456789`');
    assert.match(stated, /^0x[0-9A-Fa-f]{8}$/);
    assert.equal(parseInt(stated, 16), check);
    const wire = /the check value would appear as the bytes `([0-9a-f ]+)`/.exec(doc);
    assert.ok(wire, 'the document shows the check value in wire byte order');
    assert.equal(wire[1], [0, 8, 16, 24].map((s) => ((check >>> s) & 0xff).toString(16).padStart(2, '0')).join(' '));
  });

  test('ports, frame limits, depth, exporter and datagram sizes match the code', () => {
    const number = (re: RegExp): number => {
      const m = re.exec(doc);
      assert.ok(m, `protocol.md does not match ${re}`);
      return Number(m[1]);
    };
    assert.equal(number(/listens on TCP port \*\*(\d+)\*\*/), DEFAULT_FGP_PORT);
    assert.equal(number(/UDP port \*\*(\d+)\*\*/), UDP_PROBE_PORT);
    assert.equal(tableNumber('Limit before `hello` completes (`DEFAULT_MAX_FRAME`)'), DEFAULT_MAX_FRAME);
    assert.equal(tableNumber('Largest limit any implementation needs to accept (`MAX_FRAME_LIMIT`)'), MAX_FRAME_LIMIT);
    assert.equal(tableNumber('CBOR nesting depth'), MAX_CBOR_DEPTH);
    assert.equal(tableNumber('UDP announce'), MAX_ANNOUNCE_BYTES);
    const exporter = /label = "([^"]+)", context = "" \(empty\), length = (\d+)\)/.exec(doc);
    assert.ok(exporter, 'the exporter parameters are stated');
    assert.equal(exporter[1], TLS_EXPORTER_LABEL);
    assert.equal(Number(exporter[2]), TLS_EXPORTER_LENGTH);
  });

  test('every method the reference gateway serves has its own section', () => {
    const documented = [...doc.matchAll(/^### 6\.\d+ `([a-z.]+)`$/gm)].map((m) => m[1]);
    assert.deepEqual(documented, [...METHOD_NAMES]);
  });

  test('every error code of core/protocol/errors.ts is in an error table', () => {
    for (const code of FGP_ERROR_CODES)
      assert.match(doc, new RegExp(`^\\|\\s*\`${code}\`\\s*\\|`, 'm'), `error code ${code} is not documented`);
  });
});
