/**
 * One model for both of the laptop's keys (the technician key and the audit key) and how they
 * are protected at rest:
 *
 *   file        0600 PEM files, as the CLI and `fieldline serve` have always kept them.
 *   keychain    sealed by the desktop app's main process with the OS keychain (safeStorage);
 *               main hands the PEMs to the engine (key-handoff.ts), the engine never sees the seal.
 *   passphrase  sealed with a key derived from the user's passphrase (sealed-file.ts). The engine
 *               starts locked and `unlock` opens them; used where there is no real keychain.
 *
 * Clear files found in a folder are sealed on first use in a stronger mode, and the clear copy is
 * removed only after the sealed one is durably written and opens again. A sealed key that cannot
 * be opened is never replaced by a new one: that would start a second audit chain and a second
 * technician identity.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createExclusively, fileKeyVault, type AuditKeyVault } from '../audit/audit-key.js';
import { generateIdentity, identityFromPem, identityToPem, type Ed25519Identity } from '../protocol/identity.js';
import { AttemptThrottle } from './attempt-throttle.js';
import { keyFile, moveDurably, nextFile, writeDurably } from './key-files.js';
import {
  derivePassphraseKey,
  derivePassphraseKeySync,
  keyMatches,
  openWithKey,
  readSealedHeader,
  sealWithKey,
  type KeyPurpose,
  type PassphraseKey,
  type SealedHeader,
} from './sealed-file.js';
import { keysLocked, SecretsError } from './secrets-error.js';

export type KeyMode = 'keychain' | 'passphrase' | 'file';
export const MIN_PASSPHRASE_LENGTH = 10;
const MAX_PASSPHRASE_LENGTH = 1024;

export interface KeyStatus {
  readonly mode: KeyMode;
  /** True until the passphrase is given (or chosen, the first time). */
  readonly locked: boolean;
  /** False in passphrase mode until a passphrase has been chosen. */
  readonly setUp: boolean;
  /** Why this mode, in plain words (e.g. no system keyring); null when there is nothing to explain. */
  readonly reason: string | null;
  /** What the user should know or do now. */
  readonly message: string;
  /** After wrong passphrases: how long until the next try is accepted. */
  readonly retryAfterMs: number | null;
  readonly minLength: number;
}

/** What the audit log should record about key operations; never a passphrase. */
export interface KeyNote {
  readonly action: 'secrets.setup' | 'secrets.unlock' | 'secrets.change-passphrase';
  readonly params: Record<string, number | string | boolean | string[]>;
}

/** The technician key as the profile store sees it, whatever protects it. */
export interface TechnicianKeySlot {
  readonly path: string;
  /** The stored key; null when there is none yet. Throws SecretsError when it cannot be used (locked). */
  read(): Ed25519Identity | null;
  /** The key a new profile gets (the keychain host prepared one; others make one). */
  newIdentity(): Ed25519Identity;
  write(identity: Ed25519Identity): void;
}

export interface KeySession {
  readonly dataDir: string;
  readonly mode: KeyMode;
  status(): KeyStatus;
  unlock(passphrase: string): Promise<KeyStatus>;
  setPassphrase(current: string | undefined, next: string): Promise<KeyStatus>;
  /** The audit key; its `load` throws keys_locked while locked. */
  auditVault(): AuditKeyVault;
  readonly technician: TechnicianKeySlot;
  /** Called once the keys are open (after unlock or first set-up). */
  onUnlock(listener: () => void): () => void;
  /** Notes for the audit log since the last call (the log itself needs the audit key). */
  takeNotes(): KeyNote[];
}

/** Refuses a passphrase too short to protect a key someone may copy off the laptop. */
export function checkNewPassphrase(next: string): void {
  if (next.trim().length === 0 || [...next].length < MIN_PASSPHRASE_LENGTH)
    throw new SecretsError(
      'weak_passphrase',
      `A passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters`,
      'Use a few words you will remember, e.g. "copper kettle under stairs".',
    );
  if (next.length > MAX_PASSPHRASE_LENGTH)
    throw new SecretsError('weak_passphrase', `A passphrase can have at most ${MAX_PASSPHRASE_LENGTH} characters`, 'Choose a shorter one.');
}

function readPem(bytes: Buffer, path: string): Ed25519Identity {
  try {
    return identityFromPem(bytes.toString('utf8'));
  } catch (err) {
    throw new SecretsError(
      'key_file_damaged',
      `${path} opens but does not hold an Ed25519 key (${(err as Error).message})`,
      'Restore the file from a backup; do not delete it.',
    );
  }
}

// ---------------------------------------------------------------------------------------- file

/** The technician key as a 0600 PEM file; refuses a folder whose key is sealed. */
export function clearTechnicianSlot(dataDir: string): TechnicianKeySlot {
  const path = keyFile(dataDir, 'technician', 'clear');
  return {
    path,
    read() {
      if (existsSync(path)) return readPem(readFileSync(path), path);
      if (existsSync(keyFile(dataDir, 'technician', 'passphrase')) || existsSync(nextFile(dataDir, 'technician'))) throw keysLocked();
      if (existsSync(keyFile(dataDir, 'technician', 'keychain')))
        throw new SecretsError(
          'key_sealed_elsewhere',
          `the technician key of ${dataDir} is sealed by the Fieldline app's OS keychain, which this command cannot open`,
          'Do this from the Fieldline app, or give the command line its own folder with --data-dir.',
        );
      return null;
    },
    newIdentity: () => generateIdentity(),
    write(identity) {
      writeDurably(path, Buffer.from(identityToPem(identity)));
    },
  };
}

export function fileKeySession(dataDir: string): KeySession {
  return {
    dataDir,
    mode: 'file',
    status: () => ({
      mode: 'file',
      locked: false,
      setUp: true,
      reason: null,
      message: 'Your keys are kept in files only your user account can read.',
      retryAfterMs: null,
      minLength: MIN_PASSPHRASE_LENGTH,
    }),
    unlock: async () => fileKeySession(dataDir).status(),
    setPassphrase: async () => {
      throw new SecretsError(
        'passphrase_not_set',
        'This Fieldline keeps its keys in files protected by your user account, not with a passphrase',
        'Start `fieldline serve --passphrase` to seal the keys with a passphrase.',
      );
    },
    auditVault: () => fileKeyVault(dataDir),
    technician: clearTechnicianSlot(dataDir),
    onUnlock: () => () => undefined,
    takeNotes: () => [],
  };
}

// ------------------------------------------------------------------------------------ keychain

/** Keys main unsealed with the OS keychain (key-handoff.ts); the engine cannot seal new ones. */
export function keychainKeySession(
  dataDir: string,
  keys: { audit: Ed25519Identity; technician: Ed25519Identity | null },
  reason: string | null = null,
): KeySession {
  const technician = keys.technician;
  const status = (): KeyStatus => ({
    mode: 'keychain',
    locked: false,
    setUp: true,
    reason,
    message: 'Your keys are sealed with the system keychain of this user account.',
    retryAfterMs: null,
    minLength: MIN_PASSPHRASE_LENGTH,
  });
  return {
    dataDir,
    mode: 'keychain',
    status,
    unlock: async () => status(),
    setPassphrase: async () => {
      throw new SecretsError(
        'passphrase_not_set',
        'Your keys are sealed with the system keychain; Fieldline asks for a passphrase only where there is none',
        'Nothing to do: the keychain unlocks with your login.',
      );
    },
    auditVault: () => ({ protection: 'os-keychain', path: keyFile(dataDir, 'audit', 'keychain'), load: () => keys.audit }),
    // Only the audit key from an older main: the technician key stays the 0600 file.
    technician:
      technician === null
        ? clearTechnicianSlot(dataDir)
        : {
            path: keyFile(dataDir, 'technician', 'keychain'),
            read: () => technician,
            newIdentity: () => technician,
            write(identity) {
              if (identity.id !== technician.id)
                throw new SecretsError(
                  'key_sealed_elsewhere',
                  'the desktop app uses the technician key it keeps in the OS keychain and cannot take another one',
                  'Import a key with the command line (`fieldline profile`) on a folder of its own.',
                );
            },
          },
    onUnlock: () => () => undefined,
    takeNotes: () => [],
  };
}

// ---------------------------------------------------------------------------------- passphrase

export interface PassphraseSessionOptions {
  /** Why a passphrase is asked, shown on the unlock screen. */
  readonly reason?: string | null;
  readonly now?: () => number;
}

const PURPOSES: readonly KeyPurpose[] = ['audit', 'technician'];

function wrongPassphrase(wait: number): SecretsError {
  return new SecretsError(
    'wrong_passphrase',
    'That passphrase is not the one these keys were sealed with',
    wait > 0
      ? `Check Caps Lock and the keyboard layout; the next try is accepted in ${Math.ceil(wait / 1000)} s.`
      : 'Check Caps Lock and the keyboard layout, then try again.',
    wait > 0 ? wait : undefined,
  );
}

class PassphraseKeySession implements KeySession {
  readonly mode = 'passphrase' as const;
  private key: PassphraseKey | null = null;
  private readonly keys = new Map<KeyPurpose, Ed25519Identity>();
  private readonly throttle: AttemptThrottle;
  private readonly listeners = new Set<() => void>();
  private notes: KeyNote[] = [];
  /** Operations run one at a time: two unlocks racing must not both migrate a clear file. */
  private queue: Promise<unknown> = Promise.resolve();
  readonly technician: TechnicianKeySlot;

  constructor(
    readonly dataDir: string,
    private readonly options: PassphraseSessionOptions,
  ) {
    this.throttle = new AttemptThrottle(options.now ?? Date.now);
    const path = keyFile(dataDir, 'technician', 'passphrase');
    this.technician = {
      path,
      read: () => {
        if (this.key === null) throw keysLocked();
        return this.keys.get('technician') ?? null;
      },
      newIdentity: () => generateIdentity(),
      write: (identity) => {
        if (this.key === null) throw keysLocked();
        writeDurably(path, sealWithKey(this.key, 'technician', Buffer.from(identityToPem(identity))));
        this.keys.set('technician', identity);
      },
    };
  }

  private get setUp(): boolean {
    return PURPOSES.some((p) => existsSync(keyFile(this.dataDir, p, 'passphrase')) || existsSync(nextFile(this.dataDir, p)));
  }

  status(): KeyStatus {
    const setUp = this.setUp;
    const locked = this.key === null;
    const wait = this.throttle.waitMs();
    return {
      mode: 'passphrase',
      locked,
      setUp,
      reason: this.options.reason ?? null,
      message: !setUp
        ? 'Choose a passphrase. It seals your technician key and the audit key on this laptop; you will type it each time Fieldline starts.'
        : locked
          ? 'Enter your passphrase to unlock your keys.'
          : 'Your keys are sealed with your passphrase and unlocked until Fieldline stops.',
      retryAfterMs: wait > 0 ? wait : null,
      minLength: MIN_PASSPHRASE_LENGTH,
    };
  }

  unlock(passphrase: string): Promise<KeyStatus> {
    return this.serial(async () => {
      if (!this.setUp)
        throw new SecretsError('passphrase_not_set', 'No passphrase has been chosen for this laptop yet', 'Choose one first (set-up).');
      if (this.key !== null) return this.status();
      await this.open(passphrase);
      return this.status();
    });
  }

  /** Unlocks synchronously (FIELDLINE_PASSPHRASE in the CLI, before anything async runs). */
  unlockSync(passphrase: string): void {
    if (this.key !== null) return;
    if (!this.setUp)
      throw new SecretsError(
        'passphrase_not_set',
        'No passphrase has been chosen for this folder yet',
        'Start `fieldline serve --passphrase` and choose one.',
      );
    const cache = new Map<string, PassphraseKey>();
    this.openWith((head) => {
      const id = head.salt.toString('hex');
      let key = cache.get(id);
      if (!key) cache.set(id, (key = derivePassphraseKeySync(passphrase, head.salt, head.kdf)));
      return key;
    });
  }

  setPassphrase(current: string | undefined, next: string): Promise<KeyStatus> {
    return this.serial(async () => {
      checkNewPassphrase(next);
      if (!this.setUp) {
        await this.firstSetUp(next);
        return this.status();
      }
      if (current === undefined)
        throw new SecretsError(
          'passphrase_already_set',
          'A passphrase is already set for this laptop',
          'Give the current passphrase to change it.',
        );
      // Unlocked: check `current` against the sealed files without dropping the open keys.
      if (this.key === null) await this.open(current);
      else await this.verify(current);
      await this.reseal(next);
      return this.status();
    });
  }

  auditVault(): AuditKeyVault {
    return {
      protection: 'passphrase',
      path: keyFile(this.dataDir, 'audit', 'passphrase'),
      load: () => {
        const key = this.keys.get('audit');
        if (!key) throw keysLocked();
        return key;
      },
    };
  }

  onUnlock(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  takeNotes(): KeyNote[] {
    const notes = this.notes;
    this.notes = [];
    return notes;
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Derives the key for each salt on disk (async, scrypt off the main thread), then opens. */
  private async open(passphrase: string): Promise<void> {
    this.throttle.check();
    const keys = new Map<string, PassphraseKey>();
    for (const head of this.headers()) {
      const id = head.salt.toString('hex');
      if (!keys.has(id)) keys.set(id, await derivePassphraseKey(passphrase, head.salt, head.kdf));
    }
    this.openWith((head) => keys.get(head.salt.toString('hex'))!);
  }

  private async verify(passphrase: string): Promise<void> {
    this.throttle.check();
    const head = this.headers()[0];
    if (head && keyMatches(await derivePassphraseKey(passphrase, head.salt, head.kdf), head)) {
      this.throttle.reset();
      return;
    }
    this.throttle.fail();
    const wait = this.throttle.waitMs();
    throw wrongPassphrase(wait);
  }

  private headers(): SealedHeader[] {
    const out: SealedHeader[] = [];
    for (const purpose of PURPOSES)
      for (const path of [keyFile(this.dataDir, purpose, 'passphrase'), nextFile(this.dataDir, purpose)])
        if (existsSync(path)) out.push(readSealedHeader(readFileSync(path), path, purpose));
    return out;
  }

  private openWith(keyFor: (head: SealedHeader) => PassphraseKey): void {
    const failed = this.throttle.failedAttempts;
    let current: PassphraseKey | null = null;
    let fromNext = false;
    const opened = new Map<KeyPurpose, Ed25519Identity>();
    try {
      for (const purpose of PURPOSES) {
        const found = this.openPurpose(purpose, keyFor);
        if (!found) continue;
        opened.set(purpose, found.identity);
        current ??= found.key;
        fromNext ||= found.fromNext;
      }
    } catch (err) {
      if (err instanceof SecretsError && err.code === 'wrong_passphrase') {
        this.throttle.fail();
        throw wrongPassphrase(this.throttle.waitMs());
      }
      throw err;
    }
    if (current === null) throw new SecretsError('passphrase_not_set', 'No sealed key was found', 'Choose a passphrase first.');
    this.key = current;
    // Finish what an interrupted first use or change left: clear copies, stale `.next` files.
    for (const purpose of PURPOSES) this.adoptClear(purpose, opened);
    if (!fromNext) for (const purpose of PURPOSES) rmSync(nextFile(this.dataDir, purpose), { force: true });
    for (const [purpose, identity] of opened) this.keys.set(purpose, identity);
    this.throttle.reset();
    this.notes.push({ action: 'secrets.unlock', params: { failedAttempts: failed } });
    for (const listener of this.listeners) listener();
  }

  /**
   * Opens one key from its sealed file, or from the `.next` file of an interrupted change (then
   * moved into place). After an interrupted change the new passphrase always works.
   */
  private openPurpose(
    purpose: KeyPurpose,
    keyFor: (head: SealedHeader) => PassphraseKey,
  ): { identity: Ed25519Identity; key: PassphraseKey; fromNext: boolean } | null {
    const sealed = keyFile(this.dataDir, purpose, 'passphrase');
    const next = nextFile(this.dataDir, purpose);
    let wrong: unknown = null;
    for (const path of [sealed, next]) {
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path);
      const head = readSealedHeader(bytes, path, purpose);
      const key = keyFor(head);
      if (!keyMatches(key, head)) {
        wrong = new SecretsError('wrong_passphrase', 'wrong passphrase', '');
        continue;
      }
      const identity = readPem(openWithKey(bytes, key, path, purpose), path);
      if (path === next) moveDurably(next, sealed);
      return { identity, key, fromNext: path === next };
    }
    if (wrong) throw wrong;
    return null;
  }

  /** A clear key next to the sealed ones: sealed now (first use), or removed if already sealed. */
  private adoptClear(purpose: KeyPurpose, opened: Map<KeyPurpose, Ed25519Identity>): void {
    const clear = keyFile(this.dataDir, purpose, 'clear');
    if (!existsSync(clear)) return;
    const identity = readPem(readFileSync(clear), clear);
    const sealed = opened.get(purpose);
    if (sealed && sealed.id !== identity.id)
      throw new SecretsError(
        'keys_disagree',
        `${clear} holds a different ${purpose} key than the sealed ${keyFile(this.dataDir, purpose, 'passphrase')}`,
        `Fieldline uses the sealed key. Move ${clear} out of the data folder (keep it until you know which key the gateways and the audit log expect).`,
      );
    if (!sealed) {
      this.sealNew(purpose, identity);
      opened.set(purpose, identity);
    }
    rmSync(clear, { force: true });
  }

  /** Seals a key that has no sealed file yet, then checks it opens before anything is removed. */
  private sealNew(purpose: KeyPurpose, identity: Ed25519Identity): void {
    const key = this.key!;
    const path = keyFile(this.dataDir, purpose, 'passphrase');
    if (!createExclusively(path, sealWithKey(key, purpose, Buffer.from(identityToPem(identity)))))
      throw new SecretsError(
        'keys_disagree',
        `${path} was created by another Fieldline process meanwhile`,
        'Close the other Fieldline and try again.',
      );
    const back = readPem(openWithKey(readFileSync(path), key, path, purpose), path);
    if (back.id !== identity.id)
      throw new SecretsError('key_file_damaged', `${path} did not read back as written`, 'Check the disk, then try again.');
  }

  private async firstSetUp(next: string): Promise<void> {
    const sealed = PURPOSES.map((p) => keyFile(this.dataDir, p, 'keychain')).filter((path) => existsSync(path));
    if (sealed.length > 0)
      throw new SecretsError(
        'key_sealed_elsewhere',
        `The keys of this data folder are sealed with the system keychain (${sealed.join(', ')}), which cannot be opened now; Fieldline will not make new keys in their place`,
        'Start Fieldline in the desktop session whose keyring sealed them (GNOME Keyring or KWallet running), or give it another data folder with --data-dir.',
      );
    this.key = await derivePassphraseKey(next);
    const migrated: string[] = [];
    try {
      for (const purpose of PURPOSES) {
        const clear = keyFile(this.dataDir, purpose, 'clear');
        if (existsSync(clear)) {
          // fileKeyVault explains a damaged or unreadable audit key; the technician PEM is read as is.
          const identity = purpose === 'audit' ? fileKeyVault(this.dataDir).load() : readPem(readFileSync(clear), clear);
          this.sealNew(purpose, identity);
          rmSync(clear, { force: true });
          this.keys.set(purpose, identity);
          migrated.push(purpose);
        } else if (purpose === 'audit') {
          const identity = generateIdentity();
          this.sealNew(purpose, identity);
          this.keys.set(purpose, identity);
        }
      }
    } catch (err) {
      this.key = null;
      this.keys.clear();
      throw err;
    }
    this.throttle.reset();
    this.notes.push({ action: 'secrets.setup', params: { migrated } });
    for (const listener of this.listeners) listener();
  }

  /**
   * A new passphrase: every key is sealed again into `.next` files, all durably written, and only
   * then moved into place one by one. A crash in between leaves keys the new passphrase opens.
   */
  private async reseal(next: string): Promise<void> {
    const key = await derivePassphraseKey(next);
    const purposes = PURPOSES.filter((p) => this.keys.has(p));
    for (const purpose of purposes)
      writeDurably(nextFile(this.dataDir, purpose), sealWithKey(key, purpose, Buffer.from(identityToPem(this.keys.get(purpose)!))));
    for (const purpose of purposes) moveDurably(nextFile(this.dataDir, purpose), keyFile(this.dataDir, purpose, 'passphrase'));
    this.key = key;
    this.notes.push({ action: 'secrets.change-passphrase', params: { keys: purposes } });
  }
}

export function passphraseKeySession(
  dataDir: string,
  options: PassphraseSessionOptions = {},
): KeySession & { unlockSync(passphrase: string): void } {
  return new PassphraseKeySession(dataDir, options);
}
