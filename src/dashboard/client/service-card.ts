// One card per service: its metric against its target, its arrival rate (only with `arrivals:`), and
// its containers (running, running + starting, and what the controller wanted), with the figures of
// the latest tick above them. The arrival rate gets a chart of its own rather than a second axis on
// the metric chart: messages/s and messages are different units, and one y axis per chart keeps every
// chart in the card the same width, so their time axes line up.
import type uPlot from 'uplot';
import type { ServiceTick } from '../../agent/records.js';
import { Chart, stepped, type TimeView } from './chart-kit.js';
import { colorOf, withAlpha } from './colors.js';
import { columnName, type DashboardModel, type ServiceInfo } from './model.js';

type Window = ReturnType<DashboardModel['ring']['window']>;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

function targetText(s: ServiceTick): string {
  switch (s.target.kind) {
    case 'queueLength':
      return `target queue ${s.target.queueLength}`;
    case 'perContainer':
      return `target ${s.target.perContainer} per container`;
    case 'direct':
      return 'target: demand = containers';
    case 'sla':
      return 'queueLength' in s.target.sla ? `SLA queue ≤ ${s.target.sla.queueLength}` : `SLA wait ≤ ${s.target.sla.waitMs / 1000}s`;
    default:
      return 'target: remainder';
  }
}

export class ServiceCard {
  readonly root: HTMLElement;
  private readonly figures: HTMLElement;
  private readonly note: HTMLElement;
  private readonly metricChart: Chart | undefined;
  private readonly arrivalsChart: Chart | undefined;
  private readonly containerChart: Chart;

  constructor(
    host: HTMLElement,
    readonly info: ServiceInfo,
    view: TimeView,
    capacity: () => number,
  ) {
    const color = colorOf(info.index);
    this.root = element('section', 'card service');
    this.root.dataset.service = info.name;
    this.root.style.setProperty('--service', color);
    const head = element('header', 'service-head');
    head.append(element('span', 'badge', `P${info.priority}`), element('h2', 'service-name', info.name));
    this.figures = element('div', 'figures');
    this.note = element('p', 'reason');
    this.root.append(head, this.figures, this.note);
    host.append(this.root);
    const steps = stepped ? { paths: stepped } : {};

    if (info.targetKind !== 'remainder') {
      const area = element('div', 'chart-box');
      // A direct target's metric is demand in containers: the thing to compare it with is the containers.
      const direct = info.targetKind === 'direct';
      area.append(element('h3', 'chart-title', direct ? 'demand vs containers' : 'metric vs target'));
      this.root.append(area);
      const series: uPlot.Series[] = [
        { label: direct ? 'demand' : 'metric', stroke: color, width: 2, fill: withAlpha(color, 0.12) },
        direct
          ? { label: 'containers', stroke: '#e8ecf3', width: 1.5, dash: [6, 4], ...steps }
          : { label: 'target', stroke: '#e8ecf3', width: 1.5, dash: [6, 4] },
      ];
      this.metricChart = new Chart(area, view, { title: `${info.name}: metric vs target`, height: 150, series, yRange: () => [0, 1] });
    }
    if (info.arrivals) {
      const area = element('div', 'chart-box');
      area.append(element('h3', 'chart-title', 'arrivals (msg/s)'));
      this.root.append(area);
      this.arrivalsChart = new Chart(area, view, {
        title: `${info.name}: arrivals (msg/s)`,
        height: 120,
        series: [{ label: 'arrivals (msg/s)', stroke: color, width: 1.5, fill: withAlpha(color, 0.08) }],
        yRange: () => [0, 1],
      });
    }
    const area = element('div', 'chart-box');
    area.append(element('h3', 'chart-title', 'containers'));
    this.root.append(area);
    this.containerChart = new Chart(area, view, {
      title: `${info.name}: containers`,
      height: 150,
      series: [
        { label: 'running', stroke: color, width: 2, fill: withAlpha(color, 0.3), ...steps },
        { label: 'running + starting', stroke: withAlpha(color, 0.9), width: 1.5, dash: [3, 3], ...steps },
        { label: 'desired', stroke: '#e8ecf3', width: 1.25, dash: [6, 4], ...steps },
      ],
      yRange: () => [0, Math.min(capacity(), 4)],
    });
  }

  render(window: Window, latest: ServiceTick | undefined): void {
    const col = (field: Parameters<typeof columnName>[1]) => window.column(columnName(this.info.name, field));
    this.metricChart?.update([window.x, col('metric'), this.info.targetKind === 'direct' ? col('live') : col('target')]);
    this.arrivalsChart?.update([window.x, col('arrivals')]);
    this.containerChart.update([window.x, col('running'), col('live'), col('desired')]);
    if (!latest) return;
    const figure = (label: string, value: string, extra = '') =>
      `<div class="figure${extra}"><span class="value">${value}</span><span class="label">${label}</span></div>`;
    // No rate this tick (the read failed, or the metric did): a dash in the warning colour, as a held metric.
    const arrivalsFigure = (rate: number | null) =>
      rate === null ? figure('arrivals', '–', ' stale') : figure('arrivals', `${Math.round(rate * 10) / 10}/s`);
    this.figures.innerHTML = [
      latest.demand === null ? '' : figure('metric', String(Math.round(latest.demand * 100) / 100), latest.stale ? ' stale' : ''),
      this.info.arrivals ? arrivalsFigure(latest.arrivalRate) : '',
      figure('running', String(latest.running)),
      latest.starting ? figure('starting', String(latest.starting)) : '',
      latest.stopping ? figure('stopping', String(latest.stopping)) : '',
      figure('desired', String(latest.desired)),
    ].join('');
    this.note.textContent = `${targetText(latest)}${latest.stale ? ' · metric unreadable, held' : ''} · ${latest.reason}`;
  }

  destroy(): void {
    this.metricChart?.destroy();
    this.arrivalsChart?.destroy();
    this.containerChart.destroy();
    this.root.remove();
  }
}
