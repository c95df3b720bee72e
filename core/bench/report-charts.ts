/**
 * The latency histogram and CDF of a report file as inline SVG: the report must open on any
 * laptop years later with no script and no external asset, so it cannot carry the live view's
 * uPlot. Only presentation attributes (no style attributes), so the app can print the same
 * markup under its strict CSP. Every number drawn comes from the samples; no text from outside.
 */
import { formatDuration } from '../api/format-duration.js';
import { nearestRank } from './stats.js';

const W = 640;
const H = 220;
const PAD = { left: 48, right: 12, top: 12, bottom: 34 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;
const MAX_BINS = 60;
const MAX_CDF_POINTS = 400;

const fixed = (v: number): string => String(Math.round(v * 10) / 10);

function frame(label: string, inner: string, xMin: number, xMax: number, yTop: string): string {
  const x0 = PAD.left;
  const y0 = PAD.top + PLOT_H;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${label}">
<rect x="${x0}" y="${PAD.top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#999"/>
${inner}
<text x="${x0}" y="${y0 + 16}" font-size="11" fill="#333">${formatDuration(xMin)}</text>
<text x="${x0 + PLOT_W}" y="${y0 + 16}" font-size="11" fill="#333" text-anchor="end">${formatDuration(xMax)}</text>
<text x="${x0 + PLOT_W / 2}" y="${y0 + 30}" font-size="11" fill="#333" text-anchor="middle">latency</text>
<text x="${x0 - 4}" y="${PAD.top + 10}" font-size="11" fill="#333" text-anchor="end">${yTop}</text>
<text x="${x0 - 4}" y="${y0}" font-size="11" fill="#333" text-anchor="end">0</text>
</svg>`;
}

export interface HistogramSvg {
  readonly svg: string;
  /** Samples above the p99.9 the bins end at (the table's p99.9), not drawn. */
  readonly hidden: number;
  readonly clipAtUs: number | null;
}

/** Bars from the fastest sample to p99.9, so one spike does not squash the rest into one bar. */
export function histogramSvg(samplesUs: readonly number[]): HistogramSvg | null {
  const sorted = samplesUs.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  const p999 = nearestRank(sorted, 99.9);
  const top = p999 < max ? p999 : max;
  const shown = sorted.filter((v) => v <= top);
  const bins = Math.min(MAX_BINS, Math.max(5, Math.ceil(Math.sqrt(shown.length))));
  const span = top - min;
  const counts = new Array<number>(span > 0 ? bins : 1).fill(0);
  for (const v of shown) counts[span > 0 ? Math.min(bins - 1, Math.floor(((v - min) / span) * bins)) : 0]! += 1;
  const most = Math.max(...counts);
  const barW = PLOT_W / counts.length;
  const bars = counts
    .map((c, i) => {
      const h = (c / most) * PLOT_H;
      return `<rect x="${fixed(PAD.left + i * barW + 0.5)}" y="${fixed(PAD.top + PLOT_H - h)}" width="${fixed(Math.max(1, barW - 1))}" height="${fixed(h)}" fill="#0b5cad"><title>${c}</title></rect>`;
    })
    .join('\n');
  return {
    svg: frame('Latency histogram', bars, min, top, `${most}`),
    hidden: sorted.length - shown.length,
    clipAtUs: top < max ? top : null,
  };
}

/** The share of inferences at or below each latency, as a step line from 0 to 100 %. */
export function cdfSvg(samplesUs: readonly number[]): string | null {
  const sorted = samplesUs.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return null;
  const min = sorted[0]!;
  const max = sorted[n - 1]!;
  const span = max - min || 1;
  const step = Math.max(1, Math.ceil(n / MAX_CDF_POINTS));
  const points: string[] = [`${PAD.left},${PAD.top + PLOT_H}`];
  let lastY = PAD.top + PLOT_H;
  for (let i = 0; i < n; i += step) {
    const at = Math.min(n - 1, i + step - 1);
    const x = PAD.left + ((sorted[at]! - min) / span) * PLOT_W;
    const y = PAD.top + PLOT_H - ((at + 1) / n) * PLOT_H;
    points.push(`${fixed(x)},${fixed(lastY)}`, `${fixed(x)},${fixed(y)}`);
    lastY = y;
  }
  const line = `<polyline points="${points.join(' ')}" fill="none" stroke="#1d7a3a" stroke-width="2"/>`;
  return frame('Cumulative distribution of latency', line, min, max, '100 %');
}
