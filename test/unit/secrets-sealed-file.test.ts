/**
 * The passphrase-sealed key file: round trip, and each way it can fail says which: a wrong
 * passphrase, a damaged or cut-off file, another key's file, an unknown format version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  derivePassphraseKey,
  derivePassphraseKeySync,
  openWithKey,
  readSealedHeader,
  sealWithKey,
  SEALED_FORMAT_VERSION,
} from '../../core/secrets/sealed-file.js';
import { SecretsError } from '../../core/secrets/secrets-error.js';

const PEM = Buffer.from('-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n');

function code(err: unknown): string {
  assert.ok(err instanceof SecretsError, `expected a SecretsError, got ${String(err)}`);
  return err.code;
}

test('a sealed key opens with the passphrase and shows nothing of the key', async () => {
  const key = await derivePassphraseKey('copper kettle under stairs');
  const sealed = sealWithKey(key, 'audit', PEM);
  assert.doesNotMatch(sealed.toString('latin1'), /PRIVATE KEY/);
  const head = readSealedHeader(sealed, 'audit-key.locked', 'audit');
  assert.deepEqual(head.kdf, { log2N: 15, r: 8, p: 1 });
  const again = await derivePassphraseKey('copper kettle under stairs', head.salt, head.kdf);
  assert.deepEqual(openWithKey(sealed, again, 'audit-key.locked', 'audit'), PEM);
  // The synchronous derivation (CLI) gives the same key.
  assert.deepEqual(openWithKey(sealed, derivePassphraseKeySync('copper kettle under stairs', head.salt), 'x', 'audit'), PEM);
  // Two seals of the same key differ (fresh IV), and a passphrase in another Unicode form still opens it.
  assert.notDeepEqual(sealWithKey(key, 'audit', PEM), sealed);
  const nfc = await derivePassphraseKey('caf\u00e9 au lait rouge');
  const nfd = await derivePassphraseKey('cafe\u0301 au lait rouge', nfc.salt);
  assert.deepEqual(openWithKey(sealWithKey(nfc, 'audit', PEM), nfd, 'x', 'audit'), PEM);
});

test('a wrong passphrase and a damaged file are told apart', async () => {
  const key = await derivePassphraseKey('copper kettle under stairs');
  const sealed = sealWithKey(key, 'technician', PEM);
  const head = readSealedHeader(sealed, 'technician-key.locked', 'technician');
  const wrong = await derivePassphraseKey('copper kettle under stair', head.salt, head.kdf);
  assert.equal(code(catching(() => openWithKey(sealed, wrong, 't', 'technician'))), 'wrong_passphrase');

  const flipped = Buffer.from(sealed);
  flipped[flipped.length - 20]! ^= 0x01;
  const err = catching(() => openWithKey(flipped, key, 'technician-key.locked', 'technician'));
  assert.equal(code(err), 'key_file_damaged');
  assert.match((err as Error).message, /passphrase is right but.*does not authenticate/);

  const truncated = sealed.subarray(0, 50);
  assert.match((catching(() => openWithKey(truncated, key, 't', 'technician')) as Error).message, /too short.*truncated/);
  assert.equal(code(catching(() => openWithKey(Buffer.from('hello'), key, 't', 'technician'))), 'key_file_damaged');
  assert.match((catching(() => openWithKey(sealed, key, 't', 'audit')) as Error).message, /holds the technician key, not the audit key/);
});

test('an edited header (weaker parameters, other version) is refused, never opened', async () => {
  const key = await derivePassphraseKey('copper kettle under stairs');
  const sealed = sealWithKey(key, 'audit', PEM);
  const weaker = Buffer.from(sealed);
  weaker[8] = 10; // log2 N
  assert.match((catching(() => readSealedHeader(weaker, 'a', 'audit')) as Error).message, /N=2\^10.*outside/);
  const newer = Buffer.from(sealed);
  newer[6] = SEALED_FORMAT_VERSION + 1;
  const err = catching(() => openWithKey(newer, key, 'audit-key.locked', 'audit'));
  assert.equal(code(err), 'key_file_version');
  assert.match((err as SecretsError).fix, /Update Fieldline/);
  // A byte of the authenticated header changed (salt): the check no longer matches.
  const salted = Buffer.from(sealed);
  salted[12]! ^= 0xff;
  assert.equal(code(catching(() => openWithKey(salted, key, 'a', 'audit'))), 'wrong_passphrase');
});

function catching(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}
