/**
 * The command line in a passphrase-sealed folder (the real `fieldline` process): refused with
 * keys_locked and the fix without the passphrase, working with FIELDLINE_PASSPHRASE, and a wrong
 * one is said to be wrong. The keys stay sealed throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { passphraseKeySession } from '../../core/secrets/key-session.js';
import { parseServeArgs } from '../../cli/serve/serve-args.js';

const REPO = resolve(import.meta.dirname, '..', '..');
const P = 'copper kettle under stairs';

function fieldline(args: string[], env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'FIELDLINE_PASSPHRASE')) as Record<string, string>;
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: REPO,
    env: { ...base, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

test('CLI commands in a passphrase folder: keys_locked without it, work with FIELDLINE_PASSPHRASE', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-secrets-cli-'));
  try {
    await passphraseKeySession(dir).setPassphrase(undefined, P);
    const locked = fieldline(['profile', 'create', '--name', 'Ada', '--organisation', 'Grid Co', '--data-dir', dir]);
    assert.notEqual(locked.code, 0);
    assert.match(locked.err, /keys are locked/);
    assert.match(locked.err, /FIELDLINE_PASSPHRASE/);

    const wrong = fieldline(['profile', 'create', '--name', 'Ada', '--organisation', 'Grid Co', '--data-dir', dir], {
      FIELDLINE_PASSPHRASE: 'not it at all',
    });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.err, /not the one these keys were sealed with/);

    const created = fieldline(['profile', 'create', '--name', 'Ada', '--organisation', 'Grid Co', '--data-dir', dir], {
      FIELDLINE_PASSPHRASE: P,
    });
    assert.equal(created.code, 0, created.err);
    assert.equal(existsSync(join(dir, 'technician-key.locked')), true);
    assert.equal(existsSync(join(dir, 'technician-key.pem')), false, 'the new key is sealed, not written in clear');
    const shown = fieldline(['profile', 'show', '--data-dir', dir]);
    assert.match(shown.out, /Ada \(Grid Co\)/, 'the profile itself is not secret');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`fieldline serve --passphrase` is parsed; without it the option is absent', () => {
  const on = parseServeArgs(['--passphrase', '--no-open']);
  assert.ok(on.ok && on.options.passphrase === true);
  const off = parseServeArgs(['--no-open']);
  assert.ok(off.ok && off.options.passphrase === undefined);
});
