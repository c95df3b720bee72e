/**
 * A benchmark report as one printable HTML page: no script, no external asset (styles inline,
 * charts as inline SVG), so it opens the same on any laptop years later and prints on A4 or
 * Letter. The same escaping as the flash report: model names, device names, reasons and
 * diagnosis messages all come from outside.
 */
import { formatDuration } from '../api/format-duration.js';
import type { BenchVerdict, DiagnosisRecord, DiagnosisVerdictShape, OpProfileShape } from '../api/schemas.js';
import { e, escapeHtml, htmlPage } from '../report/html-page.js';
import { cdfSvg, histogramSvg } from './report-charts.js';
import type { BenchReport } from './report.js';

const VERDICT: Readonly<Record<BenchVerdict, { text: string; tone: string }>> = {
  pass: { text: 'PASS — within the baseline', tone: 'ok' },
  warn: { text: 'WARNING — close to the baseline limit', tone: 'warn' },
  fail: { text: 'FAIL — slower than the baseline allows', tone: 'bad' },
  'no-baseline': { text: 'NO BASELINE for this hardware — figures recorded, not judged', tone: 'muted' },
};

const DIAGNOSIS: Readonly<Record<DiagnosisVerdictShape, string>> = {
  pass: 'PASS — the gateway computes what the bundle expects',
  'wrong-model': 'FAIL — the model on the gateway is not the one in the bundle',
  drift: 'FAIL — consistent drift beyond tolerance',
  'load-failed': 'FAIL — the model does not load on the gateway',
  'not-installed': 'The model is not installed on the gateway',
  error: 'The diagnosis could not be completed',
};

const STYLE = `
  body { font: 11pt/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111; margin: 2em; }
  h1 { font-size: 16pt; margin: 0 0 .2em; } h2 { font-size: 13pt; margin: 1.4em 0 .4em; }
  table { border-collapse: collapse; width: 100%; margin: .3em 0 .8em; }
  th, td { border: 1px solid #999; padding: .25em .45em; text-align: left; vertical-align: top; }
  th { background: #eee; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
  code { font: 9.5pt ui-monospace, Menlo, Consolas, monospace; word-break: break-all; }
  .ok { color: #0a5d1e; } .warn { color: #8a5a00; font-weight: bold; } .bad { color: #a00; font-weight: bold; } .muted { color: #555; }
  .verdict { border: 2px solid currentColor; padding: .4em .7em; margin: .8em 0; }
  .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; } figure { margin: 0; page-break-inside: avoid; }
  figcaption { font-size: 10pt; color: #333; }
  @media print { body { margin: 0; } th { background: #ddd !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
`;

function row(label: string, value: string): string {
  return `<tr><th scope="row">${escapeHtml(label)}</th><td>${value}</td></tr>`;
}

function numRow(label: string, value: string): string {
  return `<tr><th scope="row">${escapeHtml(label)}</th><td class="num">${escapeHtml(value)}</td></tr>`;
}

function bytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

const percent = (ratio: number): string => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)} %` : '—');

function errorValue(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  return Math.abs(v) < 0.001 || Math.abs(v) >= 10_000 ? v.toExponential(2) : String(Number(v.toPrecision(6)));
}

function profileSection(profile: readonly OpProfileShape[] | undefined): string {
  if (profile === undefined || profile.length === 0) return '';
  const rows = [...profile]
    .sort((a, b) => b.totalUs - a.totalUs)
    .slice(0, 30)
    .map(
      (p) =>
        `<tr><td>${e(p.op)}</td><td><code>${e(p.name)}</code></td><td class="num">${p.count}</td><td class="num">${escapeHtml(formatDuration(p.totalUs))}</td><td class="num">${escapeHtml(formatDuration(p.totalUs / Math.max(1, p.count)))}</td></tr>`,
    )
    .join('\n');
  return `<h2>Per-operator profile (onnxruntime)</h2>
<table><thead><tr><th>Operator</th><th>Node</th><th>Calls</th><th>Total</th><th>Per inference</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

function diagnosisSection(d: DiagnosisRecord | null): string {
  if (d === null) return `<h2>Diagnostics</h2>\n<p class="muted">No diagnosis of this gateway is stored.</p>`;
  const comparisons = d.comparisons
    .map(
      (c) =>
        `<tr><td>${e(c.case)}</td><td>${e(c.output)}</td><td class="num">${errorValue(c.maxAbs)}</td><td class="num">${errorValue(c.maxRel)}</td><td class="num">${errorValue(c.cosine)}</td><td>${c.topK === undefined ? '—' : `top-${c.topK.k} ${c.topK.agree ? 'agrees' : 'differs'}`}</td><td class="${c.ok ? 'ok' : 'bad'}">${c.ok ? 'pass' : `fail — ${e(c.message)}`}</td></tr>`,
    )
    .join('\n');
  return `<h2>Diagnostics</h2>
<section data-diagnosis-id="${e(d.id)}">
<p class="verdict ${d.ok ? 'ok' : 'bad'}"><strong>${e(DIAGNOSIS[d.verdict])}</strong><br>${e(d.explanation)}</p>
<table>
${row('Reference bundle', e(d.bundleLabel))}
${row('Golden inputs', `${d.cases - d.failedCases} of ${d.cases} agree`)}
${row('Bundle model SHA-256', `<code>${e(d.bundleModelSha256)}</code>`)}
${row('Gateway model SHA-256', `<code>${e(d.gatewayModelSha256)}</code>`)}
${row('Diagnosed', e(new Date(d.createdAt).toISOString()))}
${d.notes.length ? row('Notes', d.notes.map((n) => e(n)).join('<br>')) : ''}
</table>
${
  comparisons
    ? `<table><thead><tr><th>Input</th><th>Output</th><th>Max abs. error</th><th>Max rel. error</th><th>Cosine</th><th>Top-k</th><th>Result</th></tr></thead>
<tbody>
${comparisons}
</tbody></table>`
    : ''
}
</section>`;
}

export function renderBenchReportHtml(report: BenchReport): string {
  const r = report.run;
  const s = r.stats;
  const verdict = VERDICT[r.verdict];
  const title = `Benchmark report — ${r.model.name} ${r.model.version} on ${r.deviceName}`;
  const histogram = histogramSvg(r.samplesUs);
  const cdf = cdfSvg(r.samplesUs);
  const settings = [
    `warm-up ${r.settings.warmup}`,
    r.settings.iterations === null
      ? `duration ${((r.settings.durationMs ?? 0) / 1000).toFixed(1)} s`
      : `iterations ${r.settings.iterations}`,
    `threads ${r.settings.threads ?? 'auto'}`,
    ...(r.settings.executionProvider ? [`provider ${r.settings.executionProvider}`] : []),
    ...(r.settings.profile ? ['profiled'] : []),
  ].join(' · ');
  return htmlPage({
    title,
    generatorVersion: report.generator.version,
    style: STYLE,
    body: `<p class="muted">Run <code>${e(r.id)}</code> · measured ${e(new Date(r.createdAt).toISOString())} · report made ${e(report.generatedAt)} by Fieldline ${e(report.generator.version)}</p>
<div class="verdict ${verdict.tone}" data-verdict="${e(r.verdict)}">
<p><strong>${e(verdict.text)}</strong></p>
<ul>
${r.reasons.map((reason) => `<li>${e(reason)}</li>`).join('\n')}
</ul>
<p class="muted">${r.baselineBundle === null ? 'No library bundle holds this model.' : `Baseline from ${e(r.baselineBundle.label)}`} · hardware class ${e(r.hardwareClass)}</p>
</div>
${r.run.cancelled ? `<p class="warn">The run was cancelled: the figures cover the ${s.count} inferences measured before it stopped.</p>` : ''}
<h2>Statistics (${s.count} timed inferences)</h2>
<table>
${numRow('p50 (median)', formatDuration(s.p50))}
${numRow('p90', formatDuration(s.p90))}
${numRow('p99', formatDuration(s.p99))}
${numRow('p99.9', formatDuration(s.p999))}
${numRow('Mean', formatDuration(s.mean))}
${numRow('Standard deviation', formatDuration(s.stdDev))}
${numRow('Minimum', formatDuration(s.min))}
${numRow('Maximum', formatDuration(s.max))}
${numRow('Throughput', `${s.throughputPerSec >= 100 ? s.throughputPerSec.toFixed(0) : s.throughputPerSec.toFixed(1)} inferences/s`)}
${numRow('Coefficient of variation', percent(s.cv))}
${numRow('Outliers (above Q3 + 1.5·IQR)', `${s.outliers} of ${s.count}`)}
</table>
<div class="charts">
${histogram ? `<figure>${histogram.svg}<figcaption>Latency histogram${histogram.clipAtUs === null ? '' : ` — ${histogram.hidden} sample${histogram.hidden === 1 ? '' : 's'} above ${escapeHtml(formatDuration(histogram.clipAtUs))} not shown`}</figcaption></figure>` : ''}
${cdf ? `<figure>${cdf}<figcaption>Share of inferences at or below a latency</figcaption></figure>` : ''}
</div>
<h2>The run</h2>
<table>
${row('Gateway', `${e(r.deviceName)} <code>${e(r.deviceId)}</code>`)}
${row('Model', `${e(r.model.name)} ${e(r.model.version)}`)}
${row('Model SHA-256', `<code>${e(r.model.sha256)}</code>`)}
${row('Settings', e(settings))}
${row('Execution provider', `${e(r.run.executionProvider)} (the gateway has ${e(r.run.providers.join(', '))})`)}
${row('Model load time', e(formatDuration(r.run.loadMs * 1000)))}
${row('Peak memory on the gateway', e(bytes(r.run.peakRssBytes)))}
</table>
${profileSection(r.run.profile)}
${diagnosisSection(report.diagnosis)}`,
  });
}
