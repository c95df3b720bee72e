/**
 * "Leave with a record": `flash.export` after a real job on two gateways (one succeeds, one fails
 * its health check and is rolled back by itself) as JSON and as a self-contained HTML page, and
 * the CLI writing it (`fieldline flash report <job-id>`, `fieldline flash … --report FILE`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningAgent } from '../../agent/agent.js';
import { dispatch } from '../../core/api/dispatch.js';
import type { BundleSummary, Device, FlashExport, FlashJob, FlashJobDetail } from '../../core/api/schemas.js';
import { createEngine, type Engine } from '../../core/engine/engine.js';
import type { FlashReport } from '../../core/flash/report/flash-report.js';
import { addressOf, fieldline, finished, GatewayFixture, ok, seedProfile } from './flash-support.js';

describe('flash reports', { timeout: 180_000 }, () => {
  const fx = new GatewayFixture('fl-flash-report-', 1024 * 1024);
  let dataDir: string;
  let engine: Engine | null = null;
  let os: BundleSummary;
  let good: RunningAgent;
  let sick: RunningAgent;
  let job: FlashJobDetail;

  before(async () => {
    dataDir = join(fx.dir, 'app');
    seedProfile(dataDir);
    engine = await createEngine({ dataDir, host: 'cli' });
    os = await ok<BundleSummary>(engine, 'bundles.import', { path: fx.bundles.osImage.file });
    good = await fx.gateway('report-good');
    sick = await fx.gateway('report-sick', { faults: { failHealth: true } });
    for (const a of [good, sick]) await ok<Device>(engine, 'devices.add', { address: addressOf(a) });
    const started = await ok<FlashJob>(engine, 'flash.start', { bundleId: os.id, deviceIds: [good.id, sick.id] });
    job = await finished(engine, started.id);
    assert.equal(job.state, 'failed');
  });

  after(async () => {
    await engine?.close();
  });

  test('JSON: the bundle with its hash and signers, each gateway with serial and address, every step, the figures and the result', async () => {
    const exported = await ok<FlashExport>(engine!, 'flash.export', { jobId: job.id, format: 'json' });
    assert.equal(exported.mediaType, 'application/json');
    assert.match(exported.fileName, new RegExp(`^fieldline-flash-${job.id.slice(0, 8)}-.*1\\.0\\.0\\.json$`));
    const report = JSON.parse(exported.content) as FlashReport;
    assert.equal(report.format, 'fieldline.flash-report/v1');
    assert.equal(report.job.id, job.id);
    assert.equal(report.job.state, 'failed');
    assert.equal(report.bundle.sha256, os.id);
    assert.equal(report.bundle.name, os.name);
    assert.equal(report.bundle.version, '1.0.0');
    assert.equal(report.bundle.kind, 'os-image');
    assert.equal(report.bundle.size, os.size);
    assert.ok(report.bundle.signers.length >= 1);
    assert.deepEqual(
      report.bundle.signers.map((s) => s.keyId),
      os.signers.map((s) => s.keyId),
    );
    assert.deepEqual(report.summary, {
      total: 2,
      pending: 0,
      running: 0,
      succeeded: 1,
      failed: 1,
      skipped: 0,
      cancelled: 0,
      interrupted: 0,
    });

    const g = report.targets.find((t) => t.device.id === good.id)!;
    assert.equal(g.device.name, 'report-good');
    assert.equal(g.device.serial, 'SN-report-good');
    assert.equal(g.device.model, 'EdgeBox X1');
    assert.deepEqual(g.device.addresses, [`127.0.0.1:${good.tcpPort} (TLS)`]);
    assert.equal(g.fromVersion, '0.9.0');
    assert.equal(g.toVersion, '1.0.0');
    assert.equal(g.state, 'succeeded');
    assert.equal(g.rollback, null);
    assert.match(g.result, /^Succeeded/);
    assert.equal(g.transfer.bytesHeld, os.size);
    assert.ok(g.transfer.bytesSent >= os.size, `sent ${g.transfer.bytesSent}`);
    assert.ok((g.transfer.bytesPerSecond ?? 0) > 0);
    assert.deepEqual(
      g.steps.filter((s) => s.outcome === 'ok').map((s) => s.step),
      ['preflight', 'transfer', 'verify', 'install', 'activate', 'health', 'confirm', 'done'],
    );
    for (const s of g.steps) assert.match(s.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const s = report.targets.find((t) => t.device.id === sick.id)!;
    assert.equal(s.state, 'failed');
    assert.equal(s.error?.code, 'health_failed');
    assert.equal(s.rollback, 'rolled-back-by-gateway');
    assert.match(s.result, /previous slot/);
    assert.ok(s.steps.some((x) => x.step === 'rollback' && x.outcome === 'ok'));
  });

  test('HTML: one printable page with no script and no external asset, naming the devices and the bundle', async () => {
    const exported = await ok<FlashExport>(engine!, 'flash.export', { jobId: job.id, format: 'html' });
    assert.equal(exported.mediaType, 'text/html; charset=utf-8');
    assert.match(exported.fileName, /\.html$/);
    const html = exported.content;
    assert.match(html, /^<!doctype html>/);
    for (const text of [
      'report-good',
      'SN-report-good',
      'report-sick',
      os.id,
      '0.9.0',
      '1.0.0',
      `127.0.0.1:${good.tcpPort}`,
      'health_failed',
      'rolled-back-by-gateway',
    ])
      assert.ok(html.includes(text), `the page names ${text}`);
    assert.doesNotMatch(html, /<script|<link|<img|src=|@import|url\(/i);
    assert.match(html, /@media print/);
  });

  test('bad calls: an unknown job and an unknown format get specific errors', async () => {
    const unknown = await dispatch(engine!.handlers, 'flash.export', { jobId: 'f'.repeat(32), format: 'json' });
    assert.equal(!unknown.ok && unknown.error.code, 'unknown_job');
    const format = await dispatch(engine!.handlers, 'flash.export', { jobId: job.id, format: 'pdf' });
    assert.equal(!format.ok && format.error.code, 'invalid_params');
  });

  test('CLI: `flash report <id> --html --out`, to stdout as JSON, and `flash … --report FILE`', async () => {
    await engine!.close();
    engine = null;
    const out = join(fx.dir, 'record.html');
    const html = await fieldline(['flash', 'report', job.id.slice(0, 8), '--html', '--out', out, '--data-dir', dataDir]);
    assert.equal(html.code, 0, html.stderr);
    const page = await readFile(out, 'utf8');
    assert.ok(page.includes('SN-report-sick') && page.includes(os.id));

    const json = await fieldline(['flash', 'report', job.id, '--data-dir', dataDir]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as FlashReport).job.id, job.id);

    const missing = await fieldline(['flash', 'report', 'abcdef12', '--data-dir', dataDir]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no flash job with an id starting abcdef12/);

    const record = join(fx.dir, 'model-run.json');
    const run = await fieldline(['flash', fx.bundles.model.file, addressOf(good), '--report', record, '--data-dir', dataDir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Report written to/);
    const report = JSON.parse(await readFile(record, 'utf8')) as FlashReport;
    assert.equal(report.bundle.kind, 'model');
    assert.equal(report.targets[0]?.device.id, good.id);
    assert.equal(report.targets[0]?.state, 'succeeded');
  });
});
