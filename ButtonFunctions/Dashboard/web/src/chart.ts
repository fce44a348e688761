import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Summary } from './types';
import { formatCount, formatFull } from './format';

/** Clicks per bucket (hour or day) as bars, sized to its container (phone width included). */
export class ClickChart {
  private plot: uPlot | undefined;
  private readonly resize = new ResizeObserver(() => {
    this.plot?.setSize(this.size());
  });

  constructor(private readonly container: HTMLElement, private readonly summaryText: HTMLElement) {
    this.resize.observe(container);
  }

  show(summary: Summary): void {
    const x = summary.series.map((bucket) => Date.parse(bucket.start) / 1000);
    const y = summary.series.map((bucket) => bucket.clicks);
    const data: uPlot.AlignedData = [x, y];
    const peak = summary.series.reduce((best, bucket) => (bucket.clicks > best.clicks ? bucket : best), { start: summary.from, clicks: 0 });
    this.summaryText.textContent =
      `${formatCount(summary.totals.clicks)} clicks from ${formatFull(summary.from)} to ${formatFull(summary.to)}, ` +
      `one bar per ${summary.bucket}` +
      (peak.clicks > 0 ? `; the busiest ${summary.bucket} began ${formatFull(peak.start)} with ${formatCount(peak.clicks)}.` : '.');

    if (this.plot === undefined) {
      const bars = uPlot.paths.bars?.({ size: [0.8, 40], align: 1 });
      this.plot = new uPlot(
        {
          ...this.size(),
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          axes: [
            { stroke: '#374151', grid: { stroke: '#e5e7eb' } },
            { stroke: '#374151', grid: { stroke: '#e5e7eb' }, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? formatCount(t) : '')) },
          ],
          series: [{}, { label: 'Clicks', stroke: '#1d4ed8', fill: 'rgba(29, 78, 216, 0.35)', width: 1, ...(bars ? { paths: bars } : {}), points: { show: false } }],
        },
        data,
        this.container,
      );
    } else {
      this.plot.setData(data);
    }
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(240, this.container.clientWidth), height: 220 };
  }
}
