// A thin layer over uPlot: dark-theme axes, a shared time window, step lines for container counts,
// and resizing with the page. Every chart on the dashboard is made here so they all look alike.
import uPlot from 'uplot';

export interface TimeView {
  fromS: number;
  toS: number;
}

export interface ChartSpec {
  readonly title: string;
  readonly height: number;
  readonly series: uPlot.Series[];
  readonly bands?: uPlot.Band[];
  /** The y range's floor and least ceiling (e.g. the pool's capacity for container counts). */
  readonly yRange: () => [number, number];
  readonly yLabel?: string;
}

const clock = (seconds: number): string => new Date(seconds * 1000).toLocaleTimeString([], { hour12: false });

const AXIS = {
  stroke: '#8b95a7',
  grid: { stroke: 'rgba(139,149,167,0.12)', width: 1 },
  ticks: { stroke: 'rgba(139,149,167,0.25)', width: 1 },
  font: '12px system-ui, sans-serif',
};

export const stepped = uPlot.paths.stepped?.({ align: 1 });

export class Chart {
  readonly plot: uPlot;
  private readonly resizer: ResizeObserver;

  constructor(host: HTMLElement, view: TimeView, spec: ChartSpec) {
    const box = document.createElement('div');
    box.className = 'chart';
    box.setAttribute('aria-label', spec.title);
    host.append(box);
    const options: uPlot.Options = {
      width: Math.max(200, host.clientWidth),
      height: spec.height,
      pxAlign: 0,
      scales: {
        x: { time: true, range: () => [view.fromS, view.toS] },
        y: {
          range: (_u, min, max) => {
            const [floor, ceiling] = spec.yRange();
            const top = Math.max(ceiling, Number.isFinite(max) ? max : ceiling);
            return [Math.min(floor, Number.isFinite(min) ? min : floor), top + Math.max(1, top * 0.08)];
          },
        },
      },
      axes: [
        { ...AXIS, space: 80, values: (_u, splits) => splits.map(clock) },
        { ...AXIS, size: 46, ...(spec.yLabel ? { label: spec.yLabel, labelSize: 18, labelFont: AXIS.font } : {}) },
      ],
      series: [
        { label: 'time', value: (_u, v) => (v === null ? '–' : clock(v)) },
        ...spec.series.map((s) => ({ points: { show: false }, ...s })),
      ],
      ...(spec.bands ? { bands: spec.bands } : {}),
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    };
    this.plot = new uPlot(options, [[]], box);
    this.resizer = new ResizeObserver(() => this.plot.setSize({ width: Math.max(200, host.clientWidth), height: spec.height }));
    this.resizer.observe(host);
  }

  update(data: uPlot.AlignedData): void {
    this.plot.setData(data);
    // With the pointer away, the legend shows the latest values rather than dashes.
    const last = (data[0]?.length ?? 0) - 1;
    if (last >= 0 && (this.plot.cursor.left ?? -1) < 0) this.plot.setLegend({ idx: last });
  }

  destroy(): void {
    this.resizer.disconnect();
    this.plot.destroy();
    this.plot.root.remove();
  }
}
