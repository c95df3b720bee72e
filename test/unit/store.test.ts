import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../core/store/database.js';
import { PinStore } from '../../core/store/pin-store.js';
import { ProfileStore } from '../../core/store/profile-store.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a profile survives reopening, and its key file is private to the user', () => {
  const db = openDatabase(dir);
  const created = new ProfileStore(db, dir).create('Ana Técnica', 'Acme');
  db.close();
  const again = openDatabase(dir);
  const store = new ProfileStore(again, dir);
  assert.deepEqual(store.get(), created);
  assert.equal(store.identity()?.id, created.keyId);
  assert.equal(statSync(join(dir, 'technician-key.pem')).mode & 0o777, 0o600);
  again.close();
});

test('the first key seen for a gateway is pinned; a different one is refused until forgotten', () => {
  const db = openDatabase(dir);
  const pins = new PinStore(db);
  const hw = { vendor: 'Acme', model: 'X1', serial: 'SN-9' };
  assert.deepEqual(pins.checkAndPin(hw, 'a'.repeat(64), 1000), { ok: true, firstContact: true });
  assert.deepEqual(pins.checkAndPin(hw, 'a'.repeat(64), 2000), { ok: true, firstContact: false });
  assert.deepEqual(pins.checkAndPin(hw, 'b'.repeat(64), 3000), { ok: false, pinnedId: 'a'.repeat(64), firstSeen: 1000 });
  assert.equal(pins.forget(hw), true);
  assert.deepEqual(pins.checkAndPin(hw, 'b'.repeat(64), 4000), { ok: true, firstContact: true });
  db.close();
});

test('a database written by a newer schema is refused with a clear reason', () => {
  const newer = join(dir, 'newer');
  const db = openDatabase(newer);
  db.pragma('user_version = 99');
  db.close();
  assert.throws(() => openDatabase(newer), /newer Fieldline \(schema 99/);
});
