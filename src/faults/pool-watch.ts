// Watches a pool from outside, as an operator's `docker ps` would: every 100 ms a list of the pool's
// containers, kept with its time. "Holding" a place in the pool: running, paused or
// restarting: a place is held from a container's start to its exit. A `created` container runs nothing
// (the docker engine creates a waiting start ahead of the exit that makes room: prepared.ts), and an
// exited, dead or being-removed one runs nothing any more. PoolEvents keeps the daemon's own events of
// the pool (start, die, ...) with the daemon's times.
import type Docker from 'dockerode';
import { poolFilter, LABEL } from '../engines/docker/labels.js';
import { destroyStream, onJsonLines } from '../util/json-lines.js';
import type { PoolEvent } from './agent-latency.js';

export interface PoolSample {
  readonly atMs: number;
  /** Containers holding a place, by service. */
  readonly holding: ReadonlyMap<string, number>;
  /** Their ids. */
  readonly holdingIds: readonly string[];
  /** Running containers by service. */
  readonly running: ReadonlyMap<string, number>;
  /** Every container of the pool, in any state. */
  readonly all: number;
}

const HOLDING = new Set(['running', 'paused', 'restarting']);

export async function samplePool(docker: Docker, pool: string): Promise<PoolSample> {
  const atMs = Date.now();
  const found = await docker.listContainers({ all: true, filters: { label: poolFilter(pool) } });
  const holding = new Map<string, number>();
  const running = new Map<string, number>();
  const holdingIds: string[] = [];
  for (const c of found) {
    const service = c.Labels[LABEL.service] ?? '?';
    if (HOLDING.has(c.State)) holding.set(service, (holding.get(service) ?? 0) + 1);
    if (HOLDING.has(c.State)) holdingIds.push(c.Id);
    if (c.State === 'running') running.set(service, (running.get(service) ?? 0) + 1);
  }
  return { atMs, holding, holdingIds, running, all: found.length };
}

const total = (counts: ReadonlyMap<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);

/** Whether the pool is exactly `expected` running, with nothing else in it (no orphan, no duplicate). */
export function exactly(sample: PoolSample, expected: Readonly<Record<string, number>>): boolean {
  const want = Object.values(expected).reduce((a, b) => a + b, 0);
  return sample.all === want && Object.entries(expected).every(([service, count]) => (sample.running.get(service) ?? 0) === count);
}

export class PoolWatch {
  readonly samples: PoolSample[] = [];
  readonly errors: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly docker: Docker,
    private readonly pool: string,
    private readonly everyMs = 100,
  ) {}

  start(): void {
    const tick = (): void => {
      samplePool(this.docker, this.pool)
        .then((sample) => this.samples.push(sample))
        .catch((error: unknown) => this.errors.push(String(error)))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.everyMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The most containers holding a place at once, over the samples since `sinceMs`. */
  mostHolding(sinceMs = 0): number {
    return Math.max(0, ...this.samples.filter((s) => s.atMs >= sinceMs).map((s) => total(s.holding)));
  }

  /** The first sample at or after `sinceMs` where the pool is exactly `expected`. */
  firstExactly(sinceMs: number, expected: Readonly<Record<string, number>>): PoolSample | undefined {
    return this.samples.find((s) => s.atMs >= sinceMs && exactly(s, expected));
  }
}

/** The daemon's container events of a pool, from start() on, each at the daemon's time (timeNano). */
export class PoolEvents {
  readonly events: PoolEvent[] = [];
  private stream: NodeJS.ReadableStream | undefined;

  constructor(
    private readonly docker: Docker,
    private readonly pool: string,
  ) {}

  /**
   * Follows the daemon's events from now on, or from `sinceMs` (the daemon replays what it has since then:
   * after a restart of the daemon, all it sent since it started again). Called again after the daemon
   * was down, it adds to the same list.
   */
  async start(sinceMs?: number): Promise<void> {
    const stream = await this.docker.getEvents({
      filters: { type: ['container'], label: poolFilter(this.pool) },
      ...(sinceMs !== undefined ? { since: Math.floor(sinceMs / 1000) } : {}),
    });
    this.stream = stream;
    stream.on('error', () => undefined); // the daemon went away: the stream ends; start() again once it is back
    onJsonLines<{ id?: string; Action?: string; timeNano?: number }>(stream, (e) => {
      if (e.id && e.Action && typeof e.timeNano === 'number') this.events.push({ id: e.id, action: e.Action, atMs: e.timeNano / 1e6 });
    });
  }

  stop(): void {
    destroyStream(this.stream);
    this.stream = undefined;
  }
}

/**
 * The most containers between their `start` and their `die` at once, by the daemon's own event times
 * (its process runs from the one to the other), and when that was.
 */
export function mostHoldingByEvents(events: readonly PoolEvent[]): { most: number; atMs: number | null } {
  const holding = new Set<string>();
  let most = 0;
  let atMs: number | null = null;
  for (const e of [...events].sort((a, b) => a.atMs - b.atMs)) {
    if (e.action === 'start') holding.add(e.id);
    else if (e.action === 'die') holding.delete(e.id);
    if (holding.size > most) [most, atMs] = [holding.size, e.atMs];
  }
  return { most, atMs };
}

/** Over the pool, judged by the processes (see CapacityFigures). */
export interface CapacityFigures {
  /**
   * The most containers holding a place in any sample, as Docker's list says. The list lags the `die`:
   * Docker (20.10) sends `die` once the process has ended, then cleans up (unmounts, releases the
   * network), and only then updates the state its list reads (64-423 ms later at load 12-16 here), while
   * the docker engine starts a replacement on the `die`.
   */
  readonly mostHolding: number;
  /** The same, less the containers of each sample whose `die` the daemon had sent before it. */
  readonly mostHoldingLessDied: number;
  /** The most between their `start` and `die` at once, by the daemon's own events. */
  readonly mostHoldingByEvents: number;
  /** Containers a sample saw holding a place whose `start` event never came (0: the events are complete). */
  readonly withoutStartEvent: number;
  /** For each sample (the first 5) the list saw over the pool: each of its containers' start and die, ms from the sample. */
  readonly overCapacity: readonly { atMs: number; containers: { id: string; startMs: number | null; dieMs: number | null }[] }[];
}

/** What the samples and the daemon's events say of the pool's capacity. Pure. */
export function capacityFigures(samples: readonly PoolSample[], events: readonly PoolEvent[], capacity: number): CapacityFigures {
  const eventMs = (id: string, action: string, fromMs: number): number | null => {
    const found = events.find((e) => e.id === id && e.action === action);
    return found ? Math.round(found.atMs - fromMs) : null;
  };
  const diedBefore = (id: string, atMs: number): boolean => events.some((e) => e.id === id && e.action === 'die' && e.atMs < atMs);
  const started = new Set(events.filter((e) => e.action === 'start').map((e) => e.id));
  return {
    mostHolding: Math.max(0, ...samples.map((s) => s.holdingIds.length)),
    mostHoldingLessDied: Math.max(0, ...samples.map((s) => s.holdingIds.filter((id) => !diedBefore(id, s.atMs)).length)),
    mostHoldingByEvents: mostHoldingByEvents(events).most,
    withoutStartEvent: new Set(samples.flatMap((s) => s.holdingIds.filter((id) => !started.has(id)))).size,
    overCapacity: samples
      .filter((s) => s.holdingIds.length > capacity)
      .slice(0, 5)
      .map((s) => ({
        atMs: s.atMs,
        containers: s.holdingIds.map((id) => ({
          id: id.slice(0, 12),
          startMs: eventMs(id, 'start', s.atMs),
          dieMs: eventMs(id, 'die', s.atMs),
        })),
      })),
  };
}
