/**
 * The agent's artifact store cleans up after itself: stale `.part` files go at startup and when
 * space is short, at most `keep` committed artifacts stay (least recently used go first), and a
 * part being resumed survives. Real files in a temp state directory; the clock is injected.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ArtifactStore, ARTIFACTS_DIR, type BundleVerdict } from '../../agent/artifacts/artifact-store.js';
import { MANIFEST_SCHEMA, type Manifest } from '../../core/bundle/manifest.js';
import { FgpError } from '../../core/protocol/errors.js';

const HOUR = 3600_000;

const manifest: Manifest = {
  schema: MANIFEST_SCHEMA,
  name: 'test-os',
  kind: 'os-image',
  version: '1.0.0',
  securityCounter: 1,
  hardware: [{ model: 'Emulated gateway', revisions: [] }],
  payloads: [{ path: 'root.img', size: 1, sha256: '0'.repeat(64), target: 'slot' }],
  created: '2026-01-01T00:00:00Z',
  expires: '2036-01-01T00:00:00Z',
};
const accept = (): Promise<BundleVerdict> => Promise.resolve({ ok: true, manifest, checks: [] });

function artifact(seed: number, size = 10_000): { sha: string; bytes: Uint8Array } {
  const bytes = new Uint8Array(size).map((_, i) => (i * 31 + seed * 7) & 0xff);
  return { sha: createHash('sha256').update(bytes).digest('hex'), bytes };
}

/** A clock the test moves; starts at the real time so file writes and the clock agree. */
function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = Date.now();
  return { now: () => t, advance: (ms) => (t += ms) };
}

async function files(stateDir: string): Promise<string[]> {
  return (await readdir(path.join(stateDir, ARTIFACTS_DIR))).sort();
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FgpError) return err.code;
    throw err;
  }
  return 'ok';
}

describe('agent artifact store cleanup', () => {
  let root: string;
  let n = 0;
  const stateDir = (): string => path.join(root, `state-${++n}`);

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'fl-agent-artifacts-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('at startup, a part untouched past the TTL is removed and a recent one is kept and resumes', async () => {
    const dir = stateDir();
    const t = clock();
    const old = artifact(1);
    const recent = artifact(2);
    let store = await ArtifactStore.open(dir, { now: t.now, partTtlMs: 24 * HOUR });
    await store.begin(old.sha, old.bytes.length, 'old');
    await store.chunk(old.sha, 0, old.bytes.subarray(0, 4000));
    await store.close();

    t.advance(20 * HOUR);
    store = await ArtifactStore.open(dir, { now: t.now, partTtlMs: 24 * HOUR });
    assert.equal((await store.begin(recent.sha, recent.bytes.length, 'recent')).held, 0);
    await store.chunk(recent.sha, 0, recent.bytes.subarray(0, 3000));
    await store.close();

    // 25 h after the old part was last touched, 5 h after the recent one.
    t.advance(5 * HOUR);
    store = await ArtifactStore.open(dir, { now: t.now, partTtlMs: 24 * HOUR });
    assert.deepEqual(await files(dir), [`${recent.sha}.meta.json`, `${recent.sha}.part`]);
    assert.equal(await code(store.status(old.sha)), 'unknown_artifact');
    assert.equal((await store.begin(recent.sha, recent.bytes.length, 'recent')).held, 3000, 'the recent part resumes');
    assert.equal((await store.begin(old.sha, old.bytes.length, 'old')).held, 0, 'the old one starts again');
    await store.close();
  });

  test('a part being resumed is touched by every begin, so a long cut-and-resume never ages it out', async () => {
    const dir = stateDir();
    const t = clock();
    const a = artifact(3);
    let store = await ArtifactStore.open(dir, { now: t.now, partTtlMs: 24 * HOUR });
    let held = 0;
    for (let cut = 0; cut < 5; cut++) {
      assert.equal((await store.begin(a.sha, a.bytes.length, 'a')).held, held);
      await store.chunk(a.sha, held, a.bytes.subarray(held, held + 1000));
      held += 1000;
      await store.close();
      t.advance(23 * HOUR); // each cut lasts almost the TTL: 115 h in all
      store = await ArtifactStore.open(dir, { now: t.now, partTtlMs: 24 * HOUR });
    }
    assert.equal((await store.begin(a.sha, a.bytes.length, 'a')).held, held);
    await store.close();
  });

  test('at most `keep` other committed artifacts stay, least recently used removed first', async () => {
    const dir = stateDir();
    const t = clock();
    const store = await ArtifactStore.open(dir, { now: t.now, keep: 2 });
    const arts = [artifact(10), artifact(11), artifact(12), artifact(13)];
    const commit = async (a: { sha: string; bytes: Uint8Array }): Promise<void> => {
      await store.begin(a.sha, a.bytes.length, null);
      await store.chunk(a.sha, 0, a.bytes);
      await store.commit(a.sha, accept);
      t.advance(HOUR);
    };
    await commit(arts[0]!);
    await commit(arts[1]!);
    // Using the first (the install path reads it) makes the second the least recently used.
    t.advance(HOUR);
    await store.verified(arts[0]!.sha);
    t.advance(HOUR);
    await commit(arts[2]!);
    assert.equal((await store.usage()).committed, 3, 'the new one plus two others');
    await commit(arts[3]!);
    const left = new Set((await files(dir)).filter((f) => f.endsWith('.flb')).map((f) => f.slice(0, 64)));
    assert.deepEqual(left, new Set([arts[0]!.sha, arts[2]!.sha, arts[3]!.sha]));
    assert.equal(await code(store.status(arts[1]!.sha)), 'unknown_artifact');
    assert.deepEqual(await store.usage(), { committed: 3, committedBytes: 30_000, partial: 0, partialBytes: 0 });
    await store.close();

    // A smaller `keep` applies at the next start.
    const reopened = await ArtifactStore.open(dir, { now: t.now, keep: 0 });
    assert.deepEqual(await files(dir), []);
    await reopened.close();
  });

  test('remove: every file of the artifact goes, and the next begin starts from 0', async () => {
    const dir = stateDir();
    const store = await ArtifactStore.open(dir);
    const a = artifact(20);
    await store.begin(a.sha, a.bytes.length, null);
    await store.chunk(a.sha, 0, a.bytes);
    await store.commit(a.sha, accept);
    await store.remove(a.sha);
    assert.deepEqual(await files(dir), []);
    assert.equal(await code(store.verified(a.sha)), 'unknown_artifact');
    assert.equal((await store.begin(a.sha, a.bytes.length, null)).held, 0);
    await store.close();
  });

  test('space short at begin: stale parts and kept artifacts are cleared first, a part being received is not', async () => {
    const dir = stateDir();
    const t = clock();
    let short = false;
    // No file system has 2^52 bytes free: once `short`, every begin lacks space.
    const store = await ArtifactStore.open(dir, {
      now: t.now,
      keep: 5,
      get reserveBytes() {
        return short ? 2 ** 52 : 0;
      },
    });
    const kept = artifact(30);
    await store.begin(kept.sha, kept.bytes.length, null);
    await store.chunk(kept.sha, 0, kept.bytes);
    await store.commit(kept.sha, accept);
    const stale = artifact(31);
    await store.begin(stale.sha, stale.bytes.length, null);
    await store.chunk(stale.sha, 0, stale.bytes.subarray(0, 500));
    await store.close(); // its sender went away (the agent restarted)
    const live = artifact(32);
    await store.begin(live.sha, live.bytes.length, null);
    await store.chunk(live.sha, 0, live.bytes.subarray(0, 700));
    t.advance(48 * HOUR);

    short = true;
    const big = artifact(33);
    assert.equal(await code(store.begin(big.sha, big.bytes.length, null)), 'no_space');
    assert.deepEqual(await files(dir), [`${live.sha}.meta.json`, `${live.sha}.part`], 'only the part being received is left');
    short = false;
    assert.equal((await store.begin(live.sha, live.bytes.length, null)).held, 700);
    await store.close();
  });
});
