/**
 * The engine in passphrase mode over a real data folder (SQLite, audit log, key files): it starts
 * locked and refuses every call that needs a key with keys_locked, opens on first set-up or
 * unlock, records both in the audit log without the passphrase, and is locked again after a
 * restart with the same keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatch } from '../../core/api/dispatch.js';
import type { KeyStatus, Profile } from '../../core/api/schemas.js';
import type { AuditPage } from '../../core/api/audit-schemas.js';
import { createEngine } from '../../core/engine/engine.js';
import { createKeyedEngine } from '../../core/engine/secrets-handlers.js';
import type { Engine } from '../../core/engine/engine-types.js';
import { passphraseKeySession } from '../../core/secrets/key-session.js';
import { keySessionFor } from '../../core/secrets/session-registry.js';

const P = 'copper kettle under stairs';

async function call<T>(engine: Engine, method: string, params: unknown = {}): Promise<T> {
  const outcome = await dispatch(engine.handlers, method, params);
  if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), outcome.error);
  return outcome.value as T;
}

async function failure(engine: Engine, method: string, params: unknown = {}): Promise<{ code: string; message: string; fix?: string }> {
  const outcome = await dispatch(engine.handlers, method, params);
  assert.equal(outcome.ok, false, `${method} should fail`);
  return outcome.ok ? { code: '', message: '' } : outcome.error;
}

function start(dir: string): Promise<Engine> {
  return createKeyedEngine({ dataDir: dir, host: 'web' }, passphraseKeySession(dir, { reason: 'started with --passphrase' }), createEngine);
}

test('locked → keys_locked → set-up → works; restart → locked → unlock → the same profile and audit chain', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-secrets-engine-'));
  let engine = await start(dir);
  try {
    const status = await call<KeyStatus>(engine, 'secrets.status');
    assert.deepEqual([status.mode, status.locked, status.setUp, status.reason], ['passphrase', true, false, 'started with --passphrase']);
    const locked = await failure(engine, 'profile.get');
    assert.equal(locked.code, 'keys_locked');
    assert.match(locked.fix ?? '', /Unlock Fieldline with your passphrase/);
    assert.equal((await failure(engine, 'devices.list')).code, 'keys_locked');
    assert.equal((await call<{ host: string }>(engine, 'app.info')).host, 'web');
    assert.equal((await failure(engine, 'secrets.setPassphrase', { next: 'short' })).code, 'weak_passphrase');

    const opened = await call<KeyStatus>(engine, 'secrets.setPassphrase', { next: P });
    assert.equal(opened.locked, false);
    const profile = await call<Profile>(engine, 'profile.create', { name: 'Ada', organisation: 'Grid Co' });
    const setup = await call<AuditPage>(engine, 'audit.list', { action: 'secrets' });
    assert.deepEqual(
      setup.entries.map((e) => e.action),
      ['secrets.setup'],
    );
    await engine.close();
    assert.equal(keySessionFor(dir), null, 'close unregisters the session');

    engine = await start(dir);
    assert.equal((await call<KeyStatus>(engine, 'secrets.status')).locked, true);
    assert.equal((await failure(engine, 'profile.get')).code, 'keys_locked');
    const wrong = await failure(engine, 'secrets.unlock', { passphrase: 'copper kettle under stair' });
    assert.equal(wrong.code, 'wrong_passphrase');
    assert.match(wrong.message, /not the one these keys were sealed with/);
    assert.equal((await call<KeyStatus>(engine, 'secrets.unlock', { passphrase: P })).locked, false);
    assert.deepEqual(await call<Profile>(engine, 'profile.get'), profile);
    const page = await call<AuditPage>(engine, 'audit.list', { action: 'secrets' });
    const unlock = page.entries.find((e) => e.action === 'secrets.unlock');
    assert.deepEqual(unlock?.params, { failedAttempts: 1 });
    // Changing it through the real engine is recorded too, a wrong current one as failed.
    assert.equal(
      (await failure(engine, 'secrets.setPassphrase', { current: 'nope nope nope', next: 'a brand new passphrase' })).code,
      'wrong_passphrase',
    );
    await call(engine, 'secrets.setPassphrase', { current: P, next: 'a brand new passphrase' });
    const changes = (await call<AuditPage>(engine, 'audit.list', { action: 'secrets.change-passphrase' })).entries.map((e) => e.result);
    assert.deepEqual(changes.sort(), ['failed', 'ok']);
    assert.equal((await call<{ ok: boolean }>(engine, 'audit.verify')).ok, true, 'one chain across restarts');
    await engine.close();

    // Nothing in the folder holds a passphrase or a clear key.
    for (const name of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, name)).toString('latin1');
      assert.doesNotMatch(bytes, /copper kettle|brand new passphrase/, name);
      assert.doesNotMatch(bytes, /PRIVATE KEY/, name);
    }
  } finally {
    await engine.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
