/**
 * The latency histogram and CDF, drawn by uPlot on canvas (no inline <style>, so the strict CSP
 * holds; its stylesheet comes in through Vite in main.tsx).
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { cdf, histogram, thinCdf } from './distribution.js';
import { formatLatency } from './format.js';

const HEIGHT = 220;

function cssColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

function axes(yLabel: string): uPlot.Axis[] {
  const stroke = cssColor('--text', '#1b1f24');
  const grid = { stroke: cssColor('--border', '#c9d0d8'), width: 1 };
  return [
    { label: 'Latency (µs)', stroke, grid, ticks: grid, values: (_u, splits) => splits.map((v) => formatLatency(v)) },
    { label: yLabel, stroke, grid, ticks: grid },
  ];
}

/** One uPlot chart that follows its container's width; rebuilt when the data change. */
type Build = (samplesUs: readonly number[], width: number) => { opts: uPlot.Options; data: uPlot.AlignedData } | null;

function useChart(samplesUs: readonly number[], build: Build): React.RefObject<HTMLDivElement | null> {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    const made = build(samplesUs, Math.max(280, el.clientWidth));
    if (made === null) return;
    const chart = new uPlot(made.opts, made.data, el);
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(280, el.clientWidth), height: HEIGHT }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [samplesUs, build]);
  return host;
}

const buildHistogram: Build = (samplesUs, width) => {
  const h = histogram(samplesUs);
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
  const host = useChart(samplesUs, buildHistogram);
  return (
    <figure className="bench-chart" data-testid="bench-histogram">
      <figcaption>Latency histogram ({samplesUs.length} inferences)</figcaption>
      <div ref={host} className="bench-chart__canvas" />
    </figure>
  );
}

const buildCdf: Build = (samplesUs, width) => {
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
