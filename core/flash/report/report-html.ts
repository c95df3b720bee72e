/**
 * The flash report as one printable HTML page: no script, no external asset (styles inline), so
 * it opens the same on any laptop years later and prints cleanly on A4 or Letter.
 *
 * Every value comes from gateways and bundles, i.e. from outside: all of it is escaped.
 */
import { e, escapeHtml, htmlPage } from '../../report/html-page.js';
import type { FlashReport, ReportTarget } from './flash-report.js';

function size(bytes: number | null): string {
  if (bytes === null) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]} (${bytes.toLocaleString('en')} bytes)`;
}

const STYLE = `
  body { font: 11pt/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111; margin: 2em; }
  h1 { font-size: 16pt; margin: 0 0 .2em; } h2 { font-size: 13pt; margin: 1.4em 0 .4em; } h3 { font-size: 12pt; margin: 1.2em 0 .3em; }
  table { border-collapse: collapse; width: 100%; margin: .3em 0 .8em; }
  th, td { border: 1px solid #999; padding: .25em .45em; text-align: left; vertical-align: top; }
  th { background: #eee; }
  code { font: 9.5pt ui-monospace, Menlo, Consolas, monospace; word-break: break-all; }
  .ok { color: #0a5d1e; } .bad { color: #a00; font-weight: bold; } .muted { color: #555; }
  .target { page-break-inside: avoid; border-top: 2px solid #333; margin-top: 1.2em; }
  @media print { body { margin: 0; } th { background: #ddd !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
`;

function row(label: string, value: string): string {
  return `<tr><th scope="row">${escapeHtml(label)}</th><td>${value}</td></tr>`;
}

function targetSection(t: ReportTarget): string {
  const tone = t.state === 'succeeded' ? 'ok' : t.state === 'skipped' ? 'muted' : 'bad';
  const rate = t.transfer.bytesPerSecond === null ? '—' : `${size(t.transfer.bytesPerSecond)}/s`;
  const steps = t.steps
    .map(
      (s) =>
        `<tr><td>${s.seq}</td><td><code>${e(s.at)}</code></td><td>${e(s.step)}</td><td class="${s.outcome === 'failed' ? 'bad' : s.outcome === 'ok' ? 'ok' : ''}">${e(s.outcome)}</td><td>${e(s.detail, '')}</td></tr>`,
    )
    .join('\n');
  return `<section class="target" data-device-id="${e(t.device.id)}">
<h3>${e(t.device.name)} — <span class="${tone}">${e(t.state)}</span></h3>
<table>
${row('Device id', `<code>${e(t.device.id)}</code>`)}
${row('Vendor / model', `${e(t.device.vendor)} / ${e(t.device.model)} ${t.device.hardwareRevision ? `(${e(t.device.hardwareRevision)})` : ''}`)}
${row('Serial number', e(t.device.serial))}
${row('Address', t.device.addresses.length ? t.device.addresses.map((a) => e(a)).join('<br>') : '—')}
${row('Version', `${e(t.fromVersion, 'not installed')} → ${e(t.toVersion)}`)}
${row('Result', `<span class="${tone}">${e(t.result)}</span>${t.error ? ` <code>${e(t.error.code)}</code>` : ''}`)}
${row('Rollback', e(t.rollback, 'none needed'))}
${row('Transfer', `${size(t.transfer.bytesHeld)} of ${size(t.transfer.bundleBytes)} held${t.transfer.resumedFrom ? `, resumed from ${size(t.transfer.resumedFrom)}` : ''}; ${size(t.transfer.bytesSent)} sent in ${t.transfer.seconds.toFixed(2)} s, ${rate}`)}
</table>
<table>
<thead><tr><th>#</th><th>Time (UTC)</th><th>Step</th><th>Outcome</th><th>Detail</th></tr></thead>
<tbody>
${steps}
</tbody>
</table>
</section>`;
}

export function renderReportHtml(report: FlashReport): string {
  const b = report.bundle;
  const title = `Flash report — ${b.name ?? 'bundle'} ${b.version ?? ''}`;
  const signers = b.signers.length
    ? b.signers
        .map((s) => `${e(s.name, 'unknown key')} <code>${e(s.keyId)}</code> — ${e(s.status)}${s.counted ? '' : ' (not counted)'}`)
        .join('<br>')
    : '—';
  const tally = (['succeeded', 'failed', 'skipped', 'cancelled', 'interrupted', 'running', 'pending'] as const)
    .filter((k) => report.summary[k] > 0)
    .map((k) => `${report.summary[k]} ${k}`)
    .join(', ');
  return htmlPage({
    title,
    generatorVersion: report.generator.version,
    style: STYLE,
    body: `<p class="muted">Job <code>${e(report.job.id)}</code> · started ${e(report.job.createdAt)} · last change ${e(report.job.updatedAt)} · report made ${e(report.generatedAt)} by Fieldline ${e(report.generator.version)}</p>
<p><strong>${e(report.job.state)}</strong>: ${report.summary.total} gateway${report.summary.total === 1 ? '' : 's'} — ${e(tally)}</p>
<h2>Bundle</h2>
<table>
${row('Name', e(b.name))}
${row('Version', e(b.version))}
${row('Kind', e(b.kind))}
${row('File', e(b.fileName))}
${row('Size', size(b.size))}
${row('SHA-256', `<code>${e(b.sha256)}</code>`)}
${row('Security counter', e(b.securityCounter))}
${row('Signers', signers)}
</table>
<h2>Gateways</h2>
${report.targets.map(targetSection).join('\n')}`,
  });
}
