/**
 * docs/bundle-format.md cannot drift from the code: its worked example is rebuilt from the
 * document's own inputs with the project's code and must match the document byte for byte
 * (file hash, layout, header, envelope, manifest, PAE, signature, key id, PEM); the CLI command
 * it shows must make the same bytes; its shell verification runs when the tools are installed;
 * and every reason code the verifier can report is documented.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  BUNDLE_REASONS,
  createBundle,
  encodeManifest,
  MANIFEST_ENTRY,
  MAX_MANIFEST_BYTES,
  pae,
  PAYLOAD_TYPE,
  tarHeader,
  type Manifest,
  type ManifestTemplate,
  type PayloadTarget,
} from '../../core/bundle/index.js';
import { fingerprint, fromHex, identityFromPem, rawPublicKeyOf, toHex, verifyBytes } from '../../core/protocol/identity.js';
import { fences, type Fence } from '../helpers/markdown-fences.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const doc = await readFile(join(root, 'docs', 'bundle-format.md'), 'utf8');
const DEMO_KEY = 'resources/demo/signing-keys/image-signer-1.json';
const keyFile = JSON.parse(await readFile(join(root, DEMO_KEY), 'utf8')) as { privateKeyPem: string; keyId: string; publicKey: string };
const identity = identityFromPem(keyFile.privateKeyPem);

const all = fences(doc, 'bundle-format.md');
function example(name: string): Fence {
  const found = all.filter((f) => f.attrs.get('example') === name);
  assert.equal(found.length, 1, `bundle-format.md must have exactly one block with example=${name}`);
  return found[0]!;
}

/** "0010: 6c 6c 6f …" lines → bytes, checking every offset. */
function parseHexDump(fence: Fence): Buffer {
  const bytes: number[] = [];
  for (const [row, line] of fence.body.split('\n').entries()) {
    const m = /^([0-9a-f]{4}):((?: [0-9a-f]{2}){1,16})$/.exec(line.trim());
    assert.ok(m, `bundle-format.md:${fence.line + row + 1}: "${line}" is not an "offset: hex bytes" line`);
    assert.equal(parseInt(m[1]!, 16), bytes.length, `bundle-format.md:${fence.line + row + 1}: wrong offset`);
    for (const pair of m[2]!.trim().split(' ')) bytes.push(parseInt(pair, 16));
  }
  return Buffer.from(bytes);
}

function hexDump(bytes: Uint8Array): string {
  const rows: string[] = [];
  for (let i = 0; i < bytes.length; i += 16)
    rows.push(
      `${i.toString(16).padStart(4, '0')}: ${[...bytes.subarray(i, i + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`,
    );
  return rows.join('\n');
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface TarEntryInfo {
  readonly name: string;
  readonly size: number;
  readonly header: number;
}

/** The entries of a plain ustar archive (what the example is), walked by offsets. */
function entriesOf(archive: Buffer): { entries: TarEntryInfo[]; end: number } {
  const entries: TarEntryInfo[] = [];
  let at = 0;
  while (!archive.subarray(at, at + 512).equals(Buffer.alloc(512))) {
    const block = archive.subarray(at, at + 512);
    const name = block.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    const size = parseInt(block.toString('latin1', 124, 135), 8);
    entries.push({ name, size, header: at });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return { entries, end: at };
}

function layoutOf(archive: Buffer): string {
  const { entries, end } = entriesOf(archive);
  const hex = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;
  const row = (offset: number, length: number | '', what: string): string =>
    `${hex(offset)}  ${String(length).padStart(4)}  ${what}`.trimEnd();
  const rows: string[] = [];
  for (const e of entries) {
    rows.push(row(e.header, 512, `header: ${e.name}, size ${e.size}`));
    rows.push(row(e.header + 512, e.size, `data: ${e.name}`));
    const pad = (512 - (e.size % 512)) % 512;
    if (pad) rows.push(row(e.header + 512 + e.size, pad, 'zero padding'));
  }
  rows.push(row(end, 1024, 'end of archive (two zero blocks)'));
  rows.push(row(end + 1024, '', `end of file: ${archive.length} bytes`));
  return rows.join('\n');
}

async function haveTools(...tools: string[]): Promise<boolean> {
  for (const tool of tools) {
    try {
      await run('sh', ['-c', `command -v ${tool}`]);
    } catch {
      return false;
    }
  }
  return true;
}

async function fieldline(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), join(root, 'cli', 'main.ts'), ...args],
      { cwd, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `fieldline …` as the document writes it → the CLI's arguments. */
function cliArgs(fence: Fence): string[] {
  const words = fence.body.trim().split(/\s+/);
  assert.equal(words[0], 'fieldline', `bundle-format.md:${fence.line}: the command must start with "fieldline"`);
  return words.slice(1);
}

describe('docs/bundle-format.md worked example', () => {
  let dir: string;
  let bundle: Buffer;
  let envelopeBytes: Buffer;
  let manifestBytes: Buffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-bundle-doc-'));
    const payload = example('payload');
    const path = payload.attrs.get('path');
    assert.ok(path, 'the payload block names its path');
    await writeFile(join(dir, path), `${payload.body}\n`);
    const template = JSON.parse(example('template').body) as ManifestTemplate & { payloads?: { path: string; target: PayloadTarget }[] };
    await writeFile(join(dir, 'template.json'), example('template').body);
    const { payloads: hints, ...manifestTemplate } = template;
    assert.deepEqual(
      hints?.map((h) => h.path),
      [path],
    );
    await createBundle({
      manifest: manifestTemplate,
      files: (hints ?? []).map((h) => ({ path: h.path, source: join(dir, h.path), target: h.target })),
      out: join(dir, 'library.flb'),
      signers: [identity],
    });
    bundle = await readFile(join(dir, 'library.flb'));
    const { entries } = entriesOf(bundle);
    const first = entries[0]!;
    envelopeBytes = bundle.subarray(first.header + 512, first.header + 512 + first.size);
    const envelope = JSON.parse(envelopeBytes.toString('utf8')) as { payload: string };
    manifestBytes = Buffer.from(envelope.payload, 'base64');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('the bundle the project builds from the documented inputs has the documented SHA-256', () => {
    assert.equal(example('bundle-sha256').body.trim(), `${sha256(bundle)}  hello.flb`);
    assert.match(doc, new RegExp(`The result is ${bundle.length} bytes`));
  });

  test('the documented CLI command makes the same bytes', async () => {
    await mkdir(join(dir, 'resources', 'demo', 'signing-keys'), { recursive: true });
    await copyFile(join(root, DEMO_KEY), join(dir, DEMO_KEY));
    const result = await fieldline(cliArgs(example('create')), dir);
    assert.equal(result.code, 0, result.stderr);
    assert.ok((await readFile(join(dir, 'hello.flb'))).equals(bundle), 'fieldline bundle create output differs from createBundle');
  });

  test('the block layout is the archive the writer produced', () => {
    assert.equal(example('layout').body, layoutOf(bundle));
    const { entries } = entriesOf(bundle);
    assert.deepEqual(
      entries.map((e) => e.name),
      [MANIFEST_ENTRY, 'hello.img'],
    );
  });

  test('the manifest entry header is byte for byte the documented one, zeros after it', () => {
    const shown = parseHexDump(example('manifest-header'));
    const header = bundle.subarray(0, 512);
    assert.ok(header.subarray(0, shown.length).equals(shown), `header differs:\n${hexDump(header.subarray(0, shown.length))}`);
    assert.ok(header.subarray(shown.length).equals(Buffer.alloc(512 - shown.length)), 'the rest of the header must be zero');
    const mtime = Math.floor(Date.parse(JSON.parse(manifestBytes.toString('utf8')).created as string) / 1000);
    assert.ok(tarHeader({ path: MANIFEST_ENTRY, size: envelopeBytes.length, mtime }).equals(header));
  });

  test('the envelope and the manifest are the documented bytes', () => {
    assert.equal(example('envelope').body, envelopeBytes.toString('utf8'));
    assert.equal(example('manifest').body, manifestBytes.toString('utf8'));
    assert.match(doc, new RegExp(`prints the envelope, ${envelopeBytes.length} bytes`));
    assert.match(doc, new RegExp(`the signed manifest, ${manifestBytes.length} bytes`));
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
    assert.ok(Buffer.from(encodeManifest(manifest)).equals(manifestBytes), 'the manifest is encoded as encodeManifest writes it');
    assert.equal(manifest.payloads[0]!.sha256, sha256(Buffer.from(`${example('payload').body}\n`)));
  });

  test('the PAE header, its length and its SHA-256 are the documented ones', () => {
    const bytes = pae(PAYLOAD_TYPE, manifestBytes);
    const head = parseHexDump(example('pae-head'));
    assert.equal(head.length, bytes.length - manifestBytes.length, 'the dump shows exactly the PAE header');
    assert.ok(Buffer.from(bytes.subarray(0, head.length)).equals(head));
    assert.match(
      doc,
      new RegExp(
        `The PAE is ${head.length} header bytes followed by the ${manifestBytes.length} manifest bytes \\(${bytes.length} bytes in all\\)`,
      ),
    );
    assert.ok(
      example('check-output')
        .body.split('\n')
        .includes(`${sha256(bytes)}  pae.bin`),
    );
    assert.match(doc, new RegExp(`every PAE starts with the ${`DSSEv1 ${Buffer.byteLength(PAYLOAD_TYPE)} ${PAYLOAD_TYPE} `.length} bytes`));
  });

  test('the signature is the documented one and verifies with the demo key over the PAE', () => {
    const envelope = JSON.parse(envelopeBytes.toString('utf8')) as { signatures: { keyid: string; sig: string }[] };
    const sig = Buffer.from(envelope.signatures[0]!.sig, 'base64');
    assert.ok(parseHexDump(example('signature')).equals(sig));
    assert.ok(verifyBytes(identity.publicKey, pae(PAYLOAD_TYPE, manifestBytes), sig));
  });

  test('the key id is the SHA-256 of the raw public key, which is the last 32 bytes of the documented PEM', () => {
    const pem = `${example('signer-pem').body}\n`;
    const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' });
    assert.equal(pem, createPublicKey(identity.privateKey).export({ type: 'spki', format: 'pem' }).toString());
    assert.ok(Buffer.from(spki.subarray(spki.length - 32)).equals(Buffer.from(identity.publicKey)));
    assert.equal(toHex(rawPublicKeyOf(createPublicKey(pem))), keyFile.publicKey);
    assert.equal(spki.subarray(0, 12).toString('hex'), '302a300506032b6570032100');
    assert.match(doc, /`30 2a 30 05 06 03 2b 65 70 03 21 00`/);
    const keyId = fingerprint(fromHex(keyFile.publicKey));
    assert.equal(keyId, identity.id);
    assert.match(doc, new RegExp(`key id\\n\`${keyId}\``));
    assert.match(doc, new RegExp(`raw hex \`${keyFile.publicKey}\``));
    assert.equal(
      example('check-output')
        .body.split('\n')
        .filter((l) => l.startsWith(keyId)).length,
      2,
    );
  });

  test("the limits the document states are the code's", () => {
    assert.match(doc, new RegExp(`at most \\*\\*${MAX_MANIFEST_BYTES} bytes\\*\\*`));
    assert.match(doc, new RegExp(`over ${MAX_MANIFEST_BYTES} bytes`));
    assert.match(doc, new RegExp(`MUST be \`${PAYLOAD_TYPE.replace(/[.+]/g, '\\$&')}\``));
  });

  test('every reason code is in the verification table (§7) and the code list (§10)', () => {
    const section = (title: string): string => {
      const start = doc.indexOf(`\n## ${title}`);
      assert.ok(start >= 0, `missing section ${title}`);
      const end = doc.indexOf('\n## ', start + 1);
      return doc.slice(start, end < 0 ? undefined : end);
    };
    const checks = section('7. Verification');
    const codes = section('10. Reason codes');
    for (const code of BUNDLE_REASONS) {
      assert.ok(checks.includes(`\`${code}\``), `§7 does not name ${code}`);
      assert.match(codes, new RegExp(`^\\| \`${code}\` +\\|`, 'm'), `§10 does not list ${code}`);
    }
    const listed = [...codes.matchAll(/^\| `([a-z_]+)` +\|/gm)].map((m) => m[1]);
    assert.deepEqual([...listed].sort(), [...BUNDLE_REASONS].sort(), '§10 lists exactly the codes the verifier has');
  });

  test('tar -tvf shows the documented listing', async (t) => {
    if (!(await haveTools('tar'))) return t.skip('tar is not installed');
    const [command, ...expected] = example('tar-tv').body.split('\n');
    assert.equal(command, '$ TZ=UTC tar -tvf hello.flb');
    const { stdout } = await run('tar', ['-tvf', join(dir, 'library.flb')], { env: { ...process.env, TZ: 'UTC' } });
    assert.equal(stdout.trimEnd(), expected.join('\n'));
  });

  test('the standard-tools verification (tar, jq, base64, sha256sum, openssl) prints the documented output', async (t) => {
    if (!(await haveTools('bash', 'tar', 'jq', 'base64', 'sha256sum', 'openssl', 'awk', 'diff')))
      return t.skip('one of bash, tar, jq, base64, sha256sum, openssl, awk, diff is not installed');
    const work = join(dir, 'manual');
    await mkdir(work);
    await writeFile(join(work, 'hello.flb'), bundle);
    await writeFile(join(work, 'demo-image-signer-1.pub.pem'), `${example('signer-pem').body}\n`);
    await writeFile(join(work, 'check.sh'), `${example('check-script').body}\n`);
    const { stdout } = await run('bash', ['-eu', '-o', 'pipefail', 'check.sh'], { cwd: work, env: { ...process.env, LC_ALL: 'C' } });
    assert.equal(stdout, `${example('check-output').body}\n`);
  });

  test('the same openssl check fails when one manifest byte changes', async (t) => {
    if (!(await haveTools('openssl'))) return t.skip('openssl is not installed');
    const work = join(dir, 'tampered');
    await mkdir(work);
    const altered = Buffer.from(pae(PAYLOAD_TYPE, manifestBytes));
    altered[altered.length - 3] = altered[altered.length - 3]! ^ 0x01;
    await writeFile(join(work, 'pae.bin'), altered);
    await writeFile(join(work, 'sig.bin'), parseHexDump(example('signature')));
    await writeFile(join(work, 'key.pem'), `${example('signer-pem').body}\n`);
    await assert.rejects(
      run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'key.pem', '-rawin', '-in', 'pae.bin', '-sigfile', 'sig.bin'], {
        cwd: work,
      }),
    );
  });

  test('fieldline bundle verify prints the documented checks and exits 0', async () => {
    const work = join(dir, 'cli');
    await mkdir(work);
    await writeFile(join(work, 'hello.flb'), bundle);
    const result = await fieldline(cliArgs(example('cli-verify')), work);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${example('cli-verify-output').body}\n`);
  });
});
