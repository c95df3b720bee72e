/**
 * `fieldline bundle` as a release engineer and a technician run it: two key holders, a 2-of-n
 * threshold, a tampered copy, and scripts reading --json.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openDatabase } from '../../core/store/database.js';
import { TrustStore } from '../../core/bundle/index.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

async function fieldline(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), join(root, 'cli', 'main.ts'), ...args],
      {
        cwd: root,
        timeout: 60_000,
        // Never touch the real data directory, whatever a command defaults to.
        env: { ...process.env, FIELDLINE_DATA_DIR: join(tmpdir(), 'fl-cli-bundle-never-used') },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

interface KeyOutput {
  keyId: string;
  publicKey: string;
  privateKeyFile: string;
  publicKeyFile: string;
}

describe('fieldline bundle: keygen → create → sign ×2 → verify', () => {
  let dir: string;
  let dataDir: string;
  let alice: KeyOutput;
  let bob: KeyOutput;
  let bundle: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-cli-bundle-'));
    dataDir = join(dir, 'data');
    await mkdir(join(dir, 'payload', 'docs'), { recursive: true });
    await writeFile(join(dir, 'payload', 'rootfs.img'), randomBytes(200_000));
    await writeFile(join(dir, 'payload', 'docs', 'notes.txt'), 'release notes\n');
    await writeFile(
      join(dir, 'template.json'),
      JSON.stringify({
        name: 'gw-os',
        kind: 'os-image',
        version: '2.1.0',
        securityCounter: 7,
        hardware: [{ model: 'FL-GW1', revisions: ['B', 'C'] }],
        created: '2026-01-01T00:00:00Z',
        expires: '2099-01-01T00:00:00Z',
        payloads: [
          { path: 'rootfs.img', target: 'slot', compression: 'gzip' },
          { path: 'docs/notes.txt', target: 'aux' },
        ],
      }),
    );
    bundle = join(dir, 'gw-os.flb');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('keygen writes a 0600 private key and a public key file, and prints the key id', async () => {
    const a = await fieldline([
      'bundle',
      'keygen',
      '--out',
      join(dir, 'alice.json'),
      '--name',
      'Alice',
      '--role',
      'image-signer',
      '--json',
    ]);
    assert.equal(a.code, 0, a.stderr);
    alice = JSON.parse(a.stdout) as KeyOutput;
    assert.match(alice.keyId, /^[0-9a-f]{64}$/);
    assert.match(alice.publicKey, /^[0-9a-f]{64}$/);
    assert.equal((await stat(alice.privateKeyFile)).mode & 0o777, 0o600);
    const pub = JSON.parse(await readFile(alice.publicKeyFile, 'utf8')) as { keyId: string; privateKeyPem?: string };
    assert.equal(pub.keyId, alice.keyId);
    assert.equal(pub.privateKeyPem, undefined, 'the public file must not carry the private key');

    const b = await fieldline(['bundle', 'keygen', '--out', join(dir, 'bob.json'), '--name', 'Bob', '--role', 'image-signer']);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /key id +[0-9a-f]{64}/);
    assert.match(b.stdout, /public key +[0-9a-f]{64}/);
    bob = { ...alice, privateKeyFile: join(dir, 'bob.json'), publicKeyFile: join(dir, 'bob.pub.json') };
    bob = { ...bob, keyId: (JSON.parse(await readFile(bob.publicKeyFile, 'utf8')) as { keyId: string }).keyId };

    const again = await fieldline(['bundle', 'keygen', '--out', join(dir, 'alice.json')]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  test('the trust store in a temp data dir gets both keys and a 2-of-n threshold', async () => {
    for (const file of [alice.publicKeyFile, bob.publicKeyFile]) {
      const r = await fieldline(['bundle', 'trust', 'add', file, '--data-dir', dataDir]);
      assert.equal(r.code, 0, r.stderr);
    }
    const t = await fieldline(['bundle', 'trust', 'threshold', 'os-image', '2', '--data-dir', dataDir]);
    assert.equal(t.code, 0, t.stderr);
    const db = openDatabase(dataDir);
    try {
      const policy = new TrustStore(db).policy();
      assert.equal(policy.thresholds['os-image'], 2);
      for (const id of [alice.keyId, bob.keyId]) assert.deepEqual(policy.keys.find((k) => k.keyId === id)?.roles, ['image-signer']);
    } finally {
      db.close();
    }
  });

  test('create builds an unsigned bundle from a folder; verify refuses it for the threshold', async () => {
    const c = await fieldline([
      'bundle',
      'create',
      '--manifest',
      join(dir, 'template.json'),
      '--dir',
      join(dir, 'payload'),
      '--out',
      bundle,
    ]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /not signed yet/);
    const v = await fieldline(['bundle', 'verify', bundle, '--data-dir', dataDir]);
    assert.equal(v.code, 1);
    assert.match(v.stdout, /✗ threshold/);
    assert.match(v.stderr, /\(reason code: threshold_not_met\)/);
  });

  test('one holder signing is not enough for 2-of-n; the second makes it verify', async () => {
    const s1 = await fieldline(['bundle', 'sign', bundle, '--key', alice.privateKeyFile]);
    assert.equal(s1.code, 0, s1.stderr);
    const v1 = await fieldline(['bundle', 'verify', bundle, '--data-dir', dataDir, '--json']);
    assert.equal(v1.code, 1);
    assert.equal((JSON.parse(v1.stdout) as { firstFailure: { code: string } }).firstFailure.code, 'threshold_not_met');

    const s2 = await fieldline(['bundle', 'sign', bundle, '--key', bob.privateKeyFile, '--json']);
    assert.equal(s2.code, 0, s2.stderr);
    assert.deepEqual(new Set((JSON.parse(s2.stdout) as { signatures: string[] }).signatures), new Set([alice.keyId, bob.keyId]));

    const v2 = await fieldline([
      'bundle',
      'verify',
      bundle,
      '--data-dir',
      dataDir,
      '--target-model',
      'FL-GW1',
      '--target-revision',
      'C',
      '--target-counter',
      '7',
    ]);
    assert.equal(v2.code, 0, v2.stderr);
    assert.match(v2.stdout, /✓ threshold +2 valid image-signer signatures; 2 required/);
    assert.match(v2.stdout, /✓ payload +"rootfs.img".*gzip/);
    assert.match(v2.stdout, /✓ hardware/);
    assert.doesNotMatch(v2.stdout, /✗/);
    assert.match(v2.stdout, /^Verified/m);
  });

  test('verify --json reports every check and ok', async () => {
    const v = await fieldline(['bundle', 'verify', bundle, '--data-dir', dataDir, '--json']);
    assert.equal(v.code, 0, v.stderr);
    const report = JSON.parse(v.stdout) as {
      ok: boolean;
      checks: { id: string; status: string }[];
      signers: { keyId: string; status: string }[];
    };
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.signers.map((s) => s.status),
      ['valid', 'valid'],
    );
    for (const id of ['envelope', 'signature', 'threshold', 'manifest', 'validity', 'payload', 'archive', 'payloads-complete'])
      assert.ok(
        report.checks.some((c) => c.id === id && c.status === 'pass'),
        `no passing ${id} check`,
      );
  });

  test('--trust DIR with the public key files verifies without a data directory', async () => {
    const trustDir = join(dir, 'trusted');
    await mkdir(trustDir);
    await copyFile(alice.publicKeyFile, join(trustDir, 'alice.pub.json'));
    await copyFile(bob.publicKeyFile, join(trustDir, 'bob.pub.json'));
    const ok = await fieldline(['bundle', 'verify', bundle, '--trust', trustDir, '--threshold', '2']);
    assert.equal(ok.code, 0, ok.stderr);
    await rm(join(trustDir, 'bob.pub.json'));
    const short = await fieldline(['bundle', 'verify', bundle, '--trust', trustDir, '--threshold', '2']);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /reason code: key_unknown|reason code: threshold_not_met/);
  });

  test('a tampered copy exits 1 with the reason code on stderr', async () => {
    const tampered = join(dir, 'tampered.flb');
    const bytes = await readFile(bundle);
    // rootfs.img is the last entry and incompressible: this byte is inside its stored data.
    const at = bytes.length - 1024 - 600;
    bytes[at] = bytes[at]! ^ 0xff;
    await writeFile(tampered, bytes);
    const v = await fieldline(['bundle', 'verify', tampered, '--data-dir', dataDir]);
    assert.equal(v.code, 1);
    assert.match(v.stdout, /✗ /);
    assert.match(v.stderr, /is refused: /);
    assert.match(v.stderr, /what to do: /);
    const code = /\(reason code: ([a-z_]+)\)/.exec(v.stderr)?.[1];
    assert.equal(code, 'payload_hash_mismatch', v.stderr);
    assert.doesNotMatch(v.stderr, /\n\s+at /, 'no stack trace');
  });

  test('a wrong-hardware target and a rollback are refused with their codes', async () => {
    const hw = await fieldline([
      'bundle',
      'verify',
      bundle,
      '--data-dir',
      dataDir,
      '--target-model',
      'FL-GW2',
      '--target-revision',
      'A',
      '--target-counter',
      '0',
    ]);
    assert.equal(hw.code, 1);
    assert.match(hw.stderr, /reason code: hardware_incompatible/);
    const rollback = await fieldline([
      'bundle',
      'verify',
      bundle,
      '--data-dir',
      dataDir,
      '--target-model',
      'FL-GW1',
      '--target-revision',
      'B',
      '--target-counter',
      '8',
    ]);
    assert.equal(rollback.code, 1);
    assert.match(rollback.stderr, /reason code: counter_rollback/);
  });

  test('inspect --json shows the manifest, key ids and payloads without trust', async () => {
    const r = await fieldline(['bundle', 'inspect', bundle, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      manifest: { name: string; version: string; payloads: { path: string; target: string; compression?: string }[] };
      signatures: string[];
      problems: unknown[];
    };
    assert.equal(out.manifest.name, 'gw-os');
    assert.equal(out.manifest.version, '2.1.0');
    assert.deepEqual(
      out.manifest.payloads.map((p) => [p.path, p.target, p.compression ?? null]),
      [
        ['docs/notes.txt', 'aux', null],
        ['rootfs.img', 'slot', 'gzip'],
      ],
    );
    assert.deepEqual(new Set(out.signatures), new Set([alice.keyId, bob.keyId]));
    assert.deepEqual(out.problems, []);
    const text = await fieldline(['bundle', 'inspect', bundle]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /gw-os 2\.1\.0 \(os-image\)/);
  });

  test('bad input gets a usage error, never a stack trace', async () => {
    await writeFile(join(dir, 'not-a-bundle.txt'), 'not a bundle\n'.repeat(100));
    const cases: [string[], RegExp][] = [
      [['bundle'], /keygen/],
      [['bundle', 'frob'], /unknown bundle action "frob"/],
      [['bundle', 'verify'], /expected exactly one bundle file/],
      [['bundle', 'verify', bundle, '--bogus'], /Unknown option '--bogus'/],
      [['bundle', 'sign', bundle], /--key is required/],
      [['bundle', 'sign', bundle, '--key', alice.publicKeyFile], /is a public key file, not a Fieldline signing key/],
      [['bundle', 'create', '--manifest', join(dir, 'template.json'), '--out', join(dir, 'x.flb')], /nothing to bundle/],
      [['bundle', 'verify', bundle, '--target-model', 'FL-GW1'], /--target-revision and --target-counter together/],
      [['bundle', 'keygen', '--out', join(dir, 'c.json'), '--role', 'boss'], /--role must be/],
      [['bundle', 'inspect', join(dir, 'not-a-bundle.txt')], /not a tar header[^]*reason code: tar_malformed/],
    ];
    for (const [args, message] of cases) {
      const r = await fieldline(args);
      assert.notEqual(r.code, 0, `${args.join(' ')} should fail`);
      assert.match(r.stderr + r.stdout, message, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${args.join(' ')} printed a stack trace`);
    }
  });
});
