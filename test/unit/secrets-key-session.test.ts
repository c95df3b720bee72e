/**
 * The passphrase key session over real files: first set-up seals the keys a CLI left in clear,
 * a restart starts locked, wrong passphrases slow down (never lock out), and every interrupted
 * step (crash between sealing and removing, between two keys, during a change) recovers with
 * the same keys, never new ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileKeyVault, keyVaultFor } from '../../core/audit/audit-key.js';
import { delayAfter } from '../../core/secrets/attempt-throttle.js';
import { folderProtection } from '../../core/secrets/key-files.js';
import { clearTechnicianSlot, passphraseKeySession } from '../../core/secrets/key-session.js';
import { SecretsError } from '../../core/secrets/secrets-error.js';
import { generateIdentity } from '../../core/protocol/identity.js';

const P = 'copper kettle under stairs';
const P2 = 'seven green lanterns at dusk';

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'fl-secrets-'));
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<SecretsError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SecretsError, String(err));
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

test('first set-up seals the clear keys the CLI made, removes the clear copies, and a restart is locked', async () => {
  const dir = folder();
  try {
    const audit = fileKeyVault(dir).load();
    const technician = generateIdentity();
    clearTechnicianSlot(dir).write(technician);
    assert.equal(folderProtection(dir), 'clear');

    const session = passphraseKeySession(dir);
    assert.deepEqual([session.status().locked, session.status().setUp], [true, false]);
    await rejectsWith(session.unlock(P), 'passphrase_not_set');
    await rejectsWith(session.setPassphrase(undefined, 'short'), 'weak_passphrase');
    const status = await session.setPassphrase(undefined, P);
    assert.deepEqual([status.locked, status.setUp], [false, true]);
    assert.equal(session.auditVault().load().id, audit.id);
    assert.equal(session.technician.read()?.id, technician.id);
    for (const clear of ['audit-key.pem', 'technician-key.pem']) assert.equal(existsSync(join(dir, clear)), false, clear);
    for (const sealed of ['audit-key.locked', 'technician-key.locked']) {
      assert.equal(statSync(join(dir, sealed)).mode & 0o777, 0o600);
      assert.doesNotMatch(readFileSync(join(dir, sealed), 'latin1'), /PRIVATE KEY/);
    }
    assert.deepEqual(session.takeNotes(), [{ action: 'secrets.setup', params: { migrated: ['audit', 'technician'] } }]);
    assert.equal(folderProtection(dir), 'passphrase');

    // Restart: locked; the CLI without a session is refused, never given a new key.
    const restarted = passphraseKeySession(dir);
    assert.equal(restarted.status().locked, true);
    assert.throws(() => restarted.auditVault().load(), /keys are locked/);
    assert.throws(
      () => restarted.technician.read(),
      (err: unknown) => err instanceof SecretsError && err.code === 'keys_locked',
    );
    assert.throws(
      () => keyVaultFor(dir),
      (err: unknown) => err instanceof SecretsError && err.code === 'keys_locked',
    );
    assert.throws(
      () => clearTechnicianSlot(dir).read(),
      (err: unknown) => err instanceof SecretsError && err.code === 'keys_locked',
    );
    await rejectsWith(restarted.setPassphrase(undefined, P2), 'passphrase_already_set');
    await rejectsWith(restarted.unlock('not the passphrase'), 'wrong_passphrase');
    await restarted.unlock(P);
    assert.equal(restarted.auditVault().load().id, audit.id);
    assert.equal(restarted.technician.read()?.id, technician.id);
    assert.deepEqual(restarted.takeNotes(), [{ action: 'secrets.unlock', params: { failedAttempts: 1 } }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wrong passphrases slow down with a doubling wait, and the right one is always accepted after it', async () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 20].map(delayAfter), [0, 0, 0, 1000, 2000, 4000, 60_000]);
  const dir = folder();
  try {
    await passphraseKeySession(dir).setPassphrase(undefined, P);
    let now = 1_000_000;
    const session = passphraseKeySession(dir, { now: () => now });
    for (let i = 0; i < 3; i++) await rejectsWith(session.unlock(`wrong passphrase ${i}`), 'wrong_passphrase');
    assert.equal(session.status().retryAfterMs, 1000);
    const early = await rejectsWith(session.unlock(P), 'too_many_attempts');
    assert.equal(early.retryAfterMs, 1000);
    assert.match(early.message, /3 wrong passphrases in a row: wait 1 s/);
    now += 1000;
    await rejectsWith(session.unlock('wrong again, fourth'), 'wrong_passphrase');
    assert.equal(session.status().retryAfterMs, 2000);
    now += 2000;
    assert.equal((await session.unlock(P)).locked, false);
    assert.equal(session.status().retryAfterMs, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a crash between sealing and removing the clear copy, or between the two keys, recovers the same keys', async () => {
  const dir = folder();
  const aside = folder();
  try {
    const audit = fileKeyVault(dir).load();
    const technician = generateIdentity();
    clearTechnicianSlot(dir).write(technician);
    copyFileSync(join(dir, 'audit-key.pem'), join(aside, 'audit-key.pem'));
    copyFileSync(join(dir, 'technician-key.pem'), join(aside, 'technician-key.pem'));
    await passphraseKeySession(dir).setPassphrase(undefined, P);

    // Sealed and clear side by side (crash before the remove): the clear copies go, same keys.
    copyFileSync(join(aside, 'audit-key.pem'), join(dir, 'audit-key.pem'));
    copyFileSync(join(aside, 'technician-key.pem'), join(dir, 'technician-key.pem'));
    assert.equal(folderProtection(dir), 'passphrase');
    let session = passphraseKeySession(dir);
    await session.unlock(P);
    assert.equal(session.auditVault().load().id, audit.id);
    assert.equal(existsSync(join(dir, 'audit-key.pem')), false);
    assert.equal(existsSync(join(dir, 'technician-key.pem')), false);

    // Audit sealed, technician still clear (crash between the two keys): sealed on unlock.
    rmSync(join(dir, 'technician-key.locked'));
    copyFileSync(join(aside, 'technician-key.pem'), join(dir, 'technician-key.pem'));
    session = passphraseKeySession(dir);
    await session.unlock(P);
    assert.equal(session.technician.read()?.id, technician.id);
    assert.equal(existsSync(join(dir, 'technician-key.locked')), true);
    assert.equal(existsSync(join(dir, 'technician-key.pem')), false);

    // A clear key that is not the sealed one is refused, and nothing is removed.
    clearTechnicianSlot(aside).write(generateIdentity());
    copyFileSync(join(aside, 'technician-key.pem'), join(dir, 'technician-key.pem'));
    await rejectsWith(passphraseKeySession(dir).unlock(P), 'keys_disagree');
    assert.equal(existsSync(join(dir, 'technician-key.pem')), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(aside, { recursive: true, force: true });
  }
});

test('changing the passphrase: wrong current keeps the keys open; an interrupted change opens with the new one', async () => {
  const dir = folder();
  const aside = folder();
  try {
    const session = passphraseKeySession(dir);
    await session.setPassphrase(undefined, P);
    session.technician.write(generateIdentity());
    const technician = session.technician.read()!;
    const audit = session.auditVault().load();
    session.takeNotes();
    await rejectsWith(session.setPassphrase('not the current one', P2), 'wrong_passphrase');
    assert.equal(session.auditVault().load().id, audit.id, 'still unlocked');
    copyFileSync(join(dir, 'technician-key.locked'), join(aside, 'old'));
    await session.setPassphrase(P, P2);
    assert.deepEqual(session.takeNotes(), [{ action: 'secrets.change-passphrase', params: { keys: ['audit', 'technician'] } }]);
    await rejectsWith(passphraseKeySession(dir).unlock(P), 'wrong_passphrase');

    // As if the change stopped after moving the audit key: technician old in place, new in .next.
    renameSync(join(dir, 'technician-key.locked'), join(dir, 'technician-key.locked.next'));
    copyFileSync(join(aside, 'old'), join(dir, 'technician-key.locked'));
    await rejectsWith(passphraseKeySession(dir).unlock(P), 'wrong_passphrase');
    const resumed = passphraseKeySession(dir);
    await resumed.unlock(P2);
    assert.equal(resumed.technician.read()?.id, technician.id);
    assert.equal(resumed.auditVault().load().id, audit.id);
    assert.equal(existsSync(join(dir, 'technician-key.locked.next')), false, 'the change is completed');
    const again = passphraseKeySession(dir);
    await again.unlock(P2);
    assert.equal(again.technician.read()?.id, technician.id);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(aside, { recursive: true, force: true });
  }
});

test('a damaged sealed file is reported as damaged, not as a wrong passphrase, and is never replaced', async () => {
  const dir = folder();
  try {
    await passphraseKeySession(dir).setPassphrase(undefined, P);
    const path = join(dir, 'audit-key.locked');
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 5));
    const err = await rejectsWith(passphraseKeySession(dir).unlock(P), 'key_file_damaged');
    assert.match(err.fix, /Restore the file from a backup/);
    writeFileSync(path, bytes.subarray(0, 40));
    assert.match((await rejectsWith(passphraseKeySession(dir).unlock(P), 'key_file_damaged')).message, /too short/);
    assert.equal(readFileSync(path).length, 40, 'left as it was');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder sealed by the OS keychain is not given new keys by a passphrase set-up', async () => {
  const dir = folder();
  try {
    writeFileSync(join(dir, 'audit-key.sealed'), Buffer.from([1, 2, 3]));
    const err = await rejectsWith(passphraseKeySession(dir).setPassphrase(undefined, P), 'key_sealed_elsewhere');
    assert.match(err.fix, /GNOME Keyring or KWallet/);
    assert.equal(existsSync(join(dir, 'audit-key.locked')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
