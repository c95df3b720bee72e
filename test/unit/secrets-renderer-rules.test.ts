/**
 * What the passphrase screens say before the engine is asked: too short, typed differently,
 * and the wait after wrong tries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryText, setUpProblem } from '../../renderer/secrets/passphrase-rules.js';

test('set-up: too short, blank or mismatched passphrases are explained; a good pair passes', () => {
  assert.match(setUpProblem('short', 'short', 10)!, /at least 10 characters/);
  assert.match(setUpProblem('          ', '          ', 10)!, /at least 10 characters/);
  assert.match(setUpProblem('copper kettle under stairs', 'copper kettle under stair', 10)!, /two passphrases differ/);
  assert.equal(setUpProblem('copper kettle under stairs', 'copper kettle under stairs', 10), null);
  // Characters, not UTF-16 units: ten emoji are ten characters.
  assert.equal(setUpProblem('🔑'.repeat(10), '🔑'.repeat(10), 10), null);
});

test('the wait after wrong tries is shown in whole seconds, and nothing when there is none', () => {
  assert.equal(retryText(null), null);
  assert.equal(retryText(0), null);
  assert.equal(retryText(1500), 'Too many wrong tries: the next one is accepted in 2 s.');
});
