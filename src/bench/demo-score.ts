// Scoring `bench demo` exactly from the daemon's events: the running count of each service changes at
// each container's `start` and `die` (the daemon's own timestamps), the demand at each replayed change.
// Pure: a list of timed changes in, the figures out.

export interface DemandChange {
  readonly atMs: number;
  readonly demand: number;
}

export interface ContainerChange {
  readonly atMs: number;
  /** 'p1' (the priority-1 service) or 'p2' (the background one). */
  readonly service: 'p1' | 'p2';
  /** +1 on start, -1 on die. */
  readonly delta: 1 | -1;
}

export interface DemoRunScore {
  readonly seconds: number;
  /** Share of the time P1 running >= demand. */
  readonly p1Met: number;
  /** Share of the time P1 running = demand and P2 running = capacity - demand. */
  readonly bothAtDemand: number;
  /** Share of the time P1 + P2 running = capacity. */
  readonly poolFull: number;
  /** Share of the time P1 + P2 running > capacity, and the most that ran at once. */
  readonly over: number;
  readonly maxRunning: number;
  /** Seconds from each demand change to both at demand (null: never within the change). */
  readonly changeToBoth: readonly (number | null)[];
  /** Seconds from each P1 increase to P1 running >= demand. */
  readonly increaseToP1: readonly (number | null)[];
  /** Seconds from a container's death to the start that takes its place (paired in order within one demand change). */
  readonly exitToStart: readonly number[];
}

/**
 * From `fromMs` (demand[0] in force, the containers counted in `initial`) to `untilMs`. Each demand
 * change's reaction time ends at the first moment the condition holds, or is null if the next change
 * (or the end) comes first.
 */
export function scoreDemoRun(
  capacity: number,
  demand: readonly DemandChange[],
  changes: readonly ContainerChange[],
  initial: { p1: number; p2: number },
  fromMs: number,
  untilMs: number,
): DemoRunScore {
  type Point = { atMs: number; kind: 'demand'; demand: number } | { atMs: number; kind: 'container'; change: ContainerChange };
  const points: Point[] = [
    ...demand.map((d): Point => ({ atMs: d.atMs, kind: 'demand', demand: d.demand })),
    ...changes.filter((c) => c.atMs >= fromMs && c.atMs <= untilMs).map((c): Point => ({ atMs: c.atMs, kind: 'container', change: c })),
  ].sort((a, b) => a.atMs - b.atMs || (a.kind === 'container' ? -1 : 1));
  let p1 = initial.p1;
  let p2 = initial.p2;
  let current = demand[0]?.demand ?? 0;
  let atMs = fromMs;
  const time = { p1Met: 0, both: 0, full: 0, over: 0 };
  let maxRunning = p1 + p2;
  const changeToBoth: (number | null)[] = [];
  const increaseToP1: (number | null)[] = [];
  let waitingBoth: number | undefined;
  let waitingP1: number | undefined;
  const exitToStart: number[] = [];
  let deaths: number[] = [];
  const settle = (nowMs: number): void => {
    if (waitingBoth !== undefined && p1 === current && p2 === capacity - current) {
      changeToBoth.push((nowMs - waitingBoth) / 1000);
      waitingBoth = undefined;
    }
    if (waitingP1 !== undefined && p1 >= current) {
      increaseToP1.push((nowMs - waitingP1) / 1000);
      waitingP1 = undefined;
    }
  };
  const advance = (toMs: number): void => {
    const dt = Math.max(0, toMs - atMs);
    if (p1 >= current) time.p1Met += dt;
    if (p1 === current && p2 === capacity - current) time.both += dt;
    if (p1 + p2 === capacity) time.full += dt;
    if (p1 + p2 > capacity) time.over += dt;
    atMs = Math.max(atMs, toMs);
  };
  for (const point of points) {
    advance(point.atMs);
    if (point.kind === 'demand') {
      if (point.demand === current && point.atMs > fromMs) continue;
      if (waitingBoth !== undefined) changeToBoth.push(null);
      if (waitingP1 !== undefined) increaseToP1.push(null);
      waitingP1 = point.demand > current ? point.atMs : undefined;
      waitingBoth = point.atMs > fromMs ? point.atMs : undefined;
      current = point.demand;
      deaths = [];
    } else {
      if (point.change.service === 'p1') p1 += point.change.delta;
      else p2 += point.change.delta;
      if (point.change.delta < 0) deaths.push(point.atMs);
      else {
        const death = deaths.shift();
        if (death !== undefined) exitToStart.push((point.atMs - death) / 1000);
      }
    }
    maxRunning = Math.max(maxRunning, p1 + p2);
    settle(point.atMs);
  }
  advance(untilMs);
  if (waitingBoth !== undefined) changeToBoth.push(null);
  if (waitingP1 !== undefined) increaseToP1.push(null);
  const total = Math.max(1, untilMs - fromMs);
  return {
    seconds: (untilMs - fromMs) / 1000,
    p1Met: time.p1Met / total,
    bothAtDemand: time.both / total,
    poolFull: time.full / total,
    over: time.over / total,
    maxRunning,
    changeToBoth,
    increaseToP1,
    exitToStart,
  };
}

/** The p-th percentile of the reaction times that ended (null ones are counted as the slowest). */
export function percentileS(values: readonly (number | null)[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = values.map((v) => v ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const value = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return value === undefined || !Number.isFinite(value) ? null : value;
}
