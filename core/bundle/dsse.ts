/**
 * DSSE envelopes (https://github.com/secure-systems-lab/dsse) signed with Ed25519.
 *
 * The signature covers the pre-authentication encoding (PAE) of the payload type and the payload
 * bytes, never the JSON around them, so re-serialising the envelope cannot change what was signed.
 * Parsing is strict (canonical base64, exact fields) so that no byte of the envelope can change
 * without verification noticing.
 */
import { z } from 'zod';
import { signBytes, verifyBytes, type Ed25519Identity } from '../protocol/identity.js';
import { fail, type Check } from './reasons.js';

export const PAYLOAD_TYPE = 'application/vnd.fieldline.manifest.v1+json';
export const MAX_SIGNATURES = 64;

export interface DsseSignature {
  readonly keyid: string;
  readonly sig: string;
}

export interface DsseEnvelope {
  readonly payloadType: string;
  readonly payload: string;
  readonly signatures: readonly DsseSignature[];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const envelopeSchema = z.strictObject({
  payloadType: z.string().min(1).max(256),
  payload: z.string().regex(BASE64, 'expected standard base64'),
  signatures: z
    .array(
      z.strictObject({
        keyid: z.string().regex(/^[0-9a-f]{64}$/, 'expected a key id: 64 lowercase hex characters'),
        sig: z.string().regex(BASE64, 'expected standard base64'),
      }),
    )
    .max(MAX_SIGNATURES),
});

/** "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN = ASCII decimal byte count. */
export function pae(payloadType: string, body: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, 'utf8');
  const head = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${body.length} `, 'utf8');
  return new Uint8Array(Buffer.concat([head, body]));
}

export function createEnvelope(payload: Uint8Array, payloadType: string = PAYLOAD_TYPE): DsseEnvelope {
  return { payloadType, payload: Buffer.from(payload).toString('base64'), signatures: [] };
}

export function envelopePayload(envelope: DsseEnvelope): Uint8Array {
  return new Uint8Array(Buffer.from(envelope.payload, 'base64'));
}

/** Add (or replace) this key's signature; threshold signing is several holders each calling this. */
export function signEnvelope(envelope: DsseEnvelope, identity: Ed25519Identity): DsseEnvelope {
  const sig = signBytes(identity, pae(envelope.payloadType, envelopePayload(envelope)));
  const others = envelope.signatures.filter((s) => s.keyid !== identity.id);
  return { ...envelope, signatures: [...others, { keyid: identity.id, sig: Buffer.from(sig).toString('base64') }] };
}

export function verifySignature(envelope: DsseEnvelope, signature: DsseSignature, rawPublicKey: Uint8Array): boolean {
  const sig = new Uint8Array(Buffer.from(signature.sig, 'base64'));
  return verifyBytes(rawPublicKey, pae(envelope.payloadType, envelopePayload(envelope)), sig);
}

export function encodeEnvelope(envelope: DsseEnvelope): Uint8Array {
  const { payloadType, payload, signatures } = envelope;
  return new Uint8Array(
    Buffer.from(JSON.stringify({ payloadType, payload, signatures: signatures.map(({ keyid, sig }) => ({ keyid, sig })) }), 'utf8'),
  );
}

export type EnvelopeResult =
  { readonly ok: true; readonly envelope: DsseEnvelope; readonly payload: Uint8Array } | { readonly ok: false; readonly check: Check };

/** Parse the manifest entry's bytes; a failure is the Check to report ('envelope' or payload_type). */
export function parseEnvelope(bytes: Uint8Array): EnvelopeResult {
  const invalid = (why: string): EnvelopeResult => ({
    ok: false,
    check: fail(
      'envelope',
      'envelope_invalid',
      `manifest.dsse.json is not a valid signed envelope: ${why}. The bundle is damaged or was not made by Fieldline; get a fresh copy`,
    ),
  });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return invalid('it is not UTF-8 text');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return invalid(`it is not JSON (${(error as Error).message})`);
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(`${issue?.path.join('.') || 'top level'}: ${issue?.message ?? 'unexpected shape'}`);
  }
  const envelope = parsed.data;
  // Base64 has spare bits in its last character; only the canonical spelling is accepted so a
  // changed character can never decode to the same bytes and go unnoticed.
  const payload = Buffer.from(envelope.payload, 'base64');
  if (payload.toString('base64') !== envelope.payload) return invalid('the payload is not canonical base64');
  for (const s of envelope.signatures) {
    const sig = Buffer.from(s.sig, 'base64');
    if (sig.toString('base64') !== s.sig) return invalid(`the signature by ${s.keyid.slice(0, 16)}… is not canonical base64`);
  }
  if (envelope.payloadType !== PAYLOAD_TYPE)
    return {
      ok: false,
      check: fail(
        'envelope',
        'payload_type',
        `the envelope carries "${envelope.payloadType}", not a Fieldline manifest (${PAYLOAD_TYPE}); this file is not a Fieldline bundle or needs a newer Fieldline`,
      ),
    };
  return { ok: true, envelope, payload: new Uint8Array(payload) };
}
