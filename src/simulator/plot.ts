// A run as an SVG: queue length (with the SLA line) above, containers per service below. Written by
// hand: two line charts need no chart library, and the file stays readable and dependency-free.
import type { RunResult } from './run.js';
import type { Scenario } from './scenario.js';

const WIDTH = 900;
const PANEL = 220;
const MARGIN = { left: 60, right: 20, top: 30, gap: 50 };
const COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function path(points: readonly [number, number][]): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

function panel(
  title: string,
  top: number,
  durationS: number,
  yMax: number,
  lines: { label: string; values: readonly [number, number][]; colour: string; dashed?: boolean }[],
): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const x = (tS: number): number => MARGIN.left + (tS / Math.max(1, durationS)) * plotWidth;
  const y = (v: number): number => top + PANEL - (Math.min(v, yMax) / Math.max(1e-9, yMax)) * PANEL;
  const out = [
    `<text x="${MARGIN.left}" y="${top - 8}" font-size="13">${escape(title)}</text>`,
    `<rect x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${PANEL}" fill="none" stroke="#999"/>`,
    `<text x="${MARGIN.left - 6}" y="${top + 10}" font-size="11" text-anchor="end">${Math.round(yMax)}</text>`,
    `<text x="${MARGIN.left - 6}" y="${top + PANEL}" font-size="11" text-anchor="end">0</text>`,
  ];
  lines.forEach((line, i) => {
    out.push(
      `<path d="${path(line.values.map(([t, v]) => [x(t), y(v)]))}" fill="none" stroke="${line.colour}" stroke-width="1.2"` +
        `${line.dashed ? ' stroke-dasharray="5,4"' : ''}/>`,
    );
    out.push(
      `<text x="${WIDTH - MARGIN.right - 4}" y="${top + 14 + i * 14}" font-size="11" text-anchor="end" fill="${line.colour}">` +
        `${escape(line.label)}</text>`,
    );
  });
  return out.join('\n');
}

export function plotRun(scenario: Scenario, result: RunResult, title: string): string {
  const { series, score } = result;
  const durationS = score.durationS;
  const queued = scenario.services.map((s, i) => ({ s, i })).filter(({ s }) => s.simulation);
  const slas = queued.map(({ s }) => (s.simulation && 'queueLength' in s.simulation.sla ? s.simulation.sla.queueLength : 0));
  const queueMax = Math.max(1, ...slas.map((v) => v * 2), ...series.map((p) => Math.max(...queued.map(({ i }) => p.queue[i] ?? 0))));
  const queueLines = queued.flatMap(({ s, i }, k) => {
    const colour = COLOURS[k % COLOURS.length] ?? '#000';
    const sla = slas[k] ?? 0;
    const lines = [{ label: `${s.config.name} queue`, values: series.map((p): [number, number] => [p.tS, p.queue[i] ?? 0]), colour }];
    return sla > 0
      ? [
          ...lines,
          {
            label: `${s.config.name} SLA ${sla}`,
            values: [
              [0, sla],
              [durationS, sla],
            ] as [number, number][],
            colour,
            dashed: true,
          },
        ]
      : lines;
  });
  const containerLines = scenario.services.map((s, i) => ({
    label: `${s.config.name} (P${s.config.priority}) containers`,
    values: series.map((p): [number, number] => [p.tS, p.live[i] ?? 0]),
    colour: COLOURS[i % COLOURS.length] ?? '#000',
  }));
  const capacity = scenario.config.capacity;
  const height = MARGIN.top + PANEL * 2 + MARGIN.gap + 40;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
      `viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(`${title}: queue length (messages)`, MARGIN.top, durationS, queueMax, queueLines),
    panel(
      `containers (pool of ${capacity}); x axis: ${Math.round(durationS)} s`,
      MARGIN.top + PANEL + MARGIN.gap,
      durationS,
      capacity,
      containerLines,
    ),
    '</svg>',
  ].join('\n');
}
