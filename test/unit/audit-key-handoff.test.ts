/**
 * The audit key between hosts: the desktop app seals the key a CLI made (one chain per data
 * folder), the engine process gets it as PEM, and the CLI refuses a folder whose key is sealed.
 * The OS keychain cannot exist here, so the sealer is a reversible stand-in at that boundary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileKeyVault, keyVaultFor } from '../../core/audit/audit-key.js';
import { pemKeyVault, sealedAuditKeyPem, type StringSealer } from '../../core/audit/key-handoff.js';
import { identityFromPem } from '../../core/protocol/identity.js';
import { parseToEngine } from '../../electron/engine-control.js';

const MASK = 0x5a;
const sealer: StringSealer = {
  encryptString: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ MASK)),
  decryptString: (sealed) => Buffer.from(sealed.map((b) => b ^ MASK)).toString('utf8'),
};

test('the desktop app seals the key the CLI made, and the CLI then refuses the folder with the reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-key-handoff-'));
  try {
    const cliKey = keyVaultFor(dir).load();
    const pem = sealedAuditKeyPem(dir, sealer);
    assert.equal(identityFromPem(pem).id, cliKey.id, 'the same key, so the same chain');
    assert.equal(existsSync(join(dir, 'audit-key.pem')), false, 'the clear copy is gone');
    assert.doesNotMatch(readFileSync(join(dir, 'audit-key.sealed'), 'latin1'), /PRIVATE KEY/);
    assert.equal(identityFromPem(sealedAuditKeyPem(dir, sealer)).id, cliKey.id, 'and it opens again');
    assert.throws(() => keyVaultFor(dir), /sealed by the Fieldline app's OS keychain.*--data-dir/s);
    const vault = pemKeyVault(pem);
    assert.equal(vault.protection, 'os-keychain');
    assert.equal(vault.load().id, cliKey.id);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a fresh folder opened by the desktop app gets a sealed key and no clear one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-key-handoff-'));
  try {
    const first = identityFromPem(sealedAuditKeyPem(dir, sealer));
    assert.equal(existsSync(join(dir, 'audit-key.pem')), false);
    assert.equal(identityFromPem(sealedAuditKeyPem(dir, sealer)).id, first.id);
    assert.equal(fileKeyVault(dir).protection, 'file-permissions');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the control channel carries only a PEM private key as the audit key', () => {
  assert.deepEqual(parseToEngine({ type: 'audit-key', pem: '-----BEGIN PRIVATE KEY-----\n…' }), {
    type: 'audit-key',
    pem: '-----BEGIN PRIVATE KEY-----\n…',
  });
  assert.equal(parseToEngine({ type: 'audit-key', pem: 42 }), null);
  assert.equal(parseToEngine({ type: 'audit-key', pem: 'hello' }), null);
});
