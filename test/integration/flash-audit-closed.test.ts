/**
 * Flash jobs fail closed on the audit log: a step whose intent cannot be recorded never starts,
 * so the gateway receives nothing, and the target says why (`audit_unavailable`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningAgent } from '../../agent/agent.js';
import { FlashJobs, type StepHook } from '../../core/flash/jobs/job-runner.js';
import type { FlashBundle } from '../../core/flash/jobs/flow-types.js';
import { openDatabase, type Db } from '../../core/store/database.js';
import { demoBundles, openAuthenticated, sha256File, startGateway } from './flash-support.js';

describe('flash with an audit log that cannot be written', () => {
  let dir: string;
  let db: Db;
  let jobs: FlashJobs;
  let gateway: RunningAgent;
  let bundle: FlashBundle;
  const recorded: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-flash-audit-'));
    const bundles = await demoBundles(dir, 256 * 1024);
    const file = bundles.osImage.file;
    bundle = {
      id: await sha256File(file),
      path: file,
      size: (await stat(file)).size,
      kind: 'os-image',
      name: bundles.osImage.manifest.name,
      version: bundles.osImage.manifest.version,
    };
    gateway = await startGateway(dir, 'gw-closed');
    db = openDatabase(join(dir, 'app'));
    // The log fills up right after preflight: the transfer's intent cannot be written.
    const onStep: StepHook = (_job, _device, step, outcome) => {
      if (step === 'transfer' && outcome === 'started') {
        const err = new Error('the audit log cannot be written: the disk is full');
        throw Object.assign(err, { code: 'audit_unavailable' });
      }
      recorded.push(`${step}:${outcome}`);
    };
    jobs = new FlashJobs({
      db,
      bundle: () => bundle,
      known: () => ({ name: gateway.name, paths: [] }),
      connect: () => openAuthenticated(gateway),
      check: () => Promise.resolve({ ok: true }),
      onStep,
    });
  });

  after(async () => {
    await jobs?.close();
    db?.close();
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the transfer does not start, the gateway holds nothing, and the target says why', async () => {
    const job = jobs.start({ bundleId: bundle.id, deviceIds: [gateway.id] });
    const done = await jobs.whenDone(job.id);
    assert.equal(done.state, 'failed');
    const target = done.targets[0]!;
    assert.equal(target.error?.code, 'audit_unavailable');
    assert.equal(target.step, 'transfer');
    assert.ok(recorded.includes('preflight:ok'));
    const session = await openAuthenticated(gateway);
    try {
      const held = (await session.peer.request('artifact.status', { sha256: Buffer.from(bundle.id, 'hex') })) as { held?: number };
      assert.equal(held.held ?? 0, 0, 'not a byte was sent');
    } catch (err) {
      assert.equal((err as { code?: string }).code, 'unknown_artifact', 'not even begun');
    } finally {
      await session.close();
    }
  });
});
