/**
 * The desktop app's choice of key protection for every safeStorage backend, the launch switch
 * that carries it to the engine, and the keychain handoff of both keys. safeStorage itself is the
 * OS keychain of a user session (a boundary that cannot exist here): the sealer is a reversible
 * stand-in at that boundary, as in audit-key-handoff.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileKeyVault } from '../../core/audit/audit-key.js';
import { keychainKeyBundle, pemKeyVault, splitKeyBundle, type StringSealer } from '../../core/audit/key-handoff.js';
import { clearTechnicianSlot } from '../../core/secrets/key-session.js';
import { generateIdentity } from '../../core/protocol/identity.js';
import { parseToEngine } from '../../electron/engine-control.js';
import {
  chooseKeyProtection,
  engineKeySession,
  keyProtectionArgs,
  keyProtectionFacts,
  NO_KEYRING_MESSAGE,
  parseKeyProtectionArgs,
  type KeyProtectionFacts,
} from '../../electron/key-protection.js';

const linux = (backend: string, more: Partial<KeyProtectionFacts> = {}): KeyProtectionFacts => ({
  platform: 'linux',
  encryptionAvailable: true,
  backend,
  folder: 'none',
  ...more,
});

test('Linux: basic_text is no keyring, said plainly; real keyrings seal; anything unknown asks for a passphrase', () => {
  const basic = chooseKeyProtection(linux('basic_text'));
  assert.deepEqual(basic, { mode: 'passphrase', reason: 'no-keyring', message: NO_KEYRING_MESSAGE });
  assert.equal(
    basic.message,
    'No system keyring is available (Electron would store secrets with a hard-coded key), so Fieldline protects your keys with a passphrase instead.',
  );
  assert.deepEqual(chooseKeyProtection(linux('gnome_libsecret')), {
    mode: 'keychain',
    reason: 'keychain',
    message: 'Your keys are sealed with the GNOME keyring (Secret Service).',
  });
  for (const kwallet of ['kwallet', 'kwallet5', 'kwallet6'])
    assert.deepEqual(chooseKeyProtection(linux(kwallet)), {
      mode: 'keychain',
      reason: 'keychain',
      message: 'Your keys are sealed with KWallet.',
    });
  const unknown = chooseKeyProtection(linux('unknown'));
  assert.equal(unknown.mode, 'passphrase');
  assert.match(unknown.message, /could not tell which system keyring is in use \("unknown"\)/);
  assert.equal(chooseKeyProtection(linux('kwallet7')).reason, 'unknown-backend');
  assert.equal(chooseKeyProtection({ ...linux('basic_text'), backend: null }).reason, 'unknown-backend');
  assert.equal(chooseKeyProtection(linux('gnome_libsecret', { encryptionAvailable: false })).reason, 'unavailable');
});

test('macOS and Windows use their keychain when it encrypts; a passphrase folder stays a passphrase folder', () => {
  assert.deepEqual(chooseKeyProtection({ platform: 'darwin', encryptionAvailable: true, backend: null, folder: 'clear' }), {
    mode: 'keychain',
    reason: 'keychain',
    message: 'Your keys are sealed with the macOS Keychain.',
  });
  assert.equal(chooseKeyProtection({ platform: 'win32', encryptionAvailable: true, backend: null, folder: 'none' }).mode, 'keychain');
  assert.equal(chooseKeyProtection({ platform: 'win32', encryptionAvailable: false, backend: null, folder: 'none' }).mode, 'passphrase');
  const kept = chooseKeyProtection(linux('gnome_libsecret', { folder: 'passphrase' }));
  assert.deepEqual([kept.mode, kept.reason], ['passphrase', 'existing-passphrase']);
});

test('the facts come from safeStorage; the backend is asked only on Linux', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-protection-'));
  try {
    let asked = 0;
    const storage = { isEncryptionAvailable: () => true, getSelectedStorageBackend: () => (asked++, 'basic_text') };
    assert.deepEqual(keyProtectionFacts(storage, 'linux', dir), {
      platform: 'linux',
      encryptionAvailable: true,
      backend: 'basic_text',
      folder: 'none',
    });
    assert.equal(keyProtectionFacts(storage, 'darwin', dir).backend, null);
    assert.equal(asked, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the launch switch carries the mode and the reason code, and the engine reads them back', () => {
  const choice = chooseKeyProtection(linux('basic_text'));
  const args = keyProtectionArgs(choice);
  assert.deepEqual(args, ['--key-protection=passphrase:no-keyring']);
  assert.deepEqual(parseKeyProtectionArgs(['--data-dir=/x', ...args]), { mode: 'passphrase', reason: 'no-keyring' });
  assert.equal(parseKeyProtectionArgs(['--key-protection=plaintext:no-keyring']), null);
  assert.equal(parseKeyProtectionArgs(['--key-protection=passphrase:because']), null);
  assert.equal(parseKeyProtectionArgs([]), null);
  const session = engineKeySession('/tmp/unused-folder', args, null);
  assert.deepEqual([session.mode, session.status().locked, session.status().reason], ['passphrase', true, NO_KEYRING_MESSAGE]);
  assert.equal(engineKeySession('/tmp/unused-folder', [], null).mode, 'file');
});

const MASK = 0x5a;
const sealer: StringSealer = {
  encryptString: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ MASK)),
  decryptString: (sealed) => Buffer.from(sealed.map((b) => b ^ MASK)).toString('utf8'),
};

test('keychain mode: main seals both clear keys, hands them over in one PEM bundle, and the engine uses them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-protection-'));
  try {
    const audit = fileKeyVault(dir).load();
    const technician = generateIdentity();
    clearTechnicianSlot(dir).write(technician);
    const bundle = keychainKeyBundle(dir, sealer);
    for (const clear of ['audit-key.pem', 'technician-key.pem']) assert.equal(existsSync(join(dir, clear)), false);
    assert.doesNotMatch(readFileSync(join(dir, 'technician-key.sealed'), 'latin1'), /PRIVATE KEY/);
    assert.deepEqual(parseToEngine({ type: 'audit-key', pem: bundle }), { type: 'audit-key', pem: bundle });
    const keys = splitKeyBundle(bundle);
    assert.deepEqual([keys.audit.id, keys.technician?.id], [audit.id, technician.id]);
    assert.equal(pemKeyVault(bundle).load().id, audit.id);
    assert.equal(keychainKeyBundle(dir, sealer), bundle, 'the same keys next time');

    const session = engineKeySession(dir, keyProtectionArgs(chooseKeyProtection(linux('kwallet6'))), bundle);
    assert.equal(session.mode, 'keychain');
    assert.equal(session.technician.read()?.id, technician.id);
    assert.equal(session.technician.newIdentity().id, technician.id, 'a new profile gets the sealed key');
    assert.throws(() => session.technician.write(generateIdentity()), /cannot take another one/);
    assert.equal(session.auditVault().load().id, audit.id);
    assert.throws(() => clearTechnicianSlot(dir).read(), /sealed by the Fieldline app's OS keychain/);

    // A fresh folder gets a technician key at once, sealed.
    const fresh = mkdtempSync(join(tmpdir(), 'fl-protection-'));
    try {
      assert.ok(splitKeyBundle(keychainKeyBundle(fresh, sealer)).technician);
      assert.equal(existsSync(join(fresh, 'technician-key.pem')), false);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
