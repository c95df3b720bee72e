/**
 * Ed25519 identities: a gateway's device key and a technician's key.
 *
 * A device id (and a technician key id) is the lowercase hex SHA-256 of the raw 32-byte public
 * key, so anyone holding the key can recompute it and nobody can pick it.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

export interface Ed25519Identity {
  readonly privateKey: KeyObject;
  readonly publicKey: Uint8Array;
  readonly id: string;
}

export function fingerprint(rawPublicKey: Uint8Array): string {
  return createHash('sha256').update(rawPublicKey).digest('hex');
}

export function rawPublicKeyOf(key: KeyObject): Uint8Array {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return new Uint8Array(Buffer.from(jwk.x, 'base64url'));
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new Error(`an Ed25519 public key is 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

function identityOf(privateKey: KeyObject): Ed25519Identity {
  const publicKey = rawPublicKeyOf(privateKey);
  return { privateKey, publicKey, id: fingerprint(publicKey) };
}

export function generateIdentity(): Ed25519Identity {
  return identityOf(generateKeyPairSync('ed25519').privateKey);
}

export function identityFromPem(pem: string): Ed25519Identity {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`expected an Ed25519 private key, found ${key.asymmetricKeyType ?? 'an unknown key type'}`);
  return identityOf(key);
}

export function identityToPem(identity: Ed25519Identity): string {
  return identity.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function signBytes(identity: Ed25519Identity, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, identity.privateKey));
}

export function verifyBytes(rawPublicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify(null, message, publicKeyFromRaw(rawPublicKey), signature);
  } catch {
    return false;
  }
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
