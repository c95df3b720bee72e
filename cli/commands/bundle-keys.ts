/**
 * Signing-key files for `fieldline bundle`: what keygen writes, what sign/create read, what
 * `trust add` imports.
 *
 * A private key file is JSON (name, roles, key id, public key, PKCS#8 PEM) so a holder can see
 * whose key it is without opening a crypto tool; a bare PEM from `openssl genpkey -algorithm
 * ed25519` is accepted too. The public half is written next to it as `*.pub.json`: that is the
 * file a signer hands to whoever maintains the trust stores.
 */
import { createPublicKey } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  fingerprint,
  fromHex,
  generateIdentity,
  identityFromPem,
  identityToPem,
  rawPublicKeyOf,
  toHex,
  type Ed25519Identity,
} from '../../core/protocol/identity.js';
import { CliError } from '../output.js';

export const SIGNING_ROLES = ['image-signer', 'model-signer'] as const;
export type SigningRole = (typeof SIGNING_ROLES)[number];

export const PRIVATE_KEY_TYPE = 'fieldline.signing-key/v1';
export const PUBLIC_KEY_TYPE = 'fieldline.public-key/v1';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

const publicKeyFileSchema = z.object({
  type: z.literal(PUBLIC_KEY_TYPE).optional(),
  name: z.string().min(1).max(200),
  roles: z.array(z.enum(SIGNING_ROLES)).default([]),
  keyId: hex64.optional(),
  publicKey: hex64,
});

const privateKeyFileSchema = z.object({
  type: z.literal(PRIVATE_KEY_TYPE).optional(),
  name: z.string().min(1).max(200),
  roles: z.array(z.enum(SIGNING_ROLES)).default([]),
  privateKeyPem: z.string().min(1),
});

export interface PublicKeyFile {
  readonly type: typeof PUBLIC_KEY_TYPE;
  readonly name: string;
  readonly roles: readonly SigningRole[];
  readonly keyId: string;
  readonly publicKey: string;
  /** ms since the epoch, as in resources/demo/signing-keys/*.json */
  readonly createdAt: number;
}

export interface SigningKey {
  readonly name: string;
  readonly roles: readonly SigningRole[];
  readonly identity: Ed25519Identity;
}

export function parseRole(value: string | undefined): SigningRole[] {
  if (value === undefined) return [];
  const roles = value
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const role of roles)
    if (!(SIGNING_ROLES as readonly string[]).includes(role))
      throw new CliError(`--role must be ${SIGNING_ROLES.join(' or ')} (comma-separated for both), got "${role}"`);
  return [...new Set(roles)] as SigningRole[];
}

export function publicPathFor(privatePath: string): string {
  return privatePath.endsWith('.json') ? `${privatePath.slice(0, -'.json'.length)}.pub.json` : `${privatePath}.pub.json`;
}

/** Creates the key files; refuses to overwrite, because losing a signing key is not undoable. */
export async function writeNewKey(out: string, name: string, roles: readonly SigningRole[]): Promise<PublicKeyFile> {
  const identity = generateIdentity();
  const createdAt = Date.now();
  const pub: PublicKeyFile = { type: PUBLIC_KEY_TYPE, name, roles, keyId: identity.id, publicKey: toHex(identity.publicKey), createdAt };
  const { type: _publicType, ...fields } = pub;
  const priv = {
    type: PRIVATE_KEY_TYPE,
    comment: 'PRIVATE Fieldline bundle-signing key. Keep it offline and readable only by its holder; share the .pub.json file instead.',
    ...fields,
    privateKeyPem: identityToPem(identity),
  };
  await writeExclusive(out, `${JSON.stringify(priv, null, 2)}\n`, 0o600);
  await writeExclusive(publicPathFor(out), `${JSON.stringify(pub, null, 2)}\n`, 0o644);
  return pub;
}

async function writeExclusive(path: string, text: string, mode: number): Promise<void> {
  let handle;
  try {
    // O_EXCL + mode at creation: the private key is never readable by others, not even briefly.
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EEXIST')
      throw new CliError(`${path} already exists`, 'Choose another --out; a key file is never overwritten.', 'key_exists', 1);
    throw new CliError(`cannot create ${path}: ${(err as Error).message}`, 'Check the folder exists and is writable.', 'io', 1);
  }
  try {
    await handle.writeFile(text);
    await handle.chmod(mode);
  } finally {
    await handle.close();
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new CliError(
      code === 'ENOENT' ? `${what} ${path} does not exist` : `cannot read ${what} ${path}: ${(err as Error).message}`,
      undefined,
      'io',
      1,
    );
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${path} is not valid JSON: ${(err as Error).message}`, undefined, 'key_invalid', 1);
  }
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
}

/** A key file written by `bundle keygen`, or a PKCS#8 PEM holding an Ed25519 private key. */
export async function readSigningKey(path: string): Promise<SigningKey> {
  const text = await readText(path, 'key file');
  if (text.trimStart().startsWith('-----BEGIN')) return { name: path, roles: [], identity: identityFromPemOrFail(text, path) };
  const json = parseJson(text, path);
  if (typeof json === 'object' && json !== null && 'publicKey' in json && !('privateKeyPem' in json))
    throw new CliError(
      `${path} is a public key file, not a Fieldline signing key`,
      'Signing needs the private key file written by `fieldline bundle keygen` (KEY.json, not KEY.pub.json).',
      'key_invalid',
      1,
    );
  const parsed = privateKeyFileSchema.safeParse(json);
  if (!parsed.success)
    throw new CliError(
      `${path} is not a Fieldline signing key: ${issues(parsed.error)}`,
      'Give the private key file written by `fieldline bundle keygen` (not the .pub.json), or an Ed25519 PKCS#8 PEM.',
      'key_invalid',
      1,
    );
  const identity = identityFromPemOrFail(parsed.data.privateKeyPem, path);
  const stated = (json as { keyId?: unknown }).keyId;
  if (typeof stated === 'string' && stated !== identity.id)
    throw new CliError(
      `${path} says key id ${stated} but its private key has id ${identity.id}`,
      'The file was edited or corrupted; use the original.',
      'key_invalid',
      1,
    );
  return { name: parsed.data.name, roles: parsed.data.roles, identity };
}

function identityFromPemOrFail(pem: string, path: string): Ed25519Identity {
  try {
    return identityFromPem(pem);
  } catch (err) {
    throw new CliError(`${path} does not hold a usable Ed25519 private key: ${(err as Error).message}`, undefined, 'key_invalid', 1);
  }
}

/** A `*.pub.json` from keygen, a signing key file (its public half is used) or an SPKI PEM public key. */
export async function readPublicKey(path: string): Promise<Omit<PublicKeyFile, 'type' | 'createdAt'>> {
  const text = await readText(path, 'public key file');
  if (text.trimStart().startsWith('-----BEGIN')) {
    let raw: Uint8Array;
    try {
      raw = rawPublicKeyOf(createPublicKey(text));
    } catch (err) {
      throw new CliError(`${path} does not hold an Ed25519 public key: ${(err as Error).message}`, undefined, 'key_invalid', 1);
    }
    return { name: path, roles: [], keyId: fingerprint(raw), publicKey: toHex(raw) };
  }
  const json = parseJson(text, path);
  if (typeof json === 'object' && json !== null && 'privateKeyPem' in json) {
    const key = await readSigningKey(path);
    return { name: key.name, roles: key.roles, keyId: key.identity.id, publicKey: toHex(key.identity.publicKey) };
  }
  const parsed = publicKeyFileSchema.safeParse(json);
  if (!parsed.success)
    throw new CliError(`${path} is not a Fieldline public key file: ${issues(parsed.error)}`, undefined, 'key_invalid', 1);
  const keyId = fingerprint(fromHex(parsed.data.publicKey));
  if (parsed.data.keyId !== undefined && parsed.data.keyId !== keyId)
    throw new CliError(
      `${path} says key id ${parsed.data.keyId} but its public key has id ${keyId}`,
      'The file was edited or corrupted; ask the key holder for it again.',
      'key_invalid',
      1,
    );
  return { name: parsed.data.name, roles: parsed.data.roles, keyId, publicKey: parsed.data.publicKey };
}
