/**
 * docs/audit-format.md cannot drift from the code: every hash and signature of its worked example
 * is recomputed with core/audit from the document's own inputs (an RFC 8032 test key), its export
 * file is read by readExport, and its field table lists exactly the schema's members.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '../../core/audit/canonical.js';
import { checkCheckpoint } from '../../core/audit/checkpoint.js';
import { auditEntrySchema, entryHash, GENESIS_PREV, parseEntry } from '../../core/audit/entry.js';
import { sealCanonical } from '../../core/audit/entry-seal.js';
import { readExport } from '../../core/audit/export-file.js';
import { verifyChain } from '../../core/audit/verify.js';
import { fingerprint, identityFromPem, signBytes, toHex, verifyBytes } from '../../core/protocol/identity.js';
import { fences, type Fence } from '../helpers/markdown-fences.js';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'audit-format.md'), 'utf8');
const all = fences(doc, 'audit-format.md');
function example(name: string): Fence {
  const found = all.filter((f) => f.attrs.get('example') === name);
  assert.equal(found.length, 1, `audit-format.md must have exactly one block with example=${name}`);
  return found[0]!;
}
const text = (name: string): string => example(name).body.trim();
const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

const key = identityFromPem(`${text('key-pem')}\n`);
/** RFC 8032, section 7.1, TEST 1: the public key of the document's secret key. */
const RFC8032_TEST1_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';

describe('docs/audit-format.md worked example', () => {
  test('the key is RFC 8032 test 1; the log id is the SHA-256 of its public key', () => {
    assert.equal(toHex(key.publicKey), RFC8032_TEST1_PUBLIC);
    assert.equal(text('public-key'), RFC8032_TEST1_PUBLIC);
    assert.equal(text('log-id'), fingerprint(key.publicKey));
  });

  test('entry 2 as built encodes to the canonical text shown', () => {
    const input = JSON.parse(example('entry-2-input').body) as unknown;
    assert.equal(canonicalJson(input), text('entry-2-canonical'));
  });

  test('every entry hash is the SHA-256 of its canonical text, and the entries chain', () => {
    let prev = GENESIS_PREV;
    for (const i of [1, 2, 3]) {
      const canonical = text(`entry-${i}-canonical`);
      const hash = text(`entry-${i}-hash`);
      const body = JSON.parse(canonical) as Record<string, unknown>;
      assert.equal(canonicalJson(body), canonical, `entry ${i}: the text shown is canonical`);
      assert.equal(sha256(Buffer.from(canonical, 'utf8')), hash, `entry ${i}: hash`);
      const parsed = parseEntry({ ...body, hash });
      assert.ok(parsed.ok, `entry ${i}: ${parsed.ok ? '' : parsed.reason}`);
      assert.equal(entryHash(parsed.entry), hash);
      assert.equal(parsed.entry.prev, prev, `entry ${i}: prev`);
      assert.equal(parsed.entry.log, text('log-id'));
      const { hash: _h, ...unsigned } = parsed.entry;
      assert.equal(sealCanonical(unsigned).text, canonicalJson(parsed.entry), 'the stored form is canonical JSON with hash');
      prev = hash;
    }
  });

  test('the checkpoint signature is Ed25519 over the canonical text shown, by the example key', () => {
    const canonical = text('checkpoint-canonical');
    const signature = text('checkpoint-signature');
    assert.equal(toHex(signBytes(key, Buffer.from(canonical, 'utf8'))), signature, 'Ed25519 is deterministic');
    const checkpoint = { ...(JSON.parse(canonical) as object), signature };
    const check = checkCheckpoint(checkpoint, text('log-id'));
    assert.ok(check.ok, check.ok ? '' : check.reason);
    assert.equal(check.checkpoint.head, text('entry-3-hash'));
    assert.equal(check.checkpoint.seq, 3);
  });

  test('the export file: its digest and signature verify, readExport accepts it, the chain and checkpoint match', async () => {
    const file = `${example('export').body}\n`;
    const lines = file.split('\n').slice(0, -1);
    assert.equal(lines.length, 6);
    const before = file.slice(0, file.length - lines[5]!.length - 1);
    const trailer = JSON.parse(lines[5]!) as { sha256: string; signature: string };
    assert.equal(trailer.sha256, sha256(Buffer.from(before, 'utf8')));
    assert.ok(verifyBytes(key.publicKey, Buffer.from(trailer.sha256, 'hex'), Buffer.from(trailer.signature, 'hex')));
    assert.equal(toHex(signBytes(key, Buffer.from(trailer.sha256, 'hex'))), trailer.signature);
    for (const i of [1, 2, 3]) {
      const entry = JSON.parse(lines[i]!) as { hash: string };
      assert.equal(entry.hash, text(`entry-${i}-hash`));
      const { hash: _h, ...body } = entry;
      assert.equal(canonicalJson(body), text(`entry-${i}-canonical`));
    }
    assert.equal(
      lines[4],
      canonicalJson({ ...(JSON.parse(text('checkpoint-canonical')) as object), signature: text('checkpoint-signature') }),
    );
    assert.equal(
      verifyChain(
        lines.slice(1, 4).map((l) => JSON.parse(l) as unknown),
        { checkpoints: [{ source: 'the document', checkpoint: JSON.parse(lines[4]!) }] },
      ).ok,
      true,
    );

    const dir = mkdtempSync(join(tmpdir(), 'fl-audit-doc-'));
    try {
      writeFileSync(join(dir, 'example.fieldline-audit.jsonl'), file);
      const read = await readExport(join(dir, 'example.fieldline-audit.jsonl'));
      assert.deepEqual([read.header.first, read.header.last, read.header.count, read.sha256], [1, 3, 3, trailer.sha256]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the field table lists exactly the members of an entry', () => {
    const section = doc.slice(doc.indexOf('## 2. Entry'), doc.indexOf('## 3. Canonical encoding'));
    const documented = [...section.matchAll(/^\| `([a-z]+)`/gm)].map((m) => m[1]);
    assert.deepEqual(documented.sort(), Object.keys(auditEntrySchema.shape).sort());
  });

  test('the upload section is left for the sync specification', () => {
    assert.match(doc, /^## 10\. Upload batches and receiver answers$/m);
  });
});
