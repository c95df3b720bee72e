/**
 * The laptop's audit key: the Ed25519 key that signs checkpoints and names the log.
 *
 * One key per installation, created on first use. A key that exists but cannot be read is an
 * error, never a reason to make a new one: a new key would start a second chain and the old one
 * could no longer be extended or vouched for.
 */
import { existsSync, linkSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity, identityFromPem, identityToPem, type Ed25519Identity } from '../protocol/identity.js';
import { keysLocked } from '../secrets/secrets-error.js';
import { sessionForFolder } from '../secrets/environment-unlock.js';
import { writeSyncedTemp } from '../secrets/key-files.js';

export const AUDIT_KEY_FILE = 'audit-key.pem';
export const AUDIT_SEALED_KEY_FILE = 'audit-key.sealed';
/** The key sealed with a passphrase (core/secrets/sealed-file.ts). */
export const AUDIT_LOCKED_KEY_FILE = 'audit-key.locked';

export interface AuditKeyVault {
  /** How the key is protected at rest: the OS keychain (Electron safeStorage) or only file permissions. */
  readonly protection: 'os-keychain' | 'passphrase' | 'file-permissions';
  /** The key file this vault keeps (for messages). */
  readonly path: string;
  /** Loads the key, creating it on first use. Throws AuditKeyError when it exists but cannot be read. */
  load(): Ed25519Identity;
}

/** What the host passes in to encrypt the key at rest (Electron's safeStorage). */
export interface KeySeal {
  encrypt(plain: Buffer): Buffer;
  decrypt(sealed: Buffer): Buffer;
}

export class AuditKeyError extends Error {
  readonly code = 'audit_key_unreadable';
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(`${message}. ${fix}`);
    this.name = 'AuditKeyError';
  }
}

/** The key as a PKCS#8 PEM file readable only by the user (0600): the fallback without a keychain. */
export function fileKeyVault(dataDir: string): AuditKeyVault {
  const path = join(dataDir, AUDIT_KEY_FILE);
  return {
    protection: 'file-permissions',
    path,
    load(): Ed25519Identity {
      if (existsSync(path)) {
        let pem: string;
        try {
          pem = readFileSync(path, 'utf8');
        } catch (err) {
          throw new AuditKeyError(
            `the audit key ${path} exists but cannot be read (${(err as Error).message})`,
            'Fix the file permissions (it must be readable by the user running Fieldline) or restore the file from a backup; do not delete it, that would start a new audit chain',
          );
        }
        try {
          return identityFromPem(pem);
        } catch (err) {
          throw new AuditKeyError(
            `the audit key ${path} is damaged (${(err as Error).message})`,
            'Restore the file from a backup; do not delete it, that would start a new audit chain',
          );
        }
      }
      const identity = generateIdentity();
      // Another process (the app and the CLI starting together) may have created it meanwhile.
      if (!createExclusively(path, Buffer.from(identityToPem(identity)))) return this.load();
      return identity;
    },
  };
}

/**
 * The key sealed by the host (Electron safeStorage: Keychain, DPAPI, libsecret). Only the same
 * user on the same machine can open it; a copied data folder cannot sign in this laptop's name.
 */
export function sealedKeyVault(dataDir: string, seal: KeySeal): AuditKeyVault {
  const path = join(dataDir, AUDIT_SEALED_KEY_FILE);
  return {
    protection: 'os-keychain',
    path,
    load(): Ed25519Identity {
      if (existsSync(path)) {
        let pem: string;
        try {
          pem = seal.decrypt(readFileSync(path)).toString('utf8');
        } catch (err) {
          throw new AuditKeyError(
            `the audit key ${path} cannot be decrypted by this user's keychain (${(err as Error).message}); it was sealed by another user account or another machine, or the keychain was reset`,
            'Run Fieldline as the user and on the laptop that created this data folder, or restore that keychain. To start a new audit log instead, first export the old one (`fieldline audit export` on the original laptop), then move audit.db and audit-key.sealed out of the data folder',
          );
        }
        try {
          return identityFromPem(pem);
        } catch (err) {
          throw new AuditKeyError(
            `the audit key ${path} decrypts to something that is not an Ed25519 key (${(err as Error).message})`,
            'Restore the file from a backup; do not delete it, that would start a new audit chain',
          );
        }
      }
      const identity = generateIdentity();
      if (!createExclusively(path, seal.encrypt(Buffer.from(identityToPem(identity))))) return this.load();
      return identity;
    },
  };
}

/**
 * Writes a temporary file, syncs it, then links it into place: a crash leaves either no key or
 * the whole key, and two processes creating the key at once cannot overwrite each other's (the
 * link fails for the second; it returns false and the caller loads the winner's key).
 */
export function createExclusively(path: string, bytes: Buffer): boolean {
  const tmp = writeSyncedTemp(path, bytes);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * The vault a data folder already uses, so every host signs with the same key: the sealed key
 * if there is one (the host must then provide `seal`), else the PEM file if there is one, else
 * a new key, sealed when the host can seal. The CLI and the web host call it without a seal;
 * the desktop app seals a PEM key it finds (key-handoff.ts). A folder whose keys a key session
 * protects (core/secrets) uses that session's key; a passphrase-sealed folder without an
 * unlocked session is refused as locked, never given a new key.
 */
export function keyVaultFor(dataDir: string, seal: KeySeal | null = null): AuditKeyVault {
  const session = sessionForFolder(dataDir);
  if (session && session.mode !== 'file') return session.auditVault();
  const lockedPath = join(dataDir, AUDIT_LOCKED_KEY_FILE);
  if (existsSync(lockedPath) || existsSync(`${lockedPath}.next`)) throw keysLocked();
  const sealedPath = join(dataDir, AUDIT_SEALED_KEY_FILE);
  if (existsSync(join(dataDir, AUDIT_KEY_FILE))) return fileKeyVault(dataDir);
  if (existsSync(sealedPath)) {
    if (seal) return sealedKeyVault(dataDir, seal);
    throw new AuditKeyError(
      `the audit key of ${dataDir} is sealed by the Fieldline app's OS keychain (${sealedPath}), which this command cannot open`,
      'Do this from the Fieldline app (Audit view), or give the CLI its own folder with --data-dir',
    );
  }
  return seal ? sealedKeyVault(dataDir, seal) : fileKeyVault(dataDir);
}
