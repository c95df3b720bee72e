/**
 * Crash safety: the engine is killed with SIGKILL while it appends (each append its own
 * transaction); after a restart every entry it reported committed is there and the chain
 * verifies, three times in a row on the same file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuditDb } from '../../core/audit/audit-db.js';
import { fileKeyVault } from '../../core/audit/audit-key.js';
import { AuditLog } from '../../core/audit/audit-log.js';
import { verifyAuditDb } from '../../core/audit/verify-db.js';

const root = join(import.meta.dirname, '..', '..');
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fl-audit-crash-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the append loop until it reported `atLeast` more commits, then kills it with SIGKILL. */
async function appendThenKill(atLeast: number): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'helpers', 'audit-append-loop.ts'), dir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const committed: number[] = [];
  let partial = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the child committed only ${committed.length} entries in 120 s`)), 120_000);
    child.on('exit', (code) => reject(new Error(`the child exited early (${code})`)));
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (/^\d+$/.test(line)) committed.push(Number(line));
      if (committed.length >= atLeast) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  return committed;
}

describe('audit log crash safety', () => {
  test('every committed entry survives SIGKILL, and the chain verifies after each restart', async () => {
    let total = 0;
    for (let round = 1; round <= 3; round++) {
      const committed = await appendThenKill(400);
      const db = openAuditDb(dir);
      try {
        const report = verifyAuditDb(db);
        assert.equal(report.ok, true, `round ${round}: ${JSON.stringify(report.firstBad)}`);
        const stored = new Set((db.prepare('SELECT seq FROM audit_entries').all() as { seq: number }[]).map((r) => r.seq));
        const lost = committed.filter((seq) => !stored.has(seq));
        assert.deepEqual(lost, [], `round ${round}: entries reported committed are missing`);
        assert.ok(report.head!.seq >= Math.max(...committed));
        assert.ok(report.head!.seq > total, 'the new run continued the chain');
        total = report.head!.seq;
        // The restarted engine continues where the killed one stopped.
        const log = new AuditLog(db, fileKeyVault(dir).load());
        assert.equal(log.head().seq, total);
        assert.equal(log.get(1)!.action, 'audit.log-created');
      } finally {
        db.close();
      }
    }
    assert.ok(total >= 1200);
  });
});
