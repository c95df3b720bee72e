/**
 * `fieldline agent --emulate N --serial-gateways K`: a fleet of real agents with distinct
 * identities, one behind a socat pty, all trusting the demo technician, stopped cleanly.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { runAgentCommand } from '../../agent/cli.js';
import { AgentUsageError } from '../../agent/cli-args.js';
import { loadDemoTechnician } from '../../agent/demo-technician.js';
import { authenticate, hello } from '../../core/protocol/client-session.js';
import { FgpPeer } from '../../core/protocol/peer.js';
import { closeSerial, openSerial } from '../../core/transport/serial.js';
import { openTcp } from '../../core/transport/tcp.js';

interface Started {
  baseDir: string;
  agents: {
    id: string;
    name: string;
    model: string;
    serialNumber: string;
    firmware: string;
    tcp: { host: string; port: number; tls: boolean } | null;
    serial: { path: string } | null;
  }[];
}

function readJsonFrom(stream: PassThrough): Promise<Started> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      try {
        resolve(JSON.parse(text) as Started);
      } catch {
        // not complete yet
      }
    });
    stream.on('end', () => reject(new Error(`the command ended without printing JSON: ${text}`)));
  });
}

describe('fieldline agent --emulate', { timeout: 60_000 }, () => {
  test('starts N distinct gateways, one on a pty, all reachable with the demo technician, and stops cleanly', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const stop = new AbortController();
    // Own UDP port per gateway (0) and no mDNS, so this run does not answer other tests' probes.
    const running = runAgentCommand(['--emulate', '4', '--serial-gateways', '1', '--udp-port', '0', '--no-mdns', '--json'], {
      stdout,
      stderr,
      stop: stop.signal,
    });
    const started = await Promise.race([readJsonFrom(stdout), running.then(() => Promise.reject(new Error('the command ended early')))]);

    try {
      assert.equal(started.agents.length, 4);
      assert.equal(new Set(started.agents.map((a) => a.id)).size, 4, 'distinct identities');
      assert.equal(new Set(started.agents.map((a) => a.serialNumber)).size, 4, 'distinct serial numbers');
      assert.deepEqual(
        started.agents.map((a) => a.name),
        ['gw-01', 'gw-02', 'gw-03', 'gw-04'],
      );
      assert.ok(new Set(started.agents.map((a) => a.model)).size >= 3, 'a mix of models');
      const lan = started.agents.filter((a) => a.tcp);
      const serial = started.agents.filter((a) => a.serial);
      assert.equal(lan.length, 3);
      assert.equal(serial.length, 1);
      assert.ok(
        lan.every((a) => a.tcp?.host === '127.0.0.1' && a.tcp.tls),
        'emulated gateways listen on loopback with TLS',
      );

      const technician = loadDemoTechnician();
      const target = lan[1]!;
      const opened = await openTcp({ host: '127.0.0.1', port: target.tcp!.port, tls: true });
      const peer = new FgpPeer(opened.stream, { channelBinding: opened.binding });
      try {
        const d = await hello(peer, { transportKey: opened.transportKey });
        assert.equal(d.id, target.id);
        assert.equal(d.firmware.version, target.firmware);
        assert.equal((await authenticate(peer, d.id, technician.identity)).technician, 'Demo Technician');
      } finally {
        peer.close();
      }

      const port = await openSerial({ path: serial[0]!.serial!.path, baudRate: 115200 });
      const serialPeer = new FgpPeer(port);
      try {
        const d = await hello(serialPeer);
        assert.equal(d.id, serial[0]!.id);
        await authenticate(serialPeer, d.id, technician.identity);
      } finally {
        serialPeer.close();
        await closeSerial(port);
      }
    } finally {
      stop.abort();
      assert.equal(await running, 0);
    }
    assert.ok(!existsSync(started.baseDir), 'the temporary state directory is removed on exit');
  });

  test('usage mistakes are refused with exit code 2 and a reason', async () => {
    await assert.rejects(
      runAgentCommand(['--emulate', '2', '--serial-gateways', '3']),
      (err: unknown) => err instanceof AgentUsageError && err.exitCode === 2 && /more than the 2/.test(err.message),
    );
    await assert.rejects(
      runAgentCommand(['--trust', 'ab'.repeat(32)]),
      (err: unknown) => err instanceof AgentUsageError && /--name/.test(err.message),
    );
    await assert.rejects(
      runAgentCommand(['--interfaces', 'eth0']),
      (err: unknown) => err instanceof AgentUsageError && /IPv4/.test(err.message),
    );
  });
});
