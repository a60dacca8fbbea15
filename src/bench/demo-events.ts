// `bench demo`: the daemon's own record of a pool: each container's `start`, `die` and `kill` (the signal
// sent) with the daemon's timestamps, the running count per service read from them, and where the time of
// a run went (a demand change to the tick that acts on it; SIGTERM -> SIGKILL -> die).
import type Docker from 'dockerode';
import { LABEL, poolFilter } from '../engines/docker/labels.js';
import { destroyStream, onJsonLines } from '../util/json-lines.js';
import type { ContainerChange, DemandChange } from './demo-score.js';

/** A `kill` (signal sent), `die` or `start` of one container, with the daemon's timestamp. */
export interface RawEvent {
  readonly atMs: number;
  readonly id: string;
  readonly action: string;
  readonly signal?: string;
}

/** Container starts and deaths of a pool, with the daemon's timestamps. */
export class EventLog {
  readonly changes: ContainerChange[] = [];
  readonly raw: RawEvent[] = [];
  private stream: NodeJS.ReadableStream | undefined;
  constructor(
    private readonly docker: Docker,
    private readonly pool: string,
    private readonly services: readonly string[] = ['p1', 'p2'],
  ) {}
  async open(): Promise<void> {
    this.stream = await this.docker.getEvents({
      filters: { type: ['container'], event: ['start', 'die', 'kill'], label: poolFilter(this.pool) },
    });
    onJsonLines<{ id?: string; Action?: string; timeNano?: number; Actor?: { Attributes?: Record<string, string> } }>(
      this.stream,
      (event) => {
        const service = event.Actor?.Attributes?.[LABEL.service];
        if (service === undefined || !this.services.includes(service) || event.timeNano === undefined) return;
        const signal = event.Actor?.Attributes?.signal;
        this.raw.push({
          atMs: event.timeNano / 1e6,
          id: event.id ?? '',
          action: event.Action ?? '',
          ...(signal === undefined ? {} : { signal }),
        });
        if (event.Action === 'kill') return;
        this.changes.push({ atMs: event.timeNano / 1e6, service: service as 'p1' | 'p2', delta: event.Action === 'start' ? 1 : -1 });
      },
    );
  }
  running(service: 'p1' | 'p2', beforeMs: number): number {
    return this.changes.filter((c) => c.service === service && c.atMs < beforeMs).reduce((sum, c) => sum + c.delta, 0);
  }
  close(): void {
    destroyStream(this.stream);
  }
}

/**
 * Where the time goes: each demand change to the start of the first tick after it that decided something
 * (the poll, or the push's wake), and for containers that ignore SIGTERM the daemon's SIGTERM `kill`
 * event to its SIGKILL `kill` event (the grace) and the SIGKILL to the `die`.
 */
export function timings(
  replayed: readonly DemandChange[],
  decidingTicks: readonly number[],
  raw: readonly RawEvent[],
  fromMs: number,
  untilMs: number,
): { changeToTick: number[]; termToKill: number[]; killToDie: number[] } {
  const changeToTick: number[] = [];
  for (let i = 1; i < replayed.length; i++) {
    const change = replayed[i];
    if (!change || change.demand === replayed[i - 1]?.demand) continue;
    const tick = decidingTicks.find((atMs) => atMs >= change.atMs);
    if (tick !== undefined && tick < (replayed[i + 1]?.atMs ?? untilMs)) changeToTick.push((tick - change.atMs) / 1000);
  }
  const termToKill: number[] = [];
  const killToDie: number[] = [];
  const first = (id: string, action: string, signal?: string): number | undefined =>
    raw.find((e) => e.id === id && e.action === action && (signal === undefined || e.signal === signal))?.atMs;
  for (const id of new Set(raw.filter((e) => e.atMs >= fromMs && e.action === 'kill').map((e) => e.id))) {
    const term = first(id, 'kill', '15');
    const kill = first(id, 'kill', '9');
    const die = first(id, 'die');
    if (term !== undefined && kill !== undefined) termToKill.push((kill - term) / 1000);
    if (kill !== undefined && die !== undefined) killToDie.push((die - kill) / 1000);
  }
  return { changeToTick, termToKill, killToDie };
}
