/**
 * Offline for a long time: 100,000 queued entries upload with bounded memory. The uploader reads
 * one batch at a time from audit.db, so the live heap during the upload stays near where it
 * started; loading the log whole would hold well over 100 MB of entry objects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const MIB = 1024 * 1024;

test('100,000 queued entries upload with bounded memory, every entry held once', () => {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, '..', 'helpers', 'audit-upload-memory-child.ts'), '100000'],
    {
      encoding: 'utf8',
      timeout: 10 * 60_000,
    },
  );
  assert.equal(child.status, 0, child.stderr);
  const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
    ok: boolean;
    total: number;
    held: number;
    gaps: number;
    batches: number;
    baseline: number;
    peak: number;
  };
  assert.equal(result.ok, true);
  assert.equal(result.held, 100_000);
  assert.equal(result.gaps, 0);
  assert.equal(result.batches, 200);
  const growth = result.peak - result.baseline;
  assert.ok(growth < 32 * MIB, `live heap grew by ${(growth / MIB).toFixed(1)} MiB during the upload (bound: 32 MiB)`);
});
