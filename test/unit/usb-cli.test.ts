import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

async function fieldline(dataDir: string, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), ...args], {
      cwd: root,
      env: { ...process.env, FIELDLINE_DATA_DIR: dataDir },
      timeout: 60_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

// This runs the real `usb` adapter. On machines without a USB bus (CI, containers) it must say so
// in one line and succeed; on a machine with one it must list it.
const hasUsbBus = existsSync('/sys/bus/usb/devices');

describe('fieldline usb list', () => {
  test(
    'without a USB bus: one clear line, exit 0; --json says the same',
    { skip: hasUsbBus ? 'this machine has a USB bus' : false },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'fl-usb-cli-'));
      try {
        const text = await fieldline(dataDir, 'usb', 'list');
        assert.equal(text.code, 0, text.stderr);
        assert.match(text.stdout, /^no USB access on this machine: .+\n$/);
        const json = await fieldline(dataDir, 'usb', 'list', '--json');
        assert.equal(json.code, 0, json.stderr);
        const parsed = JSON.parse(json.stdout) as { ok: boolean; reason: string; devices: unknown[] };
        assert.equal(parsed.ok, false);
        assert.match(parsed.reason, /^no USB access on this machine: /);
        assert.deepEqual(parsed.devices, []);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );

  test('a broken user catalog entry is named on stderr and does not stop the listing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fl-usb-cli-'));
    try {
      writeFileSync(join(dataDir, 'usb-catalog.json'), JSON.stringify({ version: 1, entries: [{ id: 'mine', vendorId: 'xyz' }] }));
      const out = await fieldline(dataDir, 'usb', 'list');
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stderr, /usb catalog: .*usb-catalog\.json: entry 0 \("mine"\): vendorId: a USB id is 4 lowercase hex digits/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a wrong subcommand is a usage error', async () => {
    const out = await fieldline(tmpdir(), 'usb', 'frobnicate');
    assert.equal(out.code, 2);
    assert.match(out.stderr, /usb: unknown subcommand "frobnicate"/);
  });
});
