/**
 * The audit key vaults: created once (0600, whole or not at all), the same key afterwards, and a
 * key that exists but cannot be read is an error that says what to do, never a new key.
 *
 * The seal stands in for Electron's safeStorage (a physical boundary: the OS keychain of a user
 * session); it is real AES-256-GCM with a per-"user" key, so a wrong user really cannot open it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditKeyError, fileKeyVault, keyVaultFor, sealedKeyVault, type KeySeal } from '../../core/audit/audit-key.js';

function aesSeal(key: Buffer = randomBytes(32)): KeySeal {
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decrypt(sealed) {
      const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      d.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([d.update(sealed.subarray(28)), d.final()]);
    },
  };
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fl-audit-key-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('audit key vaults', () => {
  test('fileKeyVault creates audit-key.pem (0600) once and loads the same key after', () => {
    const d = join(dir, 'file');
    const vault = fileKeyVault(d);
    assert.equal(vault.protection, 'file-permissions');
    const key = vault.load();
    assert.equal(statSync(vault.path).mode & 0o777, 0o600);
    assert.equal(fileKeyVault(d).load().id, key.id);
    assert.deepEqual(readdirSync(d), ['audit-key.pem'], 'no temporary file is left behind');
  });

  test('a damaged key file is an error, and is left as it was', () => {
    const d = join(dir, 'damaged');
    const vault = fileKeyVault(d);
    vault.load();
    writeFileSync(vault.path, '-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n');
    assert.throws(
      () => fileKeyVault(d).load(),
      (err: unknown) =>
        err instanceof AuditKeyError &&
        /is damaged/.test(err.message) &&
        /do not delete it, that would start a new audit chain/.test(err.message),
    );
    assert.match(readFileSync(vault.path, 'utf8'), /garbage/, 'never replaced by a new key');
  });

  test('sealedKeyVault keeps only the sealed key; another user cannot open it and gets told why and what to do', () => {
    const d = join(dir, 'sealed');
    const mine = aesSeal();
    const vault = sealedKeyVault(d, mine);
    assert.equal(vault.protection, 'os-keychain');
    const key = vault.load();
    assert.deepEqual(readdirSync(d), ['audit-key.sealed']);
    assert.ok(!readFileSync(vault.path).includes('PRIVATE KEY'), 'the PEM is not in the file in clear');
    assert.equal(sealedKeyVault(d, mine).load().id, key.id);
    const before = readFileSync(vault.path);
    assert.throws(
      () => sealedKeyVault(d, aesSeal()).load(),
      (err: unknown) =>
        err instanceof AuditKeyError &&
        err.code === 'audit_key_unreadable' &&
        /cannot be decrypted by this user's keychain/.test(err.message) &&
        /another user account or another machine/.test(err.message) &&
        /Run Fieldline as the user and on the laptop that created this data folder/.test(err.fix),
    );
    assert.deepEqual(readFileSync(vault.path), before, 'the sealed key is untouched');
  });

  test('keyVaultFor keeps using whichever key the folder has', () => {
    const d = join(dir, 'choose');
    const pemKey = keyVaultFor(d).load();
    assert.equal(keyVaultFor(d, aesSeal()).load().id, pemKey.id, 'an existing PEM key is not replaced by a sealed one');
    const s = join(dir, 'choose-sealed');
    const seal = aesSeal();
    const sealedKey = keyVaultFor(s, seal).load();
    assert.equal(keyVaultFor(s, seal).protection, 'os-keychain');
    assert.equal(keyVaultFor(s, seal).load().id, sealedKey.id);
    assert.throws(() => keyVaultFor(s), /sealed by the Fieldline app's OS keychain/);
  });
});
