// The simulation loop: faster than real time, one tick per config interval. Each tick: observe the
// simulated containers and queues, let the policy decide, apply through the same SimCluster the sim
// engine uses (start and stop latency), then advance every queue over the tick, in pieces at the
// moments containers finish starting or exit, and score it.
import { SimCluster } from '../engines/sim/cluster.js';
import type { Policy, ServiceView } from './policy.js';
import { advanceQueue } from './queue.js';
import type { Scenario, SimService } from './scenario.js';
import { ServiceAccumulator, utilizationOf, type Score } from './score.js';
import { sampler, type Trace } from './trace.js';

export interface SeriesPoint {
  readonly tS: number;
  /** Per service, in scenario order. */
  readonly queue: readonly number[];
  readonly live: readonly number[];
}

export interface RunResult {
  readonly score: Score;
  /** Sampled every `sampleEveryS` when asked (for plots). */
  readonly series: readonly SeriesPoint[];
}

export interface RunOptions {
  readonly sampleEveryS?: number | undefined;
  /** Stop early (seconds); default the whole trace. */
  readonly durationS?: number | undefined;
}

interface Lane {
  readonly service: SimService;
  readonly name: string;
  readonly arrivals: (tS: number) => number;
  readonly accumulator: ServiceAccumulator;
  queue: number;
  busyFraction: number;
  /** The arrival rate of the previous tick (what a live rate metric reads now); null before the first. */
  previousRate: number | null;
  initial: number;
}

/** Steady state at t = 0 for every policy alike: queue services sized for the first rate, the rest filling the pool. */
function warmStart(lanes: readonly Lane[], capacity: number): void {
  let left = capacity;
  const ordered = [...lanes].sort(
    (a, b) => Number(!a.service.simulation) - Number(!b.service.simulation) || a.service.config.priority - b.service.config.priority,
  );
  for (const lane of ordered) {
    const sim = lane.service.simulation;
    const want = sim ? Math.ceil(lane.arrivals(0) / sim.ratePerContainer) : lane.service.config.max;
    lane.initial = Math.max(0, Math.min(left, lane.service.config.max, Math.max(lane.service.config.min, want)));
    left -= lane.initial;
  }
}

export function simulate(scenario: Scenario, trace: Trace, policy: Policy, options: RunOptions = {}): RunResult {
  const { config } = scenario;
  const dtS = config.intervalMs / 1000;
  const latency = new Map(
    scenario.services.map((s) => [s.config.name, { startLatencyMs: s.startLatencyMs, stopLatencyMs: s.stopLatencyMs }]),
  );
  const cluster = new SimCluster((name) => latency.get(name) ?? { startLatencyMs: 0, stopLatencyMs: 0 });
  const lanes: Lane[] = scenario.services.map((service) => {
    const sim = service.simulation;
    const work = sim ?? service.background;
    const target = service.config.target;
    return {
      service,
      name: service.config.name,
      arrivals: work ? sampler(trace, work.column) : () => 0,
      accumulator: new ServiceAccumulator(
        service.config.name,
        service.config.priority,
        sim?.sla,
        target.kind === 'queueLength' ? target.queueLength : undefined,
        work?.ratePerContainer ?? 1,
      ),
      queue: work?.initialQueue ?? 0,
      busyFraction: 0,
      previousRate: null,
      initial: 0,
    };
  });
  warmStart(lanes, config.capacity);
  for (const lane of lanes) {
    // Started one start-latency before t = 0, so they are running when the trace begins.
    cluster.scaleTo(lane.name, lane.initial, -lane.service.startLatencyMs);
  }
  const durationS = Math.min(trace.durationS, options.durationS ?? Number.POSITIVE_INFINITY);
  const ticks = Math.ceil(durationS / dtS);
  const series: SeriesPoint[] = [];
  let nextSampleS = 0;
  for (let tick = 0; tick < ticks; tick++) {
    const tS = tick * dtS;
    const tMs = Math.round(tS * 1000);
    const rates = lanes.map((lane) => lane.arrivals(tS));
    const views: ServiceView[] = lanes.map((lane, i) => ({
      service: lane.service,
      actual: cluster.state(lane.name, tMs),
      queue: lane.queue,
      arrivalRate: rates[i] ?? 0,
      measuredArrivalRate: lane.previousRate ?? rates[i] ?? 0,
      busyFraction: lane.busyFraction,
    }));
    const targets = policy.decide(tS, dtS, views);
    const changed = lanes.map((lane, i) => {
      lane.previousRate = rates[i] ?? 0;
      const view = views[i];
      const target = targets.get(lane.name);
      const change = view !== undefined && target !== undefined && target !== view.actual.running + view.actual.starting;
      if (change) cluster.scaleTo(lane.name, target, tMs);
      return change;
    });
    // The tick in pieces at each moment a container finishes starting or exits: a container works from
    // the moment it runs, not from the next tick (with ticks longer than the latencies, the difference
    // is most of a start). With latencies that are multiples of the tick there is one piece.
    const endMs = Math.round((tick + 1) * dtS * 1000);
    const worked = lanes.map(() => ({ worked: 0, capacity: 0 }));
    for (let fromMs = tMs; fromMs < endMs; ) {
      const next = cluster.nextTransitionMs(fromMs);
      const toMs = next !== undefined && next < endMs ? next : endMs;
      const pieceS = (toMs - fromMs) / 1000;
      lanes.forEach((lane, i) => {
        const view = views[i];
        const state = fromMs === tMs && !changed[i] && view ? view.actual : cluster.state(lane.name, fromMs);
        lane.accumulator.containerSeconds += (state.running + state.starting + state.stopping) * pieceS;
        const work = lane.service.simulation ?? lane.service.background;
        if (!work) {
          lane.accumulator.busySeconds += state.running * pieceS; // background work is always there
          return;
        }
        // A queue service, or background work with its own arrivals: busy only for the work done.
        const step = advanceQueue(lane.queue, rates[i] ?? 0, state.running, work.ratePerContainer, pieceS);
        lane.queue = step.queue;
        const sum = worked[i];
        if (sum) {
          sum.worked += step.worked;
          sum.capacity += state.running * work.ratePerContainer * pieceS;
        }
        lane.accumulator.busySeconds += step.worked / work.ratePerContainer;
        if (toMs === endMs) lane.accumulator.addQueue(step.queue, state.running, pieceS);
        else lane.accumulator.addViolation(step.queue, state.running, pieceS);
      });
      fromMs = toMs;
    }
    lanes.forEach((lane, i) => {
      const sum = worked[i];
      if (sum && (lane.service.simulation ?? lane.service.background)) lane.busyFraction = sum.capacity > 0 ? sum.worked / sum.capacity : 0;
    });
    if (options.sampleEveryS !== undefined && tS >= nextSampleS) {
      nextSampleS += options.sampleEveryS;
      series.push({
        tS,
        queue: lanes.map((l) => l.queue),
        live: lanes.map((l) => {
          const s = cluster.state(l.name, tMs);
          return s.running + s.starting;
        }),
      });
    }
  }
  const services = lanes.map((lane) => lane.accumulator.finish((cluster.started.get(lane.name) ?? 0) - lane.initial));
  const simulatedS = ticks * dtS;
  return {
    score: {
      policy: policy.name,
      durationS: simulatedS,
      capacity: config.capacity,
      services,
      utilization: utilizationOf(services, config.capacity, simulatedS),
    },
    series,
  };
}
