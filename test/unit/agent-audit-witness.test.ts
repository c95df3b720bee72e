/**
 * The gateway's witness store: it keeps the newest checkpoint of each laptop's log, never goes
 * back, reports a fork at the same seq, ignores a damaged file, and keeps a bounded number of logs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_WITNESSED_LOGS, WitnessStore } from '../../agent/audit-witness-store.js';
import { checkCheckpoint, signCheckpoint } from '../../core/audit/checkpoint.js';
import { generateIdentity } from '../../core/protocol/identity.js';

const head = (n: number): string => n.toString(16).padStart(64, '0');

test('keeps the newest checkpoint, never goes back, and reports a fork at the same seq', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fl-witness-'));
  try {
    const store = new WitnessStore(dir);
    const laptop = generateIdentity();
    assert.equal(await store.get(laptop.id), null);
    const at10 = signCheckpoint(laptop, 10, head(10));
    assert.deepEqual(await store.offer(at10), { stored: at10, kept: false, conflict: false });
    const at20 = signCheckpoint(laptop, 20, head(20));
    await store.offer(at20);
    const older = await store.offer(signCheckpoint(laptop, 15, head(15)));
    assert.equal(older.kept, true);
    assert.equal(older.stored?.seq, 20);
    const fork = await store.offer(signCheckpoint(laptop, 20, head(99)));
    assert.equal(fork.conflict, true);
    assert.equal(fork.stored?.head, head(20), 'the witnessed head stays');
    assert.equal((await store.get(laptop.id))?.seq, 20);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a damaged witness file reads as none; a forged checkpoint does not verify', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fl-witness-'));
  try {
    const store = new WitnessStore(dir);
    const laptop = generateIdentity();
    await store.offer(signCheckpoint(laptop, 3, head(3)));
    await writeFile(join(dir, 'audit-witness', `${laptop.id}.json`), '{"type":');
    assert.equal(await store.get(laptop.id), null);
    const forged = { ...signCheckpoint(laptop, 4, head(4)), seq: 40 };
    const checked = checkCheckpoint(forged, laptop.id);
    assert.equal(checked.ok, false);
    assert.match(checked.ok ? '' : checked.reason, /signature does not verify/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('keeps at most MAX_WITNESSED_LOGS logs, dropping the oldest', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fl-witness-'));
  try {
    const store = new WitnessStore(dir);
    for (let i = 0; i < MAX_WITNESSED_LOGS + 3; i++) await store.offer(signCheckpoint(generateIdentity(), 1, head(1)));
    assert.equal((await readdir(join(dir, 'audit-witness'))).filter((n) => n.endsWith('.json')).length, MAX_WITNESSED_LOGS);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
