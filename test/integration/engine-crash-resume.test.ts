/**
 * An engine crash mid-transfer loses no flash job: the engine runs in its own process the way a
 * host runs it (`fieldline serve`, the same engine factory as the desktop's utility process), is
 * killed with SIGKILL while a real agent receives a bundle, and is started again on the same data
 * folder with the resume switch. The job resumes by itself from the bytes the gateway held (not
 * from zero), completes, and its record and the audit chain are intact.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { BundleSummary, Device, FlashJob, FlashJobDetail } from '../../core/api/schemas.js';
import { startServe } from '../helpers/serve-process.js';
import { addressOf, GatewayFixture, openAuthenticated, seedProfile } from './flash-support.js';

interface Served {
  readonly child: ChildProcess;
  readonly lines: string[];
  stop(): Promise<void>;
  readonly ws: WebSocket;
  call<T>(method: string, params?: unknown): Promise<T>;
}

/** `fieldline serve` on `dataDir`, and an API link to it over its WebSocket (the browser's path). */
async function serve(dataDir: string, extra: readonly string[] = []): Promise<Served> {
  const server = await startServe({ dataDir, flags: extra });
  const { child, lines } = server;
  const url = new URL(server.url);
  const ws = new WebSocket(`ws://127.0.0.1:${url.port}/api?token=${url.searchParams.get('token')}`);
  await new Promise((done, fail) => {
    ws.once('open', done);
    ws.once('error', fail);
  });
  let nextId = 1;
  const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString()) as {
      type: string;
      id?: number;
      ok?: boolean;
      value?: unknown;
      error?: { code: string; message: string };
    };
    if (m.type !== 'result' || m.id === undefined) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.ok(m.value);
    else p?.fail(new Error(`${m.error?.code}: ${m.error?.message}`));
  });
  ws.on('close', () => {
    for (const p of pending.values()) p.fail(new Error('the engine link closed'));
    pending.clear();
  });
  return {
    child,
    lines,
    stop: server.stop,
    ws,
    call: <T>(method: string, params: unknown = {}) =>
      new Promise<T>((ok, fail) => {
        const id = nextId++;
        pending.set(id, { ok: (v) => ok(v as T), fail });
        ws.send(JSON.stringify({ type: 'call', id, method, params }));
      }),
  };
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((done) => child.once('exit', (code, signal) => done(signal ?? code)));
}

async function stop(s: Served): Promise<void> {
  s.ws.terminate();
  await s.stop();
}

const trail = (job: FlashJobDetail): string[] => job.steps.map((s) => `${s.step}:${s.outcome}`);

describe('engine crash mid-transfer', { timeout: 240_000 }, () => {
  // Large enough that the kill leaves bytes to send beyond those already in flight.
  const fx = new GatewayFixture('fl-engine-crash-', 8 * 1024 * 1024);

  test('SIGKILL during a transfer, restart with the resume switch: the job resumes from the bytes held and completes', async (t) => {
    const dataDir = join(fx.dir, 'data');
    seedProfile(dataDir);
    // Throttled so that the kill lands in the middle of the transfer.
    const gw = await fx.gateway('crash-gw', { faults: { throttleBaud: 4_000_000 } });

    const first = await serve(dataDir);
    let jobId: string;
    let held = 0;
    let size: number;
    try {
      const os = await first.call<BundleSummary>('bundles.import', { path: fx.bundles.osImage.file });
      assert.equal(os.status, 'verified');
      size = os.size;
      await first.call<Device>('devices.add', { address: addressOf(gw) });
      jobId = (await first.call<FlashJob>('flash.start', { bundleId: os.id, deviceIds: [gw.id] })).id;
      for (let i = 0; i < 600 && held < 192 * 1024; i++) {
        await new Promise((r) => setTimeout(r, 50));
        held = (await first.call<FlashJob>('flash.get', { jobId })).targets[0]!.bytesSent;
      }
      assert.ok(held >= 192 * 1024 && held < size, `the kill lands mid-transfer (${held} of ${size} bytes)`);
      first.child.kill('SIGKILL');
      assert.equal(await exited(first.child), 'SIGKILL');
    } finally {
      await stop(first);
    }

    const second = await serve(dataDir, ['--resume-interrupted']);
    try {
      assert.ok(
        second.lines.some((l) => l.includes(`Resumed 1 interrupted flash job(s): ${jobId}`)),
        `the host says it resumed the job:\n${second.lines.join('\n')}`,
      );
      let done: FlashJobDetail | null = null;
      for (let i = 0; i < 1200; i++) {
        const job = await second.call<FlashJobDetail>('flash.get', { jobId });
        if (job.state !== 'running') {
          done = job;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(done !== null, 'the resumed job finished');
      assert.equal(done.state, 'succeeded', JSON.stringify(done.targets[0]?.error));
      const target = done.targets[0]!;
      assert.ok((target.resumedFrom ?? 0) >= held, `resumed from ${target.resumedFrom}, ${held} were held before the kill`);
      assert.ok((target.resumedFrom ?? size) < size, `the resumed run sent the rest (resumed from ${target.resumedFrom} of ${size})`);
      assert.equal(target.bytesSent, size);
      t.diagnostic(`held ${held} of ${size} bytes at the kill; resumed from ${target.resumedFrom}`);
      // The killed run's record is kept: its transfer started and never ended (SIGKILL), then the
      // resumed run went through every step.
      const steps = trail(done);
      assert.equal(steps[0], 'preflight:started', steps.join(' '));
      assert.ok(steps.indexOf('transfer:started') < steps.lastIndexOf('preflight:started'), steps.join(' '));
      assert.deepEqual(
        steps.slice(steps.lastIndexOf('preflight:started')).filter((s) => !s.endsWith(':started')),
        ['preflight:ok', 'transfer:ok', 'verify:ok', 'install:ok', 'activate:ok', 'health:ok', 'confirm:ok', 'done:ok'],
      );
      const chain = await second.call<{ ok: boolean; entries?: number }>('audit.verify');
      assert.equal(chain.ok, true, `the audit chain verifies after the crash: ${JSON.stringify(chain)}`);
      // A second call resumes nothing: only jobs interrupted when this engine started, once.
      const again = await second.call<{ resumed: string[] }>('flash.resumeInterrupted');
      assert.deepEqual(again.resumed, []);
    } finally {
      await stop(second);
    }
    const session = await openAuthenticated(gw);
    try {
      assert.equal(session.descriptor.firmware.version, '1.0.0');
    } finally {
      await session.close();
    }
  });

  test('SIGTERM during a transfer: the engine marks the job interrupted cleanly; a later start leaves it to the technician', async () => {
    const dataDir = join(fx.dir, 'data-term');
    seedProfile(dataDir);
    const gw = await fx.gateway('term-gw', { faults: { throttleBaud: 4_000_000 } });

    const first = await serve(dataDir);
    let jobId: string;
    let held = 0;
    try {
      const os = await first.call<BundleSummary>('bundles.import', { path: fx.bundles.osImage.file });
      await first.call<Device>('devices.add', { address: addressOf(gw) });
      jobId = (await first.call<FlashJob>('flash.start', { bundleId: os.id, deviceIds: [gw.id] })).id;
      for (let i = 0; i < 600 && held < 128 * 1024; i++) {
        await new Promise((r) => setTimeout(r, 50));
        held = (await first.call<FlashJob>('flash.get', { jobId })).targets[0]!.bytesSent;
      }
      assert.ok(held >= 128 * 1024 && held < os.size, `the signal lands mid-transfer (${held} of ${os.size} bytes)`);
      first.child.kill('SIGTERM');
      assert.equal(await exited(first.child), 0, 'a clean exit');
    } finally {
      await stop(first);
    }

    // Even with the switch: a job stopped by a clean shutdown is not "running when the engine died".
    const second = await serve(dataDir, ['--resume-interrupted']);
    try {
      assert.equal(second.lines.filter((l) => l.startsWith('Resumed')).length, 0, second.lines.join('\n'));
      const job = await second.call<FlashJobDetail>('flash.get', { jobId });
      assert.equal(job.state, 'interrupted');
      assert.equal(job.targets[0]!.state, 'interrupted');
      // Every step that started has its outcome: the transfer was cancelled by the shutdown.
      assert.deepEqual(trail(job).slice(-1), ['transfer:cancelled'], trail(job).join(' '));
      await second.call<FlashJob>('flash.retry', { jobId });
      let done: FlashJobDetail | null = null;
      for (let i = 0; i < 1200 && done === null; i++) {
        const now = await second.call<FlashJobDetail>('flash.get', { jobId });
        if (now.state !== 'running') done = now;
        else await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(done?.state, 'succeeded', JSON.stringify(done?.targets[0]?.error));
      assert.ok((done.targets[0]!.resumedFrom ?? 0) >= held, `resumed from ${done.targets[0]!.resumedFrom}, ${held} held`);
    } finally {
      await stop(second);
    }
  });
});
