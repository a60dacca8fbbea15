// The pool: containers of every service stacked by priority (P1 at the bottom) under the capacity
// line, so priority 1 pushing priority 2 out, and P2 growing back, shows as one band eating another.
import type uPlot from 'uplot';
import { Chart, stepped, type TimeView } from './chart-kit.js';
import { colorOf, withAlpha } from './colors.js';
import { columnName, type DashboardModel, type ServiceInfo } from './model.js';

type Window = ReturnType<DashboardModel['ring']['window']>;

export class PoolChart {
  private chart: Chart | undefined;
  private key = '';
  /** The unstacked values behind each band, for the legend. */
  private raw: (number | null)[][] = [];

  constructor(
    private readonly host: HTMLElement,
    private readonly view: TimeView,
    private readonly capacity: () => number,
  ) {}

  private build(services: readonly ServiceInfo[]): Chart {
    const series: uPlot.Series[] = services.map((s, i) => ({
      label: `P${s.priority} ${s.name}`,
      stroke: colorOf(s.index),
      fill: withAlpha(colorOf(s.index), 0.55),
      width: 1.5,
      ...(stepped ? { paths: stepped } : {}),
      value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => String(idx === null ? '–' : (this.raw[i]?.[idx] ?? '–')),
    }));
    series.push({ label: 'capacity', stroke: '#e8ecf3', width: 1.5, dash: [6, 4], ...(stepped ? { paths: stepped } : {}) });
    const bands: uPlot.Band[] = services.slice(1).map((s, i) => ({ series: [i + 2, i + 1], fill: withAlpha(colorOf(s.index), 0.55) }));
    return new Chart(this.host, this.view, {
      title: 'pool: containers by priority, with capacity',
      height: 260,
      series,
      bands,
      yRange: () => [0, this.capacity()],
      yLabel: 'containers',
    });
  }

  render(services: readonly ServiceInfo[], window: Window): void {
    const key = services.map((s) => `${s.name}:${s.priority}`).join(',');
    if (key !== this.key) {
      this.chart?.destroy();
      this.chart = this.build(services);
      this.key = key;
    }
    this.raw = services.map((s) => window.column(columnName(s.name, 'occupied')));
    const stacked: (number | null)[][] = [];
    let below: (number | null)[] = window.x.map(() => 0);
    for (const raw of this.raw) {
      const sum = raw.map((v, i) => (v === null ? (below[i] ?? null) : v + (below[i] ?? 0)));
      stacked.push(sum);
      below = sum;
    }
    this.chart?.update([window.x, ...stacked, window.column('capacity')]);
  }
}
