/**
 * How each host gets the audit key. The desktop app's main process unseals it with the OS
 * keychain (only main can use Electron's safeStorage) and hands the PEM to the engine process
 * over the control channel; the CLI and `fieldline serve` use the 0600 file (`keyVaultFor`).
 *
 * One data folder has one key. A folder first used by the CLI has its file key sealed (and the
 * clear file removed) the first time the desktop app opens it; `keyVaultFor` refuses a folder
 * whose key is sealed with the reason, rather than give the CLI a second key and a second chain.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { identityFromPem, identityToPem } from '../protocol/identity.js';
import {
  AUDIT_KEY_FILE,
  AUDIT_SEALED_KEY_FILE,
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

/** Main process: the audit key as PEM, kept sealed at rest with the OS keychain. */
export function sealedAuditKeyPem(dataDir: string, sealer: StringSealer): string {
  const seal: KeySeal = {
    encrypt: (plain) => sealer.encryptString(plain.toString('utf8')),
    decrypt: (sealed) => Buffer.from(sealer.decryptString(sealed), 'utf8'),
  };
  const vault = sealedKeyVault(dataDir, seal);
  const clearPath = join(dataDir, AUDIT_KEY_FILE);
  if (!existsSync(vault.path) && existsSync(clearPath)) {
    // Seal the key the CLI made, so the log keeps its one chain; the clear copy goes only after.
    createExclusively(vault.path, seal.encrypt(Buffer.from(identityToPem(fileKeyVault(dataDir).load()))));
    rmSync(clearPath, { force: true });
  }
  return identityToPem(vault.load());
}

/** Engine process: a vault over the key main unsealed. */
export function pemKeyVault(pem: string): AuditKeyVault {
  const identity = identityFromPem(pem);
  return { protection: 'os-keychain', path: AUDIT_SEALED_KEY_FILE, load: () => identity };
}
