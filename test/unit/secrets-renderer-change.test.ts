/**
 * Settings › Keys: what the change-passphrase form says before the engine is asked, the headings
 * over its refusals, the live wait after wrong tries, and how each protection mode is explained.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyStatus } from '../../core/api/schemas.js';
import { codeSpans, protectionText } from '../../renderer/secrets/key-protection.js';
import { changeErrorTitle, changeProblem, retryTextAt } from '../../renderer/secrets/passphrase-rules.js';

const OLD = 'copper kettle under stairs';
const NEW = 'brass lantern over door';

test('change: the current passphrase is required, the new one follows the set-up rules and must differ', () => {
  assert.match(changeProblem('', NEW, NEW, 10)!, /current passphrase/);
  assert.match(changeProblem(OLD, 'short', 'short', 10)!, /at least 10 characters/);
  assert.match(changeProblem(OLD, '           ', '           ', 10)!, /at least 10 characters/);
  assert.match(changeProblem(OLD, NEW, `${NEW}!`, 10)!, /two passphrases differ/);
  assert.match(changeProblem(OLD, OLD, OLD, 10)!, /same as the current one/);
  assert.equal(changeProblem(OLD, NEW, NEW, 10), null);
  // A current passphrase is never judged by length: it may predate today's rules.
  assert.equal(changeProblem('x', NEW, NEW, 10), null);
});

test('change: each refusal of the engine gets a heading that says what was wrong', () => {
  assert.equal(changeErrorTitle('wrong_passphrase'), 'Wrong current passphrase');
  assert.equal(changeErrorTitle('too_many_attempts'), 'Too many wrong tries');
  assert.equal(changeErrorTitle('weak_passphrase'), 'The new passphrase is too short');
  assert.equal(changeErrorTitle('key_file_damaged'), 'Your passphrase was not changed');
});

test('the wait after wrong tries counts down from when the engine answered, then disappears', () => {
  assert.equal(retryTextAt(null, 1_000, 5_000), null);
  assert.equal(retryTextAt(4_000, 1_000, 1_000), 'Too many wrong tries: the next one is accepted in 4 s.');
  assert.equal(retryTextAt(4_000, 1_000, 3_500), 'Too many wrong tries: the next one is accepted in 2 s.');
  assert.equal(retryTextAt(4_000, 1_000, 5_000), null);
  assert.equal(retryTextAt(4_000, 1_000, 9_000), null);
});

function status(over: Partial<KeyStatus>): KeyStatus {
  return {
    mode: 'passphrase',
    locked: false,
    setUp: true,
    reason: null,
    message: 'Your keys are sealed with your passphrase and unlocked until Fieldline stops.',
    retryAfterMs: null,
    minLength: 10,
    ...over,
  };
}

test('passphrase mode: shows the engine reason, and the change form only once set up and unlocked', () => {
  const reason = 'No system keyring is available, so your keys are sealed with a passphrase.';
  const text = protectionText(status({ reason }));
  assert.equal(text.mode, 'passphrase');
  assert.equal(text.label, 'Sealed with your passphrase');
  assert.equal(text.reason, reason);
  assert.equal(text.canChange, true);
  assert.equal(protectionText(status({ locked: true })).canChange, false);
  const notSetUp = protectionText(status({ setUp: false, locked: true }));
  assert.equal(notSetUp.canChange, false);
  assert.match(notSetUp.advice!, /No passphrase has been chosen yet/);
});

test('keychain mode: nothing to change, and says the keys open with the login', () => {
  const text = protectionText(
    status({ mode: 'keychain', reason: null, message: 'Your keys are sealed with the system keychain of this user account.' }),
  );
  assert.equal(text.label, 'Sealed with the system keychain');
  assert.equal(text.canChange, false);
  assert.match(text.advice!, /no passphrase/);
});

test('file mode (or an engine without the secrets API): says the keys are files and how to seal them', () => {
  for (const s of [status({ mode: 'file', message: 'Your keys are kept in files only your user account can read.' }), null]) {
    const text = protectionText(s);
    assert.equal(text.mode, 'file');
    assert.equal(text.canChange, false);
    assert.match(text.label, /only by your user account/);
    assert.match(text.detail, /only your user account can read/);
    assert.match(text.advice!, /`fieldline serve --passphrase`/);
    assert.match(text.advice!, /desktop app on a system with a keyring/);
  }
});

test('commands in advice are split out as code spans', () => {
  assert.deepEqual(codeSpans('start `fieldline serve --passphrase` now'), [
    { text: 'start ', code: false },
    { text: 'fieldline serve --passphrase', code: true },
    { text: ' now', code: false },
  ]);
  assert.deepEqual(codeSpans('`a`'), [{ text: 'a', code: true }]);
  assert.deepEqual(codeSpans('plain'), [{ text: 'plain', code: false }]);
});
