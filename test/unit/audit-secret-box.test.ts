/**
 * The sync token at rest: sealed under a key derived from the audit key, opened only with it,
 * never in clear in audit.db; a tampered or foreign value is refused with what to do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuditDb } from '../../core/audit/audit-db.js';
import { isSealed, secretBoxFor } from '../../core/audit/secret-box.js';
import { SyncStateStore } from '../../core/audit/sync-state.js';
import { generateIdentity } from '../../core/protocol/identity.js';

test('seal and open round trip; tampered or foreign values are refused; unsealed values pass as they are', () => {
  const box = secretBoxFor(generateIdentity());
  const sealed = box.seal('s3cr3t-token');
  assert.ok(isSealed(sealed));
  assert.notEqual(box.seal('s3cr3t-token'), sealed, 'a fresh nonce each time');
  assert.equal(box.open(sealed), 's3cr3t-token');
  const flipped = `${sealed.slice(0, -4)}${sealed.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
  assert.throws(() => box.open(flipped), /cannot be opened .* configure the token again/);
  assert.throws(() => secretBoxFor(generateIdentity()).open(sealed), /sealed under another key/);
  assert.equal(box.open('plain-from-before'), 'plain-from-before');
});

test('the sync configuration keeps the token sealed in audit.db and gives it back in clear', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-secret-'));
  const db = openAuditDb(dir);
  try {
    const store = new SyncStateStore(db, secretBoxFor(generateIdentity()));
    store.configure({ endpoint: 'http://127.0.0.1:9', token: 'bearer-abc' });
    const raw = db.prepare('SELECT token FROM audit_sync_config').get() as { token: string };
    assert.ok(isSealed(raw.token));
    assert.doesNotMatch(raw.token, /bearer-abc/);
    assert.equal(store.config()?.token, 'bearer-abc');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
