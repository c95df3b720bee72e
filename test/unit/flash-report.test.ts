/**
 * The flash report built from stored rows: figures, sentences, addresses, and an HTML page that
 * stays inert whatever a gateway or a bundle calls itself.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlashJobDetail } from '../../core/api/schemas.js';
import { buildFlashReport, describePath, reportFileName } from '../../core/flash/report/flash-report.js';
import { renderReportHtml } from '../../core/flash/report/report-html.js';

const DEVICE = 'd'.repeat(64);
const HOSTILE = '<script>alert(1)</script>"\'&';

function job(over: Partial<FlashJobDetail['targets'][number]> = {}): FlashJobDetail {
  return {
    id: 'a'.repeat(32),
    bundleId: 'b'.repeat(64),
    bundleName: `Demo ${HOSTILE}`,
    bundleKind: 'os-image',
    bundleVersion: '1.0.0',
    createdAt: Date.UTC(2025, 0, 2, 3, 4, 5),
    updatedAt: Date.UTC(2025, 0, 2, 3, 9, 5),
    parallel: 4,
    state: 'failed',
    targets: [
      {
        deviceId: DEVICE,
        deviceName: `gw ${HOSTILE}`,
        step: 'health',
        state: 'failed',
        bytesSent: 4096,
        bytesTotal: 4096,
        rateBps: 0,
        etaSeconds: null,
        resumedFrom: 1024,
        error: { code: 'health_failed', message: `the model did not load ${HOSTILE}` },
        fromVersion: '0.9.0',
        toVersion: '1.0.0',
        rollback: 'rolled-back',
        updatedAt: 2,
        ...over,
      },
    ],
    steps: [
      { deviceId: DEVICE, seq: 2, step: 'preflight', outcome: 'ok', detail: HOSTILE, at: Date.UTC(2025, 0, 2, 3, 4, 6) },
      { deviceId: DEVICE, seq: 1, step: 'preflight', outcome: 'started', detail: null, at: Date.UTC(2025, 0, 2, 3, 4, 5) },
    ],
  };
}

const input = (detail: FlashJobDetail) => ({
  job: detail,
  bundle: {
    fileName: 'demo.flb',
    size: 4096,
    securityCounter: 3,
    signers: [{ keyId: 'k'.repeat(64), name: HOSTILE, status: 'valid', counted: true }],
  },
  records: new Map([
    [
      DEVICE,
      {
        paths: [
          { transport: 'tcp' as const, host: '10.77.0.2', port: 48621, tls: true, via: 'manual' as const },
          { transport: 'serial' as const, path: '/dev/ttyUSB0', baudRate: 921600, via: 'probe' as const },
        ],
        device: { vendor: 'Acme', model: 'EdgeBox X1', hardwareRevision: 'rev-b', serial: `SN ${HOSTILE}` },
        transferBytes: 3072,
        transferMs: 1500,
      },
    ],
  ]),
  appVersion: '0.1.0',
  now: Date.UTC(2025, 0, 2, 4, 0, 0),
});

describe('flash report', () => {
  test('figures, steps in order with UTC times, the result with the rollback outcome', () => {
    const report = buildFlashReport(input(job()));
    const t = report.targets[0]!;
    assert.deepEqual(t.device.addresses, ['10.77.0.2:48621 (TLS)', '/dev/ttyUSB0 @ 921600 baud']);
    assert.equal(t.transfer.bytesPerSecond, 2048);
    assert.equal(t.transfer.seconds, 1.5);
    assert.deepEqual(
      t.steps.map((s) => [s.seq, s.at]),
      [
        [1, '2025-01-02T03:04:05.000Z'],
        [2, '2025-01-02T03:04:06.000Z'],
      ],
    );
    assert.match(t.result, /^Failed at health: the model did not load/);
    assert.match(t.result, /rolled the gateway back/);
    assert.equal(report.summary.failed, 1);
    assert.equal(report.bundle.securityCounter, 3);
    assert.equal(reportFileName(report, 'html'), 'fieldline-flash-aaaaaaaa-demo-script-alert-1-script-1.0.0.html');
  });

  test('a gateway never reached has no identity or address, and no rate', () => {
    const detail = job({ state: 'skipped', step: 'preflight', rollback: null, error: { code: 'hw', message: 'wrong hardware' } });
    const report = buildFlashReport({ ...input(detail), records: new Map() });
    const t = report.targets[0]!;
    assert.equal(t.device.serial, null);
    assert.deepEqual(t.device.addresses, []);
    assert.equal(t.transfer.bytesPerSecond, null);
    assert.match(t.result, /^Skipped at preflight, nothing was written: wrong hardware/);
  });

  test('the HTML escapes every value and loads nothing', () => {
    const html = renderReportHtml(buildFlashReport(input(job())));
    assert.ok(!html.includes('<script>'), 'no markup from a gateway gets through');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;'));
    assert.doesNotMatch(html, /<script|<link|<img|src=|url\(/i);
    assert.ok(html.includes('10.77.0.2:48621 (TLS)'));
  });

  test('addresses: IPv6 in brackets, serial with its baud rate', () => {
    assert.equal(describePath({ transport: 'tcp', host: '::1', port: 48621, tls: true, via: 'manual' }), '[::1]:48621 (TLS)');
    assert.equal(describePath({ transport: 'serial', path: 'COM3', baudRate: 115200, via: 'manual' }), 'COM3 @ 115200 baud');
  });
});
