/**
 * The latency histogram and CDF, drawn by uPlot on canvas (no inline <style>, so the strict CSP
 * holds; its stylesheet comes in through Vite in main.tsx).
 */
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import { alignCdfs, cdf, clippedHistogram, thinCdf, type ClippedHistogram } from './distribution.js';
import { clippedNote, formatLatency } from './format.js';

const HEIGHT = 220;

function cssColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

function axes(yLabel: string): uPlot.Axis[] {
  const stroke = cssColor('--text', '#1b1f24');
  const grid = { stroke: cssColor('--border', '#c9d0d8'), width: 1 };
  return [
    {
      label: 'Latency (µs)',
      stroke,
      grid,
      ticks: grid,
      values: (_u, splits) => splits.map((v) => (Number.isFinite(v) ? formatLatency(v) : '')),
    },
    { label: yLabel, stroke, grid, ticks: grid },
  ];
}

/** One uPlot chart that follows its container's width; rebuilt when the data change. */
type Build<D> = (data: D, width: number) => { opts: uPlot.Options; data: uPlot.AlignedData } | null;

function useChart<D>(input: D, build: Build<D>): React.RefObject<HTMLDivElement | null> {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    const made = build(input, Math.max(280, el.clientWidth));
    if (made === null) return;
    const chart = new uPlot(made.opts, made.data, el);
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(280, el.clientWidth), height: HEIGHT }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [input, build]);
  return host;
}

const buildHistogram: Build<ClippedHistogram> = (h, width) => {
  if (h.counts.length === 0) return null;
  const accent = cssColor('--accent', '#0b5cad');
  // Bars are centred on their bin, so the x value is the bin's middle.
  const xs = h.starts.map((s) => s + h.width / 2);
  return {
    opts: {
      width,
      height: HEIGHT,
      legend: { show: false },
      cursor: { show: true, drag: { x: false, y: false } },
      scales: { x: { time: false, range: (_u, min, max) => [min - h.width, max + h.width] } },
      axes: axes('Inferences'),
      series: [
        {},
        {
          label: 'Inferences',
          stroke: accent,
          fill: accent,
          paths: uPlot.paths.bars!({ size: [0.95, Infinity], align: 0 }),
          points: { show: false },
        },
      ],
    },
    data: [xs, [...h.counts]],
  };
};

export function LatencyHistogram({ samplesUs }: { samplesUs: readonly number[] }): React.ReactElement {
  const h = useMemo(() => clippedHistogram(samplesUs), [samplesUs]);
  const host = useChart(h, buildHistogram);
  return (
    <figure className="bench-chart" data-testid="bench-histogram">
      <figcaption>Latency histogram ({samplesUs.length} inferences)</figcaption>
      <div ref={host} className="bench-chart__canvas" />
      {h.clipAt === null ? null : (
        <p className="muted bench-chart__note" data-testid="bench-histogram-clipped">
          {clippedNote(h.hidden, h.clipAt)}
        </p>
      )}
    </figure>
  );
}

const buildCdf: Build<readonly number[]> = (samplesUs, width) => {
  const c = thinCdf(cdf(samplesUs));
  if (c.xs.length === 0) return null;
  return {
    opts: {
      width,
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, y: { range: [0, 100] } },
      axes: axes('Share of inferences (%)'),
      series: [
        {},
        {
          label: 'Cumulative share (%)',
          stroke: cssColor('--ok', '#1d7a3a'),
          width: 2,
          paths: uPlot.paths.stepped!({ align: 1 }),
          points: { show: false },
        },
      ],
    },
    data: [[...c.xs], [...c.ys]],
  };
};

export function LatencyCdf({ samplesUs }: { samplesUs: readonly number[] }): React.ReactElement {
  const host = useChart(samplesUs, buildCdf);
  return (
    <figure className="bench-chart" data-testid="bench-cdf">
      <figcaption>Cumulative distribution: share of inferences at or below a latency</figcaption>
      <div ref={host} className="bench-chart__canvas" />
    </figure>
  );
}

export interface CdfSeries {
  readonly label: string;
  readonly samplesUs: readonly number[];
}

/** Line colours for several runs: the theme's, then fixed ones that stay apart in every theme. */
const SERIES_VARS = [
  ['--accent', '#0b5cad'],
  ['--warn', '#b35900'],
  ['--ok', '#1d7a3a'],
  ['--error', '#b3261e'],
] as const;
const SERIES_EXTRA = ['#6a3d9a', '#008b8b', '#8c564b', '#555555'];

function seriesColor(i: number): string {
  const v = SERIES_VARS[i];
  return v === undefined ? SERIES_EXTRA[(i - SERIES_VARS.length) % SERIES_EXTRA.length]! : cssColor(v[0], v[1]);
}

const buildCompareCdf: Build<readonly CdfSeries[]> = (series, width) => {
  // A log axis has no place for zero or negative latencies.
  const aligned = alignCdfs(series.map((s) => thinCdf(cdf(s.samplesUs.filter((v) => v > 0)))));
  if (aligned.xs.length === 0) return null;
  return {
    opts: {
      width,
      height: HEIGHT,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      // Logarithmic latency: runs differing in the median and in a tail 100× further out both stay readable.
      scales: { x: { time: false, distr: 3, log: 10 }, y: { range: [0, 100] } },
      axes: axes('Share of inferences (%)'),
      series: [
        { label: 'Latency', value: (_u, v) => (v === null ? '—' : formatLatency(v)) },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: seriesColor(i),
          width: 2,
          paths: uPlot.paths.stepped!({ align: 1 }),
          points: { show: false },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${v.toFixed(1)} %`),
        })),
      ],
    },
    data: [[...aligned.xs], ...aligned.ys.map((y) => [...y])],
  };
};

/** Several runs' CDFs in one chart, so a shift or a longer tail is seen at a glance. */
export function CompareCdf({ series }: { series: readonly CdfSeries[] }): React.ReactElement {
  const host = useChart(series, buildCompareCdf);
  return (
    <figure className="bench-chart bench-chart--wide" data-testid="bench-compare-cdf">
      <figcaption>Cumulative distribution of each run: share of inferences at or below a latency (logarithmic latency axis)</figcaption>
      <div ref={host} className="bench-chart__canvas" />
    </figure>
  );
}
