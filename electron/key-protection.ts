/**
 * How the desktop app protects the laptop's keys, decided from what Electron's safeStorage
 * really offers, and the plain sentence that says why.
 *
 * On Linux, `isEncryptionAvailable()` is true even without a keyring: Chromium then falls back to
 * its `basic_text` store, which encrypts with a key hard-coded in the browser: anyone who copies
 * the file can open it. Fieldline does not pretend that is protection; it asks for a passphrase.
 *
 * Pure (no runtime import of "electron"): main passes in `safeStorage`, and the engine process
 * reads the decision back from its launch switches.
 */
import { keychainSessionFromHandoff } from '../core/audit/key-handoff.js';
import { folderProtection } from '../core/secrets/key-files.js';
import { fileKeySession, passphraseKeySession, type KeySession } from '../core/secrets/key-session.js';

export type ProtectionReason = 'keychain' | 'no-keyring' | 'unknown-backend' | 'unavailable' | 'existing-passphrase';

export interface KeyProtectionFacts {
  readonly platform: NodeJS.Platform;
  /** safeStorage.isEncryptionAvailable() */
  readonly encryptionAvailable: boolean;
  /** safeStorage.getSelectedStorageBackend() on Linux; null elsewhere. */
  readonly backend: string | null;
  /** How the data folder's keys are protected today (core/secrets/key-files.ts). */
  readonly folder: 'clear' | 'keychain' | 'passphrase' | 'none';
}

export interface KeyProtectionChoice {
  readonly mode: 'keychain' | 'passphrase';
  readonly reason: ProtectionReason;
  /** What to show the user: why keys are protected this way. */
  readonly message: string;
}

/** Linux backends that keep the secret in a real keyring, and how to name them to a user. */
const LINUX_KEYRINGS: Readonly<Record<string, string>> = {
  gnome_libsecret: 'the GNOME keyring (Secret Service)',
  kwallet: 'KWallet',
  kwallet5: 'KWallet',
  kwallet6: 'KWallet',
};

const KEYCHAIN_NAMES: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'the macOS Keychain',
  win32: 'Windows data protection (DPAPI) for your account',
};

export const NO_KEYRING_MESSAGE =
  'No system keyring is available (Electron would store secrets with a hard-coded key), so Fieldline protects your keys with a passphrase instead.';

export function reasonMessage(reason: ProtectionReason, detail = ''): string {
  switch (reason) {
    case 'keychain':
      return `Your keys are sealed with ${detail || 'the system keychain'}.`;
    case 'no-keyring':
      return NO_KEYRING_MESSAGE;
    case 'unknown-backend':
      return `Fieldline could not tell which system keyring is in use${detail ? ` ("${detail}")` : ''}, so it protects your keys with a passphrase instead of trusting an unknown store.`;
    case 'unavailable':
      return 'The system keychain cannot encrypt on this computer right now, so Fieldline protects your keys with a passphrase instead.';
    case 'existing-passphrase':
      return 'The keys in this data folder are already sealed with a passphrase, so Fieldline keeps asking for it.';
  }
}

export function chooseKeyProtection(facts: KeyProtectionFacts): KeyProtectionChoice {
  const passphrase = (reason: ProtectionReason, detail = ''): KeyProtectionChoice => ({
    mode: 'passphrase',
    reason,
    message: reasonMessage(reason, detail),
  });
  // A folder already sealed with a passphrase stays so: a keyring appearing later changes nothing.
  if (facts.folder === 'passphrase') return passphrase('existing-passphrase');
  if (!facts.encryptionAvailable) return passphrase('unavailable');
  if (facts.platform === 'linux') {
    const backend = facts.backend ?? 'unknown';
    if (backend === 'basic_text') return passphrase('no-keyring');
    const name = LINUX_KEYRINGS[backend];
    // 'unknown' (asked before ready) or a backend newer than this list: do not trust it blindly.
    if (name === undefined) return passphrase('unknown-backend', backend);
    return { mode: 'keychain', reason: 'keychain', message: reasonMessage('keychain', name) };
  }
  return { mode: 'keychain', reason: 'keychain', message: reasonMessage('keychain', KEYCHAIN_NAMES[facts.platform] ?? '') };
}

/** Electron's safeStorage, as far as the choice needs it. */
export interface StorageFacts {
  isEncryptionAvailable(): boolean;
  getSelectedStorageBackend?(): string;
}

/** Main process, after `app.whenReady()`: the facts for `chooseKeyProtection`. */
export function keyProtectionFacts(storage: StorageFacts, platform: NodeJS.Platform, dataDir: string): KeyProtectionFacts {
  const folder = folderProtection(dataDir);
  return {
    platform,
    encryptionAvailable: storage.isEncryptionAvailable(),
    backend: platform === 'linux' && storage.getSelectedStorageBackend ? storage.getSelectedStorageBackend() : null,
    folder,
  };
}

const SWITCH = '--key-protection=';
const REASONS: readonly ProtectionReason[] = ['keychain', 'no-keyring', 'unknown-backend', 'unavailable', 'existing-passphrase'];

/** The engine process's switch for a choice: `--key-protection=passphrase:no-keyring`. No secret travels on argv. */
export function keyProtectionArgs(choice: KeyProtectionChoice): string[] {
  return [`${SWITCH}${choice.mode}:${choice.reason}`];
}

/** Engine process: the choice main made, or null when main passed none (an older main: keychain or file as before). */
export function parseKeyProtectionArgs(argv: readonly string[]): { mode: 'keychain' | 'passphrase'; reason: ProtectionReason } | null {
  const arg = argv.find((a) => a.startsWith(SWITCH));
  if (arg === undefined) return null;
  const [mode, reason] = arg.slice(SWITCH.length).split(':');
  if ((mode !== 'keychain' && mode !== 'passphrase') || !REASONS.includes(reason as ProtectionReason)) return null;
  return { mode, reason: reason as ProtectionReason };
}

/**
 * Engine process: the key session for its data folder from the launch switch and the key
 * handoff main sent (null when none). Passphrase mode starts locked; keychain mode uses the
 * PEMs main unsealed; without either the 0600 files are used, as before.
 */
export function engineKeySession(dataDir: string, argv: readonly string[], handoffPem: string | null): KeySession {
  const choice = parseKeyProtectionArgs(argv);
  if (choice?.mode === 'passphrase') return passphraseKeySession(dataDir, { reason: reasonMessage(choice.reason) });
  if (handoffPem !== null) return keychainSessionFromHandoff(dataDir, handoffPem);
  return fileKeySession(dataDir);
}
