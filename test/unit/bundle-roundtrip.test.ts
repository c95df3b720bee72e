/**
 * create → sign → verify → inspect, the trust store over a real SQLite file, interop with GNU tar,
 * and the payload stream that refuses a file changed after verification.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import {
  BundleError,
  createBundle,
  DEMO_ROOTS,
  openPayloadStream,
  readBundleManifest,
  signBundle,
  TrustStore,
  verifyBundle,
  type Manifest,
  type ManifestTemplate,
  type TrustChange,
} from '../../core/bundle/index.js';
import { openDatabase } from '../../core/store/database.js';
import { demoKey, demoPolicy, NOW, tempDir, type TempDir } from '../helpers/bundle-craft.js';

let t: TempDir;
before(async () => {
  t = await tempDir('fieldline-bundle-roundtrip-');
});
after(async () => {
  await t.cleanup();
});

const template: ManifestTemplate = {
  schema: 'fieldline.bundle/v1',
  name: 'Gateway OS',
  kind: 'os-image',
  version: '3.0.0',
  securityCounter: 9,
  hardware: [{ model: 'EG-400', revisions: [] }],
  created: '2026-02-01T00:00:00Z',
  expires: '2027-02-01T00:00:00Z',
  releaseNotes: 'Kernel 6.12',
};

async function makeBundle(name: string): Promise<{ file: string; manifest: Manifest }> {
  const rootfs = await t.file(`${name}-rootfs.img`, Buffer.from('rootfs '.repeat(5000)));
  const boot = await t.file(`${name}-boot.bin`, Buffer.from('bootloader'));
  const file = join(t.dir, `${name}.flb`);
  const manifest = await createBundle({
    manifest: template,
    files: [
      { path: 'rootfs.img', source: rootfs, target: 'slot', compress: 'gzip' },
      { path: 'boot/u-boot.bin', source: boot, target: 'bootloader' },
    ],
    out: file,
    signers: [demoKey('image-signer-1')],
  });
  return { file, manifest };
}

describe('bundle round trip', () => {
  test('create → verify → sign (threshold 2) → verify → inspect', async () => {
    const { file, manifest } = await makeBundle('rt');
    assert.equal(manifest.payloads[0]?.compression, 'gzip');
    assert.equal(manifest.payloads[0]?.uncompressed?.size, 35000);
    const policy = demoPolicy({ 'os-image': 2 });
    const before = await verifyBundle(file, policy, { now: NOW });
    assert.equal(before.firstFailure?.code, 'threshold_not_met');
    const signed = await signBundle(file, demoKey('image-signer-2'));
    assert.equal(signed.ok, true);
    const afterSign = await verifyBundle(file, policy, { now: NOW });
    assert.equal(afterSign.ok, true, JSON.stringify(afterSign.firstFailure));
    assert.equal(afterSign.signers.filter((s) => s.counted).length, 2);
    assert.equal(afterSign.sha256, execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]);
    const inspected = await readBundleManifest(file);
    assert.deepEqual(inspected.manifest, manifest);
    assert.equal(inspected.envelope?.signatures.length, 2);
    assert.deepEqual(inspected.problems, []);
  });

  test('create refuses an invalid template with manifest_invalid', async () => {
    const src = await t.file('x.bin', Buffer.from('x'));
    await assert.rejects(
      createBundle({
        manifest: { ...template, version: 'v3' },
        files: [{ path: '../x.bin', source: src, target: 'slot' }],
        out: join(t.dir, 'bad.flb'),
      }),
      (error: unknown) =>
        error instanceof BundleError &&
        error.code === 'manifest_invalid' &&
        /version: expected a semantic version/.test(error.message) &&
        /payloads\.0\.path: the path "\.\.\/x\.bin" contains "\.\."/.test(error.message),
    );
  });

  test('GNU tar lists and extracts a bundle; a bundle tarred by GNU tar verifies', async () => {
    const { file } = await makeBundle('gnu');
    const listing = execFileSync('tar', ['-tvf', file], { encoding: 'utf8' });
    assert.match(listing, /manifest\.dsse\.json[\s\S]*rootfs\.img[\s\S]*boot\/u-boot\.bin/);
    const out = join(t.dir, 'extracted');
    execFileSync('mkdir', ['-p', out]);
    execFileSync('tar', ['-xf', file, '-C', out]);
    const retarred = join(t.dir, 'retarred.flb');
    execFileSync('tar', ['--format=gnu', '-cf', retarred, '-C', out, 'manifest.dsse.json', 'rootfs.img', 'boot/u-boot.bin']);
    const report = await verifyBundle(retarred, demoPolicy(), { now: NOW });
    assert.equal(report.ok, true, JSON.stringify(report.firstFailure));
  });

  test('payload stream: identical bytes pass; a payload changed on disk after verification errors with payload_changed', async () => {
    const { file, manifest } = await makeBundle('stream');
    const report = await verifyBundle(file, demoPolicy(), { now: NOW });
    assert.equal(report.ok, true);
    const boot = manifest.payloads.find((p) => p.path === 'boot/u-boot.bin')!;
    assert.equal(await text(openPayloadStream(file, boot.path, boot)), 'bootloader');

    const bytes = await readFile(file);
    const at = bytes.indexOf('bootloader');
    const handle = await open(file, 'r+');
    await handle.write(Buffer.from('B'), 0, 1, at);
    await handle.close();
    const received: Buffer[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of openPayloadStream(file, boot.path, boot)) received.push(chunk as Buffer);
      })(),
      (error: unknown) =>
        error instanceof BundleError &&
        error.code === 'payload_changed' &&
        error.message ===
          `"boot/u-boot.bin" in ${file} changed after it was verified (its SHA-256 is now ${error.message.match(/now ([0-9a-f]{16})…/)?.[1]}…, was ${boot.sha256.slice(0, 16)}…); nothing more was sent. Verify the bundle again before sending it`,
    );
    assert.equal(Buffer.concat(received).length, 0, 'the final chunk is held back until its hash matches');
  });
});

describe('trust store', () => {
  test('seeds the demo roots into an empty store, once, and reports every change', async () => {
    const dir = join(t.dir, 'data');
    const changes: TrustChange[] = [];
    const db = openDatabase(dir);
    try {
      const store = new TrustStore(db, (c) => changes.push(c));
      assert.equal(changes[0]?.type, 'seeded');
      assert.deepEqual(
        store.list().map((k) => [k.name, k.source]),
        DEMO_ROOTS.keys.map((k) => [k.name, 'demo-root']),
      );
      assert.deepEqual(store.thresholds(), { 'os-image': 1, firmware: 1, model: 1 });

      const key = demoKey('image-signer-1');
      for (const k of store.list()) store.remove(k.keyId);
      assert.deepEqual(store.list(), []);
      new TrustStore(db);
      assert.deepEqual(store.list(), [], 'removed demo roots do not come back');

      const added = store.add({
        publicKey: Buffer.from(key.publicKey).toString('hex').toUpperCase(),
        name: 'Release key',
        roles: ['image-signer'],
        expiresAt: null,
      });
      assert.equal(added.keyId, key.id);
      assert.throws(() => store.add({ publicKey: 'abcd', name: 'x', roles: ['image-signer'] }), /64 hex characters/);
      store.setThreshold('os-image', 2);
      const revoked = store.revoke(key.id, 'compromised', NOW);
      assert.equal(revoked.revokedReason, 'compromised');
      assert.deepEqual(store.policy().thresholds, { 'os-image': 2, firmware: 1, model: 1 });
      assert.equal(store.get(key.id)?.revokedAt, NOW);
      assert.deepEqual(
        changes.map((c) => c.type),
        ['seeded', 'key-removed', 'key-removed', 'key-removed', 'key-added', 'threshold-set', 'key-revoked'],
      );
    } finally {
      db.close();
    }
  });

  test('the demo roots file is labelled DEMO ONLY and matches the committed signing keys', async () => {
    const roots = JSON.parse(await readFile('resources/demo/trust-roots.json', 'utf8')) as { comment: string };
    assert.match(roots.comment, /^DEMO ONLY — never trust in production/);
    for (const name of ['image-signer-1', 'image-signer-2', 'model-signer'] as const) {
      const json = JSON.parse(await readFile(`resources/demo/signing-keys/${name}.json`, 'utf8')) as { comment: string; keyId: string };
      assert.match(json.comment, /^DEMO ONLY — never trust in production/);
      assert.equal(json.keyId, demoKey(name).id);
      assert.ok(DEMO_ROOTS.keys.some((k) => k.keyId === json.keyId));
    }
  });
});
