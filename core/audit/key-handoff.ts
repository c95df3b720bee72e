/**
 * How each host gets the laptop's keys (the audit key and the technician key). The desktop
 * app's main process unseals them with the OS keychain (only main can use Electron's
 * safeStorage) and hands the PEMs to the engine process over the control channel; the CLI and
 * `fieldline serve` use the 0600 files (`keyVaultFor`, profile-store.ts) or a passphrase
 * (core/secrets/key-session.ts).
 *
 * One data folder has one key of each kind. A folder first used by the CLI has its file keys
 * sealed (and the clear files removed) the first time the desktop app opens it; `keyVaultFor`
 * refuses a folder whose key is sealed with the reason, rather than give the CLI a second key
 * and a second chain.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity, identityFromPem, identityToPem, type Ed25519Identity } from '../protocol/identity.js';
import { keychainKeySession, type KeySession } from '../secrets/key-session.js';
import { keyFile } from '../secrets/key-files.js';
import {
  AUDIT_KEY_FILE,
  AuditKeyError,
  createExclusively,
  fileKeyVault,
  sealedKeyVault,
  type AuditKeyVault,
  type KeySeal,
} from './audit-key.js';

/** Electron's safeStorage, as far as this module needs it. */
export interface StringSealer {
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

function sealOf(sealer: StringSealer): KeySeal {
  return {
    encrypt: (plain) => sealer.encryptString(plain.toString('utf8')),
    decrypt: (sealed) => Buffer.from(sealer.decryptString(sealed), 'utf8'),
  };
}

/** Main process: the audit key as PEM, kept sealed at rest with the OS keychain. */
export function sealedAuditKeyPem(dataDir: string, sealer: StringSealer): string {
  const seal = sealOf(sealer);
  const vault = sealedKeyVault(dataDir, seal);
  const clearPath = join(dataDir, AUDIT_KEY_FILE);
  if (!existsSync(vault.path) && existsSync(clearPath)) {
    // Seal the key the CLI made, so the log keeps its one chain; the clear copy goes only after.
    createExclusively(vault.path, seal.encrypt(Buffer.from(identityToPem(fileKeyVault(dataDir).load()))));
    rmSync(clearPath, { force: true });
  }
  return identityToPem(vault.load());
}

/**
 * Main process: the technician key as PEM, sealed with the OS keychain like the audit key. A
 * clear key the CLI made is sealed and its clear copy removed after; a fresh folder gets a key
 * now, which the engine gives the profile when it is created.
 */
export function sealedTechnicianKeyPem(dataDir: string, sealer: StringSealer): string {
  const seal = sealOf(sealer);
  const sealedPath = keyFile(dataDir, 'technician', 'keychain');
  const clearPath = keyFile(dataDir, 'technician', 'clear');
  if (!existsSync(sealedPath)) {
    const identity = existsSync(clearPath) ? identityFromPem(readFileSync(clearPath, 'utf8')) : generateIdentity();
    createExclusively(sealedPath, seal.encrypt(Buffer.from(identityToPem(identity))));
  }
  let identity: Ed25519Identity;
  try {
    identity = identityFromPem(seal.decrypt(readFileSync(sealedPath)).toString('utf8'));
  } catch (err) {
    throw new AuditKeyError(
      `the technician key ${sealedPath} cannot be opened by this user's keychain (${(err as Error).message})`,
      'Run Fieldline as the user and on the laptop that created this data folder, or restore that keychain',
    );
  }
  // Only once the sealed copy opens again does the clear one go.
  if (existsSync(clearPath) && identityFromPem(readFileSync(clearPath, 'utf8')).id === identity.id) rmSync(clearPath, { force: true });
  return identityToPem(identity);
}

/**
 * Main process: both keys in one PEM bundle (audit first, then technician), for the existing
 * `audit-key` control message. A PEM bundle is ordinary PEM text, so the message's check holds.
 */
export function keychainKeyBundle(dataDir: string, sealer: StringSealer): string {
  return `${sealedAuditKeyPem(dataDir, sealer)}${sealedTechnicianKeyPem(dataDir, sealer)}`;
}

const PEM_BLOCK = /-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----\s*/g;

/** Engine process: the keys in the text main sent (one PEM: the audit key alone, as before). */
export function splitKeyBundle(pem: string): { audit: Ed25519Identity; technician: Ed25519Identity | null } {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0 || blocks.length > 2) throw new Error(`the key handoff holds ${blocks.length} PEM keys; expected 1 or 2`);
  return { audit: identityFromPem(blocks[0]!), technician: blocks[1] ? identityFromPem(blocks[1]) : null };
}

/** Engine process: a vault over the audit key main unsealed. */
export function pemKeyVault(pem: string): AuditKeyVault {
  const identity = splitKeyBundle(pem).audit;
  return { protection: 'os-keychain', path: keyFile('', 'audit', 'keychain'), load: () => identity };
}

/**
 * Engine process: the key session over what main sent. With only the audit key (an older main),
 * the technician key stays the 0600 file, as before.
 */
export function keychainSessionFromHandoff(dataDir: string, pem: string, reason: string | null = null): KeySession {
  return keychainKeySession(dataDir, splitKeyBundle(pem), reason);
}
