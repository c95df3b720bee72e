/**
 * The `fieldline` command as a technician or a script runs it, against real emulated gateways.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmulation, type Emulation } from '../../agent/emulate.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const UDP_PORT = 30000 + (process.pid % 20000);

async function fieldline(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), ...args], {
      cwd: root,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('fieldline CLI against three emulated gateways (two LAN, one serial pty)', () => {
  let dir: string;
  let emulation: Emulation;
  let serialPort: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-cli-'));
    emulation = await startEmulation({
      count: 3,
      serialGateways: 1,
      baseDir: join(dir, 'gw'),
      host: '127.0.0.1',
      interfaces: ['127.0.0.1'],
      udpPort: UDP_PORT,
    });
    serialPort = emulation.gateways.find((g) => g.serial)!.serial!.clientPath;
  });
  after(async () => {
    await emulation?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('discover --json lists all three with their transports', async () => {
    const { code, stdout } = await fieldline([
      'discover',
      '--json',
      '--timeout',
      '3',
      '--interfaces',
      'lo',
      '--udp-port',
      String(UDP_PORT),
      '--serial',
      serialPort,
    ]);
    assert.equal(code, 0);
    const devices = (
      JSON.parse(stdout) as { id: string; name: string; model: string; firmware: string; paths: { transport: string }[] }[]
    ).filter((d) => emulation.gateways.some((g) => g.agent.id === d.id));
    assert.equal(devices.length, 3);
    for (const d of devices) assert.ok(d.name && d.model && d.firmware);
    const transports = devices.map((d) => [...new Set(d.paths.map((p) => p.transport))].join('+')).sort();
    assert.deepEqual(transports, ['serial', 'tcp', 'tcp']);
  });

  test('discover prints a table for people', async () => {
    const { code, stdout } = await fieldline(['discover', '--timeout', '2', '--interfaces', 'lo', '--udp-port', String(UDP_PORT)]);
    assert.equal(code, 0);
    assert.match(stdout, /NAME\s+MODEL\s+FIRMWARE\s+VIA/);
    for (const g of emulation.gateways.filter((g) => !g.serial)) assert.match(stdout, new RegExp(g.agent.name));
  });

  test('info by address and by serial port prints the verified descriptor', async () => {
    const lan = emulation.gateways.find((g) => !g.serial)!.agent;
    const byAddress = await fieldline(['info', `127.0.0.1:${lan.tcpPort}`, '--json', '--data-dir', join(dir, 'app')]);
    assert.equal(byAddress.code, 0, byAddress.stderr);
    assert.equal((JSON.parse(byAddress.stdout) as { id: string }).id, lan.id);
    const bySerial = await fieldline(['info', serialPort, '--data-dir', join(dir, 'app')]);
    assert.equal(bySerial.code, 0, bySerial.stderr);
    assert.match(bySerial.stdout, /reached via serial:/);
  });

  test('info by id prefix finds the gateway through discovery', async () => {
    const lan = emulation.gateways.find((g) => !g.serial)!.agent;
    const { code, stdout, stderr } = await fieldline([
      'info',
      lan.id.slice(0, 10),
      '--interfaces',
      'lo',
      '--udp-port',
      String(UDP_PORT),
      '--data-dir',
      join(dir, 'app'),
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(lan.id));
  });

  test('mistakes get a specific message and a non-zero exit', async () => {
    const bad = await fieldline(['info', 'http://nope/']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /neither a host\[:port\] nor a serial port path/);
    const refused = await fieldline(['info', '127.0.0.1:1', '--data-dir', join(dir, 'app')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refused the connection[\s\S]*what to do:/);
    const unknown = await fieldline(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
  });
});
