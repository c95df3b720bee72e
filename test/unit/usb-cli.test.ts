import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { runUsb, type UsbListSources } from '../../cli/commands/usb.js';
import { recordedSysfs, type ListedSerialPort } from '../../core/discovery/usb/link.js';
import { ReplayUsbAdapter } from '../../core/discovery/usb/replay-adapter.js';

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

describe('fieldline discover --usb', () => {
  test(
    'adds the USB survey: a USB section for people, {devices, usb} for scripts',
    { skip: hasUsbBus ? 'this machine has a USB bus' : false },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'fl-usb-cli-'));
      try {
        const text = await fieldline(dataDir, 'discover', '--usb', '--timeout', '1', '--interfaces', 'lo');
        assert.equal(text.code, 0, text.stderr);
        assert.match(text.stdout, /\nUSB\nno USB access on this machine: .+\n$/);
        const json = await fieldline(dataDir, 'discover', '--usb', '--json', '--timeout', '1', '--interfaces', 'lo');
        const parsed = JSON.parse(json.stdout) as { devices: unknown[]; usb: { ok: boolean } };
        assert.ok(Array.isArray(parsed.devices));
        assert.equal(parsed.usb.ok, false);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});

describe('fieldline usb list over a replayed bus', () => {
  const fixtures = join(root, 'test', 'fixtures', 'usb');
  const sources = (): UsbListSources => ({
    adapter: ReplayUsbAdapter.fromFiles(
      ['ftdi-ft232r', 'silabs-cp2102', 'jetson-l4t-devmode', 'jetson-orin-nano-recovery'].map((n) => join(fixtures, `${n}.json`)),
    ),
    listPorts: async () =>
      (JSON.parse(readFileSync(join(fixtures, 'serialport-list.json'), 'utf8')) as { ports: ListedSerialPort[] }).ports,
    sysfs: recordedSysfs(
      JSON.parse(readFileSync(join(fixtures, 'sysfs-tree.json'), 'utf8')) as {
        dirs: Record<string, string[]>;
        links: Record<string, string>;
      },
    ),
  });

  async function captured(run: () => Promise<number>): Promise<{ code: number; out: string }> {
    const write = process.stdout.write.bind(process.stdout);
    let out = '';
    process.stdout.write = ((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    try {
      return { code: await run(), out };
    } finally {
      process.stdout.write = write;
    }
  }

  test('each device with the serial ports and network interfaces it is reachable as', async () => {
    const text = await captured(() => runUsb(['list'], sources()));
    assert.equal(text.code, 0);
    assert.match(text.out, /reachable as serial \/dev\/ttyUSB0/);
    assert.match(text.out, /reachable as .*network usb\d/);
    const json = await captured(() => runUsb(['list', '--json'], sources()));
    const parsed = JSON.parse(json.out) as {
      ok: boolean;
      devices: { vendorId: string; serialPorts: { path: string; by: string }[]; networkInterfaces: { name: string }[] }[];
    };
    assert.equal(parsed.ok, true);
    const ftdi = parsed.devices.find((d) => d.vendorId === '0403');
    assert.deepEqual(
      ftdi?.serialPorts.map((p) => [p.path, p.by]),
      [['/dev/ttyUSB0', 'bus-path']],
    );
    const jetson = parsed.devices.find((d) => d.vendorId === '0955' && d.networkInterfaces.length > 0);
    assert.ok(jetson, 'the Jetson in device mode is reachable over its USB network interface');
  });
});
