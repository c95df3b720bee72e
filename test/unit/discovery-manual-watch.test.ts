/**
 * The manual-path watch: bounded, one check per path per round, and honest reports; plus the
 * "why not found" hints it feeds. Real sockets on loopback (silent servers that never answer).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { DevicePath } from '../../core/api/schemas.js';
import { ManualWatch } from '../../core/discovery/manual-watch.js';
import { whyNotFound, type Observations } from '../../core/discovery/why-not-found.js';

function observe(overrides: Partial<Observations>): Observations {
  return { lan: false, serial: false, interfaces: [], serialPorts: [], serialPortsListed: 0, devicesFound: 0, settled: true, ...overrides };
}

describe('why not found: gateways added by address', () => {
  test('only a path that failed its check gets a hint, named after the gateway when known', () => {
    const hints = whyNotFound(
      observe({
        manual: [
          { target: '10.1.2.3:48621', result: 'pending' },
          { target: '10.1.2.4:48621', result: 'answering', name: 'gw-ok' },
          {
            target: '10.1.2.5:48621',
            result: 'no-answer',
            name: 'gw-far',
            detail: '10.1.2.5:48621 refused the connection',
            fix: 'Start the agent.',
          },
          { target: '10.1.2.6:48621', result: 'no-answer', detail: 'hello got no answer within 2000 ms' },
        ],
      }),
    );
    assert.deepEqual(
      hints.map((h) => h.code),
      ['manual-no-answer', 'manual-no-answer'],
    );
    assert.equal(
      hints[0]!.message,
      'gw-far (added by address at 10.1.2.5:48621) stopped answering: 10.1.2.5:48621 refused the connection.',
    );
    assert.equal(hints[0]!.fix, 'Start the agent.');
    assert.match(hints[1]!.message, /^The gateway added by address at 10\.1\.2\.6:48621 does not answer: hello got no answer/);
    assert.match(hints[1]!.fix, /powered|reach/);
  });

  test('a serial port added by address gets its port hint even with serial scanning off', () => {
    const hints = whyNotFound(
      observe({ serialPorts: [{ path: '/dev/ttyUSB7', reason: 'named', baudRates: [115200], result: 'no-answer' }] }),
    );
    assert.deepEqual(
      hints.map((h) => h.code),
      ['serial-no-answer'],
    );
  });
});

describe('manual watch over real sockets', () => {
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  after(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  test('at most N checks at once, each path once per round, silence and refusal reported', async () => {
    // Each server takes the connection, says nothing, and hangs up a moment later (a gateway whose
    // agent is wedged). Only the server ends connections, and a check ends only when its connection
    // does, so the connections held at each accept are exactly the checks running at that moment.
    const held = new Set<net.Socket>();
    let maxHeld = 0;
    const accepted = new Map<number, number>();
    const paths: DevicePath[] = [];
    for (let i = 0; i < 5; i++) {
      const server = net.createServer((socket) => {
        sockets.add(socket);
        held.add(socket);
        maxHeld = Math.max(maxHeld, held.size);
        const port = (server.address() as net.AddressInfo).port;
        accepted.set(port, (accepted.get(port) ?? 0) + 1);
        socket.on('error', () => undefined);
        socket.resume();
        setTimeout(() => {
          held.delete(socket);
          socket.destroy();
        }, 30);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      paths.push({ transport: 'tcp', host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, tls: false, via: 'manual' });
    }
    // A port nobody listens on: take one and free it again.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const refusedPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    paths.push({ transport: 'tcp', host: '127.0.0.1', port: refusedPort, tls: false, via: 'manual' });

    const watch = new ManualWatch({ timeoutMs: 10_000, concurrency: 2, now: Date.now });
    let found = 0;
    watch.on('found', () => found++);
    for (const path of paths) assert.equal(watch.watch(path), true);
    assert.equal(watch.watch({ ...paths[0]! }), false, 'the same path twice is one path');
    assert.ok(watch.tcpReports().every((r) => r.result === 'pending'));

    const first = watch.round();
    const second = watch.round();
    assert.equal(first, second, 'a round asked for while one runs is the same round');
    await first;

    assert.equal(maxHeld, 2, 'two checks at once, never more');
    assert.deepEqual([...accepted.values()], [1, 1, 1, 1, 1], 'each silent path checked exactly once');
    assert.equal(found, 0);
    const reports = watch.tcpReports();
    assert.equal(reports.length, 6);
    assert.ok(reports.every((r) => r.result === 'no-answer'));
    assert.match(reports[0]!.detail ?? '', /^127\.0\.0\.1:\d+: hello was not answered: .*closed/);
    assert.match(reports[5]!.detail ?? '', /refused the connection/);
    assert.ok(reports[5]!.fix);

    await watch.round();
    assert.deepEqual([...accepted.values()], [2, 2, 2, 2, 2], 'the next round checks each once more');
    await watch.stop();
  });
});
