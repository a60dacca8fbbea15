// The demo's score, from its tick records weighted by time (each record holds until the next): how much
// of the time priority 1 had its demand (running + starting, and running alone), the pool was full
// (running + starting of all = capacity), and the pool was held over capacity. `demo --summary` prints it.
import type { TickRecord } from '../../agent/records.js';

export interface DemoScore {
  /** Seconds covered: from the first record to the last. */
  readonly seconds: number;
  /** Share of the time P1 running + starting >= its demand. */
  readonly p1Met: number;
  /** Share of the time P1 running >= its demand. */
  readonly p1Running: number;
  /** Share of the time running + starting of every service = capacity. */
  readonly poolFull: number;
  /** Share of the time the pool held more than its capacity (running + starting + stopping). */
  readonly overCapacity: number;
  /** The most the pool held in any record. */
  readonly maxUsed: number;
}

type Scored = Pick<TickRecord, 't' | 'capacity' | 'used'> & {
  readonly services: readonly Pick<TickRecord['services'][number], 'priority' | 'demand' | 'running' | 'starting'>[];
};

export function scoreDemo(ticks: readonly Scored[]): DemoScore {
  let total = 0;
  let p1Met = 0;
  let p1Running = 0;
  let poolFull = 0;
  let over = 0;
  for (let i = 0; i + 1 < ticks.length; i++) {
    const tick = ticks[i];
    const next = ticks[i + 1];
    if (!tick || !next) continue;
    const dt = next.t - tick.t;
    total += dt;
    const p1 = tick.services.find((s) => s.priority === 1);
    if (p1?.demand !== null && p1 !== undefined) {
      if (p1.running + p1.starting >= p1.demand) p1Met += dt;
      if (p1.running >= p1.demand) p1Running += dt;
    }
    if (tick.services.reduce((sum, s) => sum + s.running + s.starting, 0) === tick.capacity) poolFull += dt;
    if (tick.used > tick.capacity) over += dt;
  }
  const share = (x: number): number => (total > 0 ? x / total : 0);
  return {
    seconds: total,
    p1Met: share(p1Met),
    p1Running: share(p1Running),
    poolFull: share(poolFull),
    overCapacity: share(over),
    maxUsed: Math.max(0, ...ticks.map((t) => t.used)),
  };
}

export function scoreLine(score: DemoScore): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  return (
    `demo score over ${score.seconds.toFixed(1)} s (time-weighted): P1 running + starting >= demand ${pct(score.p1Met)}, ` +
    `P1 running >= demand ${pct(score.p1Running)}, pool full ${pct(score.poolFull)}, ` +
    `over capacity ${pct(score.overCapacity)} (most held ${score.maxUsed})`
  );
}
