// Per service, the daemon's moments (its events' times) at which its latest containers became running
// (started; healthy when the image has a health check) and exited (die, oom): what the latency estimate
// times starts and stops to (ActualState.runningAtMs / goneAtMs, see core/latency.ts). Only the events
// stream tells these; a full list does not (the list API has no StartedAt), so a change seen only by a
// list (the stream was down) is timed to the read that saw it. The Docker engine's moments follow its
// state cache's events (cache.ts); Swarm's exits are noted from its own stream (swarm.ts). Each list is
// kept by withMoment (engines/shared/moments.ts), which Kubernetes keeps its pods' deletions with too.
import { withMoment } from '../shared/moments.js';
import type { ContainerCache } from './cache.js';

export interface Moments {
  readonly runningAtMs?: readonly number[];
  readonly goneAtMs?: readonly number[];
}

/** The fields of a Docker event this reads: `time` (s) and, from Engine API 1.22, `timeNano`. */
export interface TimedEvent {
  readonly time?: number;
  readonly timeNano?: number;
}

const NONE: Moments = {};

export class ServiceMoments {
  private readonly byService = new Map<string, Moments>();

  of(service: string): Moments {
    return this.byService.get(service) ?? NONE;
  }

  /**
   * Notes, from now on, the moments of the events the cache's stream tells. A change a full list found
   * comes without an event, so it carries no moment of the daemon's own.
   */
  follow(cache: Pick<ContainerCache, 'onEvent'>, hasHealthcheck: (service: string) => boolean): void {
    cache.onEvent((entry, action, _stateBefore, event) => {
      if (entry && event) this.note(entry.service, action, hasHealthcheck(entry.service), event);
    });
  }

  /** Notes an event of one of the service's containers, if it is a start (or healthy) or an exit. */
  note(service: string, action: string, hasHealthcheck: boolean, event: TimedEvent): void {
    const running = action === 'health_status: healthy' || (action === 'start' && !hasHealthcheck);
    const gone = action === 'die' || action === 'oom';
    if (!running && !gone) return;
    const atMs = event.timeNano !== undefined ? event.timeNano / 1e6 : event.time !== undefined ? event.time * 1000 : Number.NaN;
    if (!Number.isFinite(atMs)) return;
    const moments = this.of(service);
    this.byService.set(
      service,
      running
        ? { ...moments, runningAtMs: withMoment(moments.runningAtMs, atMs) }
        : { ...moments, goneAtMs: withMoment(moments.goneAtMs, atMs) },
    );
  }
}
