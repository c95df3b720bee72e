/**
 * A key file sealed with a passphrase: scrypt derives the key, AES-256-GCM seals the PEM.
 *
 *   magic "FLSEAL" (6) | version (1) | purpose (1) | log2 N (1) | r (1) | p (1) | salt (16)
 *   | check (16) | iv (12) | ciphertext | tag (16)
 *
 * Everything before the ciphertext is authenticated (GCM additional data), so a header edited
 * to weaker parameters or another purpose fails to open. `check` is a hash of a second half of
 * the derived key: it tells a wrong passphrase (check differs) from a damaged file (check
 * matches, tag does not). It lets nobody test guesses faster than the tag already does.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { SecretsError } from './secrets-error.js';

const MAGIC = Buffer.from('FLSEAL', 'ascii');
export const SEALED_FORMAT_VERSION = 1;
const SALT_BYTES = 16;
const CHECK_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + 1 + 3 + SALT_BYTES + CHECK_BYTES;
const MIN_BYTES = HEADER_BYTES + IV_BYTES + 1 + TAG_BYTES;

/** What a sealed file holds; written into the header so one file cannot stand in for the other. */
export const PURPOSES = { audit: 1, technician: 2 } as const;
export type KeyPurpose = keyof typeof PURPOSES;

export interface KdfParams {
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
}

/** scrypt N = 2^15, r = 8, p = 1: 32 MiB and about 0.1 s per try on a laptop. */
export const DEFAULT_KDF: KdfParams = { log2N: 15, r: 8, p: 1 };
/** Bounds on what a file may ask for: weaker is refused, and a huge N cannot exhaust memory. */
const MIN_LOG2N = 15;
const MAX_LOG2N = 20;

/** The key a passphrase derives for one salt: `seal` encrypts with it, `check` recognises it. */
export interface PassphraseKey {
  readonly salt: Buffer;
  readonly kdf: KdfParams;
  readonly aesKey: Buffer;
  readonly check: Buffer;
}

function scryptOptions(kdf: KdfParams): { N: number; r: number; p: number; maxmem: number } {
  const N = 2 ** kdf.log2N;
  return { N, r: kdf.r, p: kdf.p, maxmem: 256 * N * kdf.r + 1024 * 1024 };
}

function fromDerived(salt: Buffer, kdf: KdfParams, derived: Buffer): PassphraseKey {
  return {
    salt,
    kdf,
    aesKey: derived.subarray(0, 32),
    check: createHash('sha256').update(derived.subarray(32, 64)).digest().subarray(0, CHECK_BYTES),
  };
}

/** The same passphrase typed on different keyboards and systems gives the same bytes. */
function passphraseBytes(passphrase: string): Buffer {
  return Buffer.from(passphrase.normalize('NFC'), 'utf8');
}

export async function derivePassphraseKey(
  passphrase: string,
  salt: Buffer = randomBytes(SALT_BYTES),
  kdf: KdfParams = DEFAULT_KDF,
): Promise<PassphraseKey> {
  const derived = await new Promise<Buffer>((resolve, reject) =>
    scrypt(passphraseBytes(passphrase), salt, 64, scryptOptions(kdf), (err, key) => (err ? reject(err) : resolve(key))),
  );
  return fromDerived(salt, kdf, derived);
}

/** For the CLI, which reads FIELDLINE_PASSPHRASE before anything async can run. */
export function derivePassphraseKeySync(passphrase: string, salt: Buffer, kdf: KdfParams = DEFAULT_KDF): PassphraseKey {
  return fromDerived(salt, kdf, scryptSync(passphraseBytes(passphrase), salt, 64, scryptOptions(kdf)));
}

function header(key: PassphraseKey, purpose: KeyPurpose): Buffer {
  return Buffer.concat([
    MAGIC,
    Buffer.from([SEALED_FORMAT_VERSION, PURPOSES[purpose], key.kdf.log2N, key.kdf.r, key.kdf.p]),
    key.salt,
    key.check,
  ]);
}

export function sealWithKey(key: PassphraseKey, purpose: KeyPurpose, plain: Buffer): Buffer {
  const head = header(key, purpose);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.aesKey, iv);
  cipher.setAAD(head);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([head, iv, body, cipher.getAuthTag()]);
}

/** The parts of a sealed file, checked for shape but not yet opened. */
export interface SealedHeader {
  readonly purpose: KeyPurpose;
  readonly salt: Buffer;
  readonly kdf: KdfParams;
  readonly check: Buffer;
}

/** Reads the header of `bytes` or says specifically why it is not a sealed key file. */
export function readSealedHeader(bytes: Buffer, path: string, expected: KeyPurpose): SealedHeader {
  const damaged = (why: string): SecretsError =>
    new SecretsError(
      'key_file_damaged',
      `${path} is damaged: ${why}`,
      'Restore the file from a backup. Do not delete it: a new key would start a new audit chain and a new technician identity.',
    );
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC))
    throw damaged('it does not start with the Fieldline sealed-key marker');
  const version = bytes[MAGIC.length]!;
  if (version !== SEALED_FORMAT_VERSION)
    throw new SecretsError(
      'key_file_version',
      `${path} uses sealed-key format version ${version}; this Fieldline reads version ${SEALED_FORMAT_VERSION}`,
      version > SEALED_FORMAT_VERSION ? 'Update Fieldline to the version that sealed this key.' : 'Restore the file from a backup.',
    );
  if (bytes.length < MIN_BYTES) throw damaged(`it is ${bytes.length} bytes long, too short to hold a sealed key (truncated?)`);
  const at = MAGIC.length + 1;
  const purposeCode = bytes[at]!;
  const purpose = (Object.keys(PURPOSES) as KeyPurpose[]).find((p) => PURPOSES[p] === purposeCode);
  if (purpose === undefined) throw damaged(`unknown key purpose ${purposeCode}`);
  if (purpose !== expected) throw damaged(`it holds the ${purpose} key, not the ${expected} key`);
  const kdf: KdfParams = { log2N: bytes[at + 1]!, r: bytes[at + 2]!, p: bytes[at + 3]! };
  if (kdf.log2N < MIN_LOG2N || kdf.log2N > MAX_LOG2N || kdf.r < 1 || kdf.r > 32 || kdf.p < 1 || kdf.p > 16)
    throw damaged(`its key-derivation parameters (N=2^${kdf.log2N}, r=${kdf.r}, p=${kdf.p}) are outside what Fieldline writes`);
  const saltAt = at + 4;
  return {
    purpose,
    kdf,
    salt: Buffer.from(bytes.subarray(saltAt, saltAt + SALT_BYTES)),
    check: Buffer.from(bytes.subarray(saltAt + SALT_BYTES, HEADER_BYTES)),
  };
}

/** True when `key` is what this file's passphrase derives (same salt, parameters and check). */
export function keyMatches(key: PassphraseKey, head: SealedHeader): boolean {
  return (
    key.salt.equals(head.salt) &&
    key.kdf.log2N === head.kdf.log2N &&
    key.kdf.r === head.kdf.r &&
    key.kdf.p === head.kdf.p &&
    timingSafeEqual(key.check, head.check)
  );
}

/** Opens a sealed file with a key derived for its header; wrong key and damage give different errors. */
export function openWithKey(bytes: Buffer, key: PassphraseKey, path: string, expected: KeyPurpose): Buffer {
  const head = readSealedHeader(bytes, path, expected);
  if (!keyMatches(key, head))
    throw new SecretsError(
      'wrong_passphrase',
      'That passphrase is not the one these keys were sealed with',
      'Check Caps Lock and the keyboard layout, then try again.',
    );
  const iv = bytes.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const body = bytes.subarray(HEADER_BYTES + IV_BYTES, bytes.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key.aesKey, iv);
  decipher.setAAD(bytes.subarray(0, HEADER_BYTES));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new SecretsError(
      'key_file_damaged',
      `${path} is damaged: the passphrase is right but the sealed key does not authenticate (bytes were changed or cut off)`,
      'Restore the file from a backup. Do not delete it: a new key would start a new audit chain and a new technician identity.',
    );
  }
}
