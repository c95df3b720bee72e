/**
 * `fieldline audit list | verify | export` as a technician or a script runs them, on a real
 * data folder (audit.db + audit-key.pem), including a log tampered behind the triggers' back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { openAuditDb } from '../../core/audit/audit-db.js';
import { fileKeyVault } from '../../core/audit/audit-key.js';
import { AuditLog } from '../../core/audit/audit-log.js';
import type { AuditEntry } from '../../core/audit/entry.js';
import type { ChainReport } from '../../core/audit/verify.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

async function fieldline(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), ...args], {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let dir: string;
let dataDir: string;
let head: number;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fl-audit-cli-'));
  dataDir = join(dir, 'data');
  const db = openAuditDb(dataDir);
  const log = new AuditLog(db, fileKeyVault(dataDir).load(), { now: () => Date.parse('2026-03-01T10:00:00Z') });
  for (let i = 0; i < 12; i++) {
    const intent = log.intent({ action: 'flash.install', device: `gw-${i % 2}`, technician: { keyId: 'a'.repeat(64), name: 'Ana' } });
    log.result(intent, i === 5 ? 'failed' : 'ok', {}, i === 5 ? { code: 'health_failed', message: 'no answer' } : null);
  }
  log.event({ action: 'discovery.scan', params: { found: 2 }, result: 'ok' });
  head = log.head().seq;
  db.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('fieldline audit', () => {
  test('list: newest first, filtered, as a table or JSON', async () => {
    const table = await fieldline(['audit', 'list', '--data-dir', dataDir, '--limit', '3']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0]!, /^SEQ\s+TIME \(UTC\)\s+ACTION\s+PHASE\s+RESULT\s+DEVICE\s+TECHNICIAN$/);
    assert.match(lines[2]!, new RegExp(`^#${head}\\s+2026-03-01 10:00:00\\s+discovery.scan\\s+event\\s+ok`));
    assert.equal(lines.length, 5);

    const failed = await fieldline(['audit', 'list', '--data-dir', dataDir, '--result', 'failed', '--json']);
    const entries = JSON.parse(failed.stdout) as AuditEntry[];
    assert.deepEqual(
      entries.map((e) => [e.action, e.phase, e.error?.code]),
      [['flash.install', 'result', 'health_failed']],
    );
    const device = JSON.parse(
      (await fieldline(['audit', 'list', '--device', 'gw-1', '--action', 'flash', '--json'], { FIELDLINE_DATA_DIR: dataDir })).stdout,
    ) as AuditEntry[];
    assert.equal(device.length, 12);
    const later = JSON.parse(
      (await fieldline(['audit', 'list', '--data-dir', dataDir, '--since', '2026-03-02T00:00:00Z', '--json'])).stdout,
    ) as AuditEntry[];
    assert.deepEqual(later, []);

    const bad = await fieldline(['audit', 'list', '--data-dir', dataDir, '--result', 'maybe']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--result must be ok, failed, refused or cancelled, got "maybe"/);
    const none = await fieldline(['audit', 'list', '--data-dir', join(dir, 'empty')]);
    assert.match(none.stdout, /No audit entries yet in/);
  });

  test('export writes a signed file that verify --file accepts, and refuses once edited (exit 1, line named)', async () => {
    const out = join(dir, 'x.fieldline-audit.jsonl');
    const exported = await fieldline(['audit', 'export', '--data-dir', dataDir, '--from', '3', '--to', '20', '--out', out, '--json']);
    assert.equal(exported.code, 0, exported.stderr);
    assert.deepEqual(JSON.parse(exported.stdout), {
      file: out,
      log: JSON.parse(readFileSync(out, 'utf8').split('\n')[0]!).log,
      first: 3,
      last: 20,
      count: 18,
    });
    const ok = await fieldline(['audit', 'verify', '--file', out]);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    assert.match(
      ok.stdout,
      /✓ x.fieldline-audit.jsonl: signed export of log [0-9a-f]{16}…, entries #3–#20 \(18\), chain and checkpoint verified/,
    );

    const lines = readFileSync(out, 'utf8').split('\n');
    lines[4] = lines[4]!.replace('"gw-0"', '"gw-9"');
    writeFileSync(out, lines.join('\n'));
    const broken = await fieldline(['audit', 'verify', '--file', out, '--json']);
    assert.equal(broken.code, 1);
    assert.deepEqual(JSON.parse(broken.stdout), { ok: false, file: out, line: 5, reason: '#6: hash does not match its content (edited)' });

    const range = await fieldline(['audit', 'export', '--data-dir', dataDir, '--from', '5', '--to', '9999']);
    assert.equal(range.code, 2);
    assert.match(range.stderr, /there are no entries #5–#9999: the log holds #1–#\d+/);
  });

  test('verify: exit 0 on an intact log; exit 1 naming the first bad seq once an entry is deleted', async () => {
    const ok = await fieldline(['audit', 'verify', '--data-dir', dataDir]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^✓ verified: \d+ entries, head #\d+ [0-9a-f]{16}…, \d+ checkpoint\(s\) match/);

    const raw = new Database(join(dataDir, 'audit.db'));
    raw.exec('DROP TRIGGER audit_entries_no_delete');
    raw.prepare('DELETE FROM audit_entries WHERE seq = 7').run();
    raw.close();
    const broken = await fieldline(['audit', 'verify', '--data-dir', dataDir]);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /^✗ broken at #7: #7 missing \(deleted\)/);
    const json = JSON.parse((await fieldline(['audit', 'verify', '--data-dir', dataDir, '--json'])).stdout) as ChainReport;
    assert.deepEqual([json.ok, json.firstBad], [false, { seq: 7, reason: '#7 missing (deleted)' }]);
  });
});
