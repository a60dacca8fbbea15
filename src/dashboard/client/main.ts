// The dashboard's entry point: loads the recent history, then follows /api/events and redraws at most
// once per animation frame (and not at all while the tab is hidden). Bundled by
// scripts/build-dashboard.mjs with uPlot into dist/dashboard/app.js; no network but the agent's own API.
import type { TickRecord } from '../../agent/records.js';
import type { AgentState } from '../../api/state.js';
import { formatAmount } from '../../core/resources.js';
import type { TimeView } from './chart-kit.js';
import { DecisionLog } from './decision-log.js';
import { DashboardModel, RING_TICKS } from './model.js';
import { renderNodes } from './nodes-view.js';
import { PoolChart } from './pool-chart.js';
import { ServiceCard } from './service-card.js';

function byId(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (!node) throw new Error(`dashboard: #${id} is missing from index.html`);
  return node;
}

const model = new DashboardModel();
const view: TimeView = { fromS: 0, toS: 1 };
let windowS = Number(localStorage.getItem('microscale.window') ?? 300) || 300;
const capacity = (): number => model.latest?.capacity ?? 1;
const pool = new PoolChart(byId('pool-chart'), view, capacity);
const log = new DecisionLog(byId('decisions'), byId('decision-count'));
const cards = new Map<string, ServiceCard>();
let nodesKey = '';
let frame = 0;

function syncCards(): void {
  const wanted = model.services;
  const same = wanted.length === cards.size && wanted.every((s) => cards.get(s.name)?.info === s);
  if (same) return;
  for (const card of cards.values()) card.destroy();
  cards.clear();
  for (const info of wanted) cards.set(info.name, new ServiceCard(byId('services'), info, view, capacity));
}

function renderHeader(tick: TickRecord): void {
  byId('pool-used').textContent = String(tick.used);
  byId('pool-capacity').textContent = String(tick.capacity);
  const resources = byId('pool-resources');
  resources.hidden = !tick.resources;
  if (tick.resources) {
    const usage = tick.resources;
    resources.textContent = Object.keys(usage.capacity)
      .map((name) => ` · ${name} ${formatAmount(name, usage.used[name] ?? 0)}/${formatAmount(name, usage.capacity[name] ?? 0)}`)
      .join('');
  }
  byId('tick-seq').textContent = String(tick.seq);
  byId('tick-time').textContent = new Date(tick.atMs).toLocaleTimeString([], { hour12: false });
  byId('paused').hidden = !tick.paused;
  byId('dry-run').hidden = !tick.dryRun;
  const problems = [
    tick.engineError,
    ...tick.sourceErrors.map((e) => `${e.service}: ${e.message}`),
    ...(tick.arrivalErrors ?? []).map((e) => `${e.service} arrivals: ${e.message} (deciding from the queue alone)`),
  ].filter((p): p is string => Boolean(p));
  const banner = byId('problems');
  banner.hidden = problems.length === 0;
  banner.textContent = problems.join(' · ');
}

function render(): void {
  frame = 0;
  const tick = model.latest;
  if (!tick || document.hidden) return;
  const startedMs = performance.now();
  view.toS = tick.atMs / 1000;
  const oldest = model.ring.length > 0 ? (model.ring.window(view.toS - windowS).x[0] ?? view.toS) : view.toS;
  view.fromS = Math.min(view.toS - 10, Math.max(view.toS - windowS, oldest));
  const window = model.ring.window(view.fromS);
  syncCards();
  renderHeader(tick);
  pool.render(model.services, window);
  for (const card of cards.values())
    card.render(
      window,
      tick.services.find((s) => s.name === card.info.name),
    );
  log.render(model.decisions, model.services);
  const key = JSON.stringify(tick.services.map((s) => [s.name, s.nodes]));
  if (key !== nodesKey) {
    nodesKey = key;
    renderNodes(byId('nodes'), tick, model.services);
  }
  document.body.dataset.ready = '1';
  // Read by the soak measurement (src/dashboard/testing/soak.ts): the cost of one redraw.
  document.body.dataset.renderMs = (performance.now() - startedMs).toFixed(2);
}

function scheduleRender(): void {
  if (frame === 0) frame = requestAnimationFrame(render);
}

function setWindow(seconds: number): void {
  windowS = seconds;
  localStorage.setItem('microscale.window', String(seconds));
  for (const button of document.querySelectorAll<HTMLButtonElement>('#window button'))
    button.setAttribute('aria-pressed', String(Number(button.dataset.seconds) === seconds));
  scheduleRender();
}

function setConnection(state: 'live' | 'connecting' | 'lost'): void {
  const node = byId('connection');
  node.dataset.state = state;
  node.textContent = state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : 'reconnecting…';
}

async function start(): Promise<void> {
  for (const button of document.querySelectorAll<HTMLButtonElement>('#window button'))
    button.addEventListener('click', () => setWindow(Number(button.dataset.seconds)));
  setWindow(windowS);
  document.addEventListener('visibilitychange', scheduleRender);
  setConnection('connecting');
  const state = (await (await fetch('api/state')).json()) as AgentState;
  byId('engine').textContent = `engine ${state.engine}`;
  byId('interval').textContent = `tick ${state.intervalMs} ms`;
  model.declareArrivals(state.services.filter((s) => s.arrivalsSource !== null).map((s) => s.name));
  const history = (await (await fetch(`api/history?limit=${RING_TICKS}`)).json()) as { ticks: TickRecord[] };
  for (const tick of history.ticks) model.add(tick);
  scheduleRender();
  const events = new EventSource(`api/events?since=${model.latest?.seq ?? 0}`);
  events.addEventListener('open', () => setConnection('live'));
  events.addEventListener('error', () => setConnection('lost'));
  events.addEventListener('tick', (event) => {
    if (model.add(JSON.parse((event as MessageEvent<string>).data) as TickRecord)) scheduleRender();
  });
}

start().catch((error: unknown) => {
  setConnection('lost');
  const banner = byId('problems');
  banner.hidden = false;
  banner.textContent = `dashboard failed to start: ${error instanceof Error ? error.message : String(error)}`;
});
