/**
 * The sneakernet file: write → read round trip (whole log and a range), and a tampered file is
 * refused with the line number and the reason: an edited entry, a dropped line, a bad trailer,
 * a cut-off file, CRLF endings. A failed export leaves no file behind.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openAuditDb, type Db } from '../../core/audit/audit-db.js';
import { AuditLog } from '../../core/audit/audit-log.js';
import { canonicalJson } from '../../core/audit/canonical.js';
import { sealEntry, type AuditEntry } from '../../core/audit/entry.js';
import { ExportFileError, readExport, writeExport } from '../../core/audit/export-file.js';
import { generateIdentity } from '../../core/protocol/identity.js';

let dir: string;
let db: Db;
let log: AuditLog;
let whole: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fl-audit-export-'));
  db = openAuditDb(dir);
  log = new AuditLog(db, generateIdentity());
  for (let i = 0; i < 30; i++)
    log.result(log.intent({ action: 'flash.install', device: `gw-${i % 3}`, params: { i, note: 'ünïcødé ✓' } }), i % 7 ? 'ok' : 'failed');
  log.appendMany(Array.from({ length: 3000 }, (_, i) => ({ action: 'bench.run', params: { i } })));
  whole = join(dir, 'whole.fieldline-audit.jsonl');
  await writeExport(log, whole);
});
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function entriesOf(file: string): Promise<AuditEntry[]> {
  const read = await readExport(file);
  const out: AuditEntry[] = [];
  for await (const e of read.entries()) out.push(e);
  return out;
}

async function refused(file: string, line: number, reason: RegExp): Promise<void> {
  await assert.rejects(readExport(file), (err: unknown) => {
    assert.ok(err instanceof ExportFileError, String(err));
    assert.equal(err.line, line, err.message);
    assert.match(err.reason, reason);
    return true;
  });
}

function tampered(name: string, edit: (lines: string[]) => string[]): string {
  const lines = readFileSync(whole, 'utf8').split('\n');
  lines.pop(); // the final newline
  const file = join(dir, `${name}.fieldline-audit.jsonl`);
  writeFileSync(file, `${edit(lines).join('\n')}\n`);
  return file;
}

describe('audit export file', () => {
  test('round trip: header, every entry in order, the checkpoint for the last one', async () => {
    const read = await readExport(whole);
    const head = log.head();
    assert.deepEqual(
      { first: read.header.first, last: read.header.last, count: read.header.count },
      { first: 1, last: head.seq, count: head.seq },
    );
    assert.equal(read.header.log, log.logId);
    assert.equal(read.checkpoint.seq, head.seq);
    assert.equal(read.checkpoint.head, head.hash);
    assert.equal(read.report.ok, true);
    const entries = await entriesOf(whole);
    assert.equal(entries.length, head.seq);
    assert.deepEqual(entries[41], log.get(42));
    const text = readFileSync(whole, 'utf8');
    assert.equal(text.split('\n').length, head.seq + 4, 'header + entries + checkpoint + trailer + final newline');
  });

  test('a range exports #first..#last with a checkpoint for #last', async () => {
    const file = join(dir, 'range.fieldline-audit.jsonl');
    assert.deepEqual(await writeExport(log, file, { first: 50, last: 1999 }), { first: 50, last: 1999, count: 1950 });
    const read = await readExport(file);
    assert.equal(read.checkpoint.seq, 1999);
    const entries = await entriesOf(file);
    assert.deepEqual([entries[0]!.seq, entries.at(-1)!.seq], [50, 1999]);
    await assert.rejects(writeExport(log, file, { first: 10, last: 1_000_000 }), /there are no entries #10–#1000000/);
  });

  test('an edited entry is refused at its line', async () => {
    await refused(
      tampered('edited', (l) => l.map((line, i) => (i === 10 ? line.replace('"i":4', '"i":5') : line))),
      11,
      /^#10: hash does not match its content \(edited\)$/,
    );
    // Re-hashed, so the entry itself is consistent: the next one no longer links to it.
    const e = JSON.parse(readFileSync(whole, 'utf8').split('\n')[10]!) as AuditEntry;
    await refused(
      tampered('rehashed', (l) => l.map((line, i) => (i === 10 ? canonicalJson(sealEntry({ ...e, params: { i: 99 } })) : line))),
      12,
      /^#11: prev does not link to #10/,
    );
    await refused(
      tampered('spaced', (l) => l.map((line, i) => (i === 10 ? line.replace(',"log"', ', "log"') : line))),
      11,
      /not in canonical form/,
    );
  });

  test('a dropped, a swapped or an extra line is refused', async () => {
    await refused(
      tampered('dropped', (l) => l.filter((_, i) => i !== 20)),
      21,
      /^#20 missing \(deleted\)$/,
    );
    await refused(
      tampered('swapped', (l) => {
        const out = [...l];
        [out[5], out[6]] = [out[6]!, out[5]!];
        return out;
      }),
      6,
      /missing \(deleted\)|reordered/,
    );
    await refused(
      tampered('not-json', (l) => l.map((line, i) => (i === 3 ? line.slice(0, -1) : line))),
      4,
      /^not JSON:/,
    );
    await refused(
      tampered('empty-line', (l) => [...l.slice(0, 3), '', ...l.slice(3)]),
      4,
      /^empty line$/,
    );
  });

  test('a bad trailer, a cut-off file and CRLF endings are refused', async () => {
    const lines = readFileSync(whole, 'utf8').split('\n');
    const last = lines.length - 1; // the trailer's line number (1-based) is lines.length - 1
    await refused(
      tampered('bad-signature', (l) =>
        l.map((line, i) =>
          i === l.length - 1 ? line.replace(/"signature":"(.)/, (_m, c: string) => `"signature":"${c === '0' ? '1' : '0'}`) : line,
        ),
      ),
      last,
      /signature does not verify/,
    );
    await refused(
      tampered('bad-digest', (l) =>
        l.map((line, i) =>
          i === l.length - 1 ? line.replace(/"sha256":"(.)/, (_m, c: string) => `"sha256":"${c === '0' ? '1' : '0'}`) : line,
        ),
      ),
      last,
      /SHA-256 in the signature line does not match/,
    );
    await refused(
      tampered('no-trailer', (l) => l.slice(0, -1)),
      last - 1,
      /without the signature line: it is incomplete/,
    );
    await refused(
      tampered('no-checkpoint', (l) => l.slice(0, -2)),
      last - 2,
      /ends without the checkpoint/,
    );
    const cut = join(dir, 'cut.fieldline-audit.jsonl');
    writeFileSync(cut, readFileSync(whole).subarray(0, 5000));
    await assert.rejects(
      readExport(cut),
      (err: unknown) => err instanceof ExportFileError && /does not end with "\\n": the file is cut off/.test(err.reason),
    );
    const crlf = join(dir, 'crlf.fieldline-audit.jsonl');
    writeFileSync(crlf, readFileSync(whole, 'utf8').replace(/\n/g, '\r\n'));
    await refused(crlf, 1, /"\\r\\n"/);
  });

  test('a broken log is not exported, and no file (or temporary file) is left behind', async () => {
    const bdir = mkdtempSync(join(tmpdir(), 'fl-audit-export-broken-'));
    try {
      const bdb = openAuditDb(bdir);
      const key = generateIdentity();
      const blog = new AuditLog(bdb, key);
      for (let i = 0; i < 10; i++) blog.event({ action: 'discovery.scan', params: { i } });
      bdb.close();
      const raw = new Database(join(bdir, 'audit.db'));
      raw.exec('DROP TRIGGER audit_entries_no_delete');
      raw.prepare('DELETE FROM audit_entries WHERE seq = 4').run();
      raw.close();
      const again = openAuditDb(bdir);
      const out = join(bdir, 'out');
      await assert.rejects(
        writeExport(new AuditLog(again, key), `${out}.fieldline-audit.jsonl`),
        /the audit log is broken at #4 \(#4 missing \(deleted\)\)/,
      );
      again.close();
      assert.deepEqual(
        readdirSync(bdir).filter((f) => f.startsWith('out')),
        [],
      );
    } finally {
      rmSync(bdir, { recursive: true, force: true });
    }
  });
});
