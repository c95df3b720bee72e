/**
 * Where each key lives in a data folder, per protection, and how key files are written.
 *
 *   clear (0600 PEM)      audit-key.pem       technician-key.pem      CLI and `fieldline serve`
 *   OS keychain           audit-key.sealed    technician-key.sealed   desktop app, safeStorage
 *   passphrase            audit-key.locked    technician-key.locked   scrypt + AES-256-GCM
 *
 * A `.locked.next` file is a passphrase change not yet moved into place (see key-session.ts).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KeyPurpose } from './sealed-file.js';

export type KeyFileKind = 'clear' | 'keychain' | 'passphrase';

const NAMES: Record<KeyPurpose, Record<KeyFileKind, string>> = {
  audit: { clear: 'audit-key.pem', keychain: 'audit-key.sealed', passphrase: 'audit-key.locked' },
  technician: { clear: 'technician-key.pem', keychain: 'technician-key.sealed', passphrase: 'technician-key.locked' },
};

export function keyFile(dataDir: string, purpose: KeyPurpose, kind: KeyFileKind): string {
  return join(dataDir, NAMES[purpose][kind]);
}

/** The file a passphrase change writes before it replaces the sealed key. */
export function nextFile(dataDir: string, purpose: KeyPurpose): string {
  return `${keyFile(dataDir, purpose, 'passphrase')}.next`;
}

/** How the keys of a folder are protected today, judged from the files present. */
export function folderProtection(dataDir: string): KeyFileKind | 'none' {
  const has = (kind: KeyFileKind): boolean =>
    existsSync(keyFile(dataDir, 'audit', kind)) || existsSync(keyFile(dataDir, 'technician', kind));
  if (has('passphrase') || existsSync(nextFile(dataDir, 'audit')) || existsSync(nextFile(dataDir, 'technician'))) return 'passphrase';
  if (has('keychain')) return 'keychain';
  if (has('clear')) return 'clear';
  return 'none';
}

function syncDir(dir: string): void {
  // Makes the rename itself durable; not every platform can open a directory (Windows cannot).
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Best effort where directories cannot be synced.
  }
}

/** Writes `bytes` (0600) to a new temporary file beside `path` and syncs it; returns its name. */
export function writeSyncedTemp(path: string, bytes: Buffer): string {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/** Writes `bytes` (0600) to a temporary file, syncs it, then renames it over `path`: all or nothing. */
export function writeDurably(path: string, bytes: Buffer): void {
  const tmp = writeSyncedTemp(path, bytes);
  try {
    renameSync(tmp, path);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
  syncDir(dirname(path));
}

/** Moves a durably written file into place and makes the move durable. */
export function moveDurably(from: string, to: string): void {
  renameSync(from, to);
  syncDir(dirname(to));
}
