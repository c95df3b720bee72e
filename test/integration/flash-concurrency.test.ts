/**
 * Flash jobs side by side, against real agents on loopback: the engine-wide limit holds across
 * jobs (watched through the progress events), jobs take turns, and a gateway in two jobs is
 * flashed by one job at a time — the job started first, then the other.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningAgent } from '../../agent/agent.js';
import type { FlashProgress } from '../../core/api/schemas.js';
import { FlashJobs } from '../../core/flash/jobs/job-runner.js';
import type { FlashBundle } from '../../core/flash/jobs/flow-types.js';
import { openDatabase, type Db } from '../../core/store/database.js';
import type { DemoBundle } from '../../cli/demo-bundles.js';
import { demoBundles, openAuthenticated, sha256File, startGateway } from './flash-support.js';

describe('flash jobs side by side', () => {
  let dir: string;
  let db: Db;
  let jobs: FlashJobs;
  let os: FlashBundle;
  let model: FlashBundle;
  const agents = new Map<string, RunningAgent>();
  const events: FlashProgress[] = [];

  const asFlashBundle = async (b: DemoBundle, kind: FlashBundle['kind'], size: number): Promise<FlashBundle> => ({
    id: await sha256File(b.file),
    path: b.file,
    size,
    kind,
    name: b.manifest.name,
    version: b.manifest.version,
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-flash-concurrency-'));
    const bundles = await demoBundles(dir, 512 * 1024);
    os = await asFlashBundle(bundles.osImage, 'os-image', (await stat(bundles.osImage.file)).size);
    model = await asFlashBundle(bundles.model, 'model', (await stat(bundles.model.file)).size);
    for (let i = 0; i < 4; i++) {
      const agent = await startGateway(dir, `gw-${i}`);
      agents.set(agent.id, agent);
    }
    db = openDatabase(join(dir, 'app'));
    const library = new Map([os, model].map((b) => [b.id, b]));
    jobs = new FlashJobs({
      db,
      bundle: (id) => library.get(id)!,
      known: (id) => ({ name: agents.get(id)!.name, paths: [] }),
      connect: (id) => openAuthenticated(agents.get(id)!),
      check: () => Promise.resolve({ ok: true }),
      onProgress: (p) => events.push(p),
      timing: { reconnectMs: 20_000, healthMs: 20_000 },
      maxActive: 2,
    });
  });

  after(async () => {
    await jobs?.close();
    db?.close();
    await Promise.all([...agents.values()].map((a) => a.close()));
    await rm(dir, { recursive: true, force: true });
  });

  test('two jobs over overlapping gateways, limit 2: never more than 2 at once, one job per gateway, both finish', async () => {
    const ids = [...agents.keys()];
    const first = jobs.start({ bundleId: os.id, deviceIds: ids.slice(0, 3), parallel: 4 });
    const second = jobs.start({ bundleId: model.id, deviceIds: ids.slice(1, 4), parallel: 4 });
    const [a, b] = await Promise.all([jobs.whenDone(first.id), jobs.whenDone(second.id)]);
    assert.equal(a.state, 'succeeded', JSON.stringify(a.targets.map((t) => t.error)));
    assert.equal(b.state, 'succeeded', JSON.stringify(b.targets.map((t) => t.error)));

    // Replay the events: what was running at every moment.
    const running = new Map<string, { jobId: string; deviceId: string }>();
    let peak = 0;
    const order: string[] = [];
    for (const e of events) {
      const key = `${e.jobId}/${e.target.deviceId}`;
      if (e.target.state === 'running') {
        if (!running.has(key)) {
          const sameGateway = [...running.values()].find((r) => r.deviceId === e.target.deviceId);
          assert.equal(sameGateway, undefined, `gateway ${e.target.deviceId.slice(0, 8)} is in two jobs at once`);
          order.push(`${e.jobId === first.id ? 'A' : 'B'}:${ids.indexOf(e.target.deviceId)}`);
        }
        running.set(key, { jobId: e.jobId, deviceId: e.target.deviceId });
      } else running.delete(key);
      peak = Math.max(peak, running.size);
      assert.ok(running.size <= 2, `${running.size} gateways at once: ${[...running.keys()].join(', ')}`);
    }
    assert.equal(peak, 2, 'the limit was reached, so it was tested');
    assert.equal(running.size, 0);
    // Gateways 1 and 2 are in both jobs: the job started first flashes them first.
    for (const shared of [1, 2]) assert.ok(order.indexOf(`A:${shared}`) < order.indexOf(`B:${shared}`), order.join(' '));
    // Turns: the first slot that came free went to the second job, though the first still had a gateway queued.
    assert.deepEqual(
      order.slice(0, 3).map((o) => o[0]),
      ['A', 'A', 'B'],
      order.join(' '),
    );

    for (const id of ids.slice(1, 3)) {
      const session = await openAuthenticated(agents.get(id)!);
      try {
        assert.equal(session.descriptor.firmware.version, os.version);
        assert.ok(session.descriptor.models.some((m) => m.name === model.name && m.version === model.version));
      } finally {
        await session.close();
      }
    }
  });
});
