/**
 * A session that leases a serial port while discovery is probing it: the serial scanner and the
 * manual watch (like the USB lane) say when the probe let go of the port (`released`), never open
 * a port our session holds, and Discovery.released waits for all of them. The probe is a stand-in
 * that holds the "port" until the test lets it go, so nothing here depends on timing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceDescriptor, DevicePath, SerialPath } from '../../core/api/schemas.js';
import { builtinCatalog } from '../../core/discovery/catalog.js';
import { Discovery } from '../../core/discovery/discovery.js';
import { ManualWatch } from '../../core/discovery/manual-watch.js';
import { DeviceRegistry } from '../../core/discovery/registry.js';
import type { ProbeCandidate, SerialProbeOutcome } from '../../core/discovery/serial-probe.js';
import { SerialScanner } from '../../core/discovery/serial-scanner.js';

const GATEWAY_ID = 'ab'.repeat(32);

function descriptor(): DeviceDescriptor {
  return {
    protocol: 1,
    id: GATEWAY_ID,
    publicKey: '00'.repeat(32),
    name: 'gw-bench-3',
    vendor: 'Fieldline',
    model: 'Reference gateway',
    hardwareRevision: 'r1',
    serial: 'FLREF0001',
    firmware: { version: '2.3.0', activeSlot: 'a' },
    slots: [],
    models: [],
    accelerators: [],
    capabilities: [],
    maxFrame: 8192,
  };
}

/** A probe that holds each port open until `finish(port)`; `opened` lists the ports it opened, in order. */
function blockingProbe(): {
  probe: (candidate: ProbeCandidate, signal: AbortSignal) => Promise<SerialProbeOutcome>;
  opened: string[];
  isOpen: (port: string) => boolean;
  waitOpen: (port: string) => Promise<void>;
  finish: (port: string, outcome?: SerialProbeOutcome) => void;
} {
  const opened: string[] = [];
  const pending = new Map<string, (outcome: SerialProbeOutcome) => void>();
  return {
    opened,
    probe: (candidate) =>
      new Promise<SerialProbeOutcome>((resolve) => {
        opened.push(candidate.path);
        pending.set(candidate.path, (outcome) => {
          pending.delete(candidate.path);
          resolve(outcome);
        });
      }),
    isOpen: (port) => pending.has(port),
    waitOpen: async (port) => {
      while (!pending.has(port)) await new Promise((r) => setImmediate(r));
    },
    finish: (port, outcome = { result: 'found', baudRate: 115200, descriptor: descriptor() }) => {
      const resolve = pending.get(port);
      assert.ok(resolve, `a probe has ${port} open`);
      resolve(outcome);
    },
  };
}

/** Lets every callback that is ready run; a promise still pending after this waits on something. */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** Whether `promise` has settled yet (without waiting for it). */
function tracker(promise: Promise<unknown>): () => boolean {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  return () => done;
}

const serialPath = (port: string): SerialPath => ({ transport: 'serial', path: port, baudRate: 115200, via: 'probe' });

describe('serial scanner: released() and leases', () => {
  test('a session that leases the port mid-probe waits until the probe closed it; no probe opens it while leased', async () => {
    const held = new Set<string>();
    const blocker = blockingProbe();
    const scanner = new SerialScanner({
      named: ['/dev/ttyGW0', '/dev/ttyOTHER'],
      catalog: builtinCatalog(),
      listPorts: async () => [],
      timeoutMs: 1000,
      now: () => 1000,
      inUse: (path) => held.has(path.path),
      probe: blocker.probe,
    });
    const found: string[] = [];
    scanner.on('found', (sighting) => found.push(sighting.path.transport === 'serial' ? sighting.path.path : ''));
    try {
      let round = scanner.round();
      await blocker.waitOpen('/dev/ttyGW0');
      // The session leases the port, then waits for discovery's probe to let go.
      held.add('/dev/ttyGW0');
      const released = scanner.released('/dev/ttyGW0');
      const isReleased = tracker(released);
      await flush();
      assert.equal(isReleased(), false, 'still open: the session must not open the port yet');
      await scanner.released('/dev/ttyOTHER'); // another port is not held up
      blocker.finish('/dev/ttyGW0');
      await released;
      assert.equal(blocker.isOpen('/dev/ttyGW0'), false, 'released only once the probe closed the port');
      // The round goes on to the next port, which is not leased.
      await blocker.waitOpen('/dev/ttyOTHER');
      blocker.finish('/dev/ttyOTHER', { result: 'no-answer', detail: 'nothing answered' });
      await round;
      assert.deepEqual(found, ['/dev/ttyGW0']);

      // Next round: the leased port is not opened, and the gateway behind it still counts as there.
      round = scanner.round();
      await blocker.waitOpen('/dev/ttyOTHER');
      blocker.finish('/dev/ttyOTHER', { result: 'no-answer', detail: 'nothing answered' });
      await round;
      assert.deepEqual(blocker.opened, ['/dev/ttyGW0', '/dev/ttyOTHER', '/dev/ttyOTHER'], 'the leased port was never opened again');
      assert.deepEqual(found, ['/dev/ttyGW0', '/dev/ttyGW0'], 're-sighted from the last answer while our session holds it');
      assert.equal(scanner.reports().find((r) => r.path === '/dev/ttyGW0')?.result, 'found');

      // The session closes: the port is probed again.
      held.clear();
      round = scanner.round();
      await blocker.waitOpen('/dev/ttyGW0');
      blocker.finish('/dev/ttyGW0');
      await blocker.waitOpen('/dev/ttyOTHER');
      blocker.finish('/dev/ttyOTHER', { result: 'no-answer', detail: 'nothing answered' });
      await round;
      assert.equal(blocker.opened.filter((p) => p === '/dev/ttyGW0').length, 2);
    } finally {
      await scanner.stop();
    }
  });
});

describe('manual watch: released()', () => {
  test('a manual serial port being checked holds a session back until the check closed it', async () => {
    const held = new Set<string>();
    const blocker = blockingProbe();
    const watch = new ManualWatch({
      timeoutMs: 1000,
      concurrency: 2,
      now: () => 1000,
      inUse: (path) => path.transport === 'serial' && held.has(path.path),
      probe: blocker.probe,
    });
    const manual: DevicePath = { transport: 'serial', path: '/dev/ttyMAN0', baudRate: 115200, via: 'manual' };
    watch.watch(manual);
    try {
      const round = watch.round();
      await blocker.waitOpen('/dev/ttyMAN0');
      held.add('/dev/ttyMAN0');
      const released = watch.released(manual);
      const isReleased = tracker(released);
      await flush();
      assert.equal(isReleased(), false);
      await watch.released({ transport: 'tcp', host: '127.0.0.1', port: 1, tls: true, via: 'manual' });
      blocker.finish('/dev/ttyMAN0');
      await released;
      await round;
      assert.equal(blocker.isOpen('/dev/ttyMAN0'), false);
      await watch.round();
      assert.deepEqual(blocker.opened, ['/dev/ttyMAN0'], 'not opened while leased');
    } finally {
      await watch.stop();
    }
  });
});

describe('Discovery.released', () => {
  test('waits for the serial scanner and for a manual check, not only the USB lane', async () => {
    const held = new Set<string>();
    const blocker = blockingProbe();
    const registry = new DeviceRegistry();
    const discovery = new Discovery(registry, {
      mdns: false,
      udp: false,
      serialPorts: ['/dev/ttySCAN0'],
      listSerialPorts: async () => [],
      manualPaths: [{ transport: 'serial', path: '/dev/ttyMAN0', baudRate: 115200, via: 'manual' }],
      inUse: (path) => path.transport === 'serial' && held.has(path.path),
      serialProbe: blocker.probe,
    });
    await discovery.start();
    try {
      // The first round starts both: the scanner on its named port, the manual watch on its own.
      await blocker.waitOpen('/dev/ttySCAN0');
      await blocker.waitOpen('/dev/ttyMAN0');
      held.add('/dev/ttySCAN0');
      held.add('/dev/ttyMAN0');
      const scan = discovery.released(serialPath('/dev/ttySCAN0'));
      const man = discovery.released(serialPath('/dev/ttyMAN0'));
      const scanReleased = tracker(scan);
      const manReleased = tracker(man);
      await flush();
      assert.equal(scanReleased(), false, 'the scanner still has its port open');
      assert.equal(manReleased(), false, 'the manual check still has its port open');
      blocker.finish('/dev/ttySCAN0');
      await scan;
      await flush();
      assert.equal(manReleased(), false, 'one probe letting go does not release the other port');
      blocker.finish('/dev/ttyMAN0');
      await man;
      assert.equal(registry.get(GATEWAY_ID)?.state, 'online');
    } finally {
      await discovery.stop();
    }
  });
});
