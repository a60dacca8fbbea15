// Per service, the daemon's moment (its event's time) of the latest container that became running
// (started; healthy when the image has a health check) and of the latest that exited (die, oom): what
// the latency estimate times starts and stops to (ActualState.lastRunningAtMs / lastGoneAtMs, see
// core/latency.ts). Only the events stream tells these; a full list does not (the list API has no
// StartedAt), so while the stream is down the estimate falls back to the tick that saw the change.

export interface Moments {
  readonly lastRunningAtMs?: number;
  readonly lastGoneAtMs?: number;
}

/** The fields of a Docker event this reads: `time` (s) and, from Engine API 1.22, `timeNano`. */
export interface TimedEvent {
  readonly time?: number;
  readonly timeNano?: number;
}

const NONE: Moments = {};

export class ServiceMoments {
  private readonly byService = new Map<string, { lastRunningAtMs?: number; lastGoneAtMs?: number }>();

  of(service: string): Moments {
    return this.byService.get(service) ?? NONE;
  }

  /** Notes an event of one of the service's containers, if it is a start (or healthy) or an exit. */
  note(service: string, action: string, hasHealthcheck: boolean, event: TimedEvent): void {
    const running = action === 'health_status: healthy' || (action === 'start' && !hasHealthcheck);
    const gone = action === 'die' || action === 'oom';
    if (!running && !gone) return;
    const atMs = event.timeNano !== undefined ? event.timeNano / 1e6 : event.time !== undefined ? event.time * 1000 : Number.NaN;
    if (!Number.isFinite(atMs)) return;
    const moments = this.byService.get(service) ?? {};
    if (running && atMs > (moments.lastRunningAtMs ?? Number.NEGATIVE_INFINITY)) moments.lastRunningAtMs = atMs;
    if (gone && atMs > (moments.lastGoneAtMs ?? Number.NEGATIVE_INFINITY)) moments.lastGoneAtMs = atMs;
    this.byService.set(service, moments);
  }
}
