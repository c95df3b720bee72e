/**
 * The CLI's passphrase prompt in a real terminal (a pty from Python's pty module): nothing typed
 * is echoed, a wrong passphrase is said to be wrong and asked again, the right one unlocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { passphraseKeySession } from '../../core/secrets/key-session.js';

const REPO = resolve(import.meta.dirname, '..', '..');
const P = 'copper kettle under stairs';

/** Runs `argv` on a pty; answers each prompt with the next of `answers`; returns all output. */
const PTY_DRIVER = `
import os, pty, sys, json, select
argv, answers = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out = b''
asked = 0
while True:
    r, _, _ = select.select([fd], [], [], 60)
    if not r: break
    try: chunk = os.read(fd, 4096)
    except OSError: break
    if not chunk: break
    out += chunk
    if out.count(b'Passphrase for') > asked and answers and out.endswith(b': '):
        asked += 1
        os.write(fd, answers.pop(0).encode() + b'\\r')
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(status))
`;

test('the terminal prompt echoes nothing, says a wrong passphrase is wrong, and unlocks with the right one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-secrets-prompt-'));
  try {
    await passphraseKeySession(dir).setPassphrase(undefined, P);
    const driver = join(dir, 'driver.mts');
    writeFileSync(
      driver,
      `import { unlockKeysForCli } from ${JSON.stringify(join(REPO, 'cli', 'unlock-keys.js'))};
import { keyVaultFor } from ${JSON.stringify(join(REPO, 'core', 'audit', 'audit-key.js'))};
await unlockKeysForCli(['--data-dir', ${JSON.stringify(dir)}], { stdin: process.stdin, stderr: process.stderr, env: {} });
process.stderr.write('unlocked audit key ' + keyVaultFor(${JSON.stringify(dir)}).load().id.slice(0, 12) + '\\n');
`,
    );
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'FIELDLINE_PASSPHRASE'));
    const run = spawnSync(
      'python3',
      ['-c', PTY_DRIVER, JSON.stringify([process.execPath, '--import', 'tsx', driver]), JSON.stringify(['not the passphrase', P])],
      { cwd: REPO, env, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const out = run.stdout;
    assert.equal(out.match(/Passphrase for your Fieldline keys:/g)?.length, 2, out);
    assert.match(out, /not the one these keys were sealed with/);
    assert.match(out, /unlocked audit key [0-9a-f]{12}/);
    assert.doesNotMatch(out, /copper|not the passphrase/, `nothing typed is echoed: ${JSON.stringify(out)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
