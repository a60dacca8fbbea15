// When the agent ticks: one tick every `interval`, counted from the start of the previous tick (sooner
// when a source or the engine says something changed, but never closer than `minTickGap`), never two at
// once. A wake during a tick (perhaps after its reads) gets a tick of its own as soon as it ends.
export interface TickTiming {
  readonly intervalMs: number;
  readonly minTickGapMs: number;
}

export class TickSchedule {
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerDueAtMs = Number.POSITIVE_INFINITY;
  /** A wake came while a tick was running (perhaps after its reads): tick again once it ends. */
  private wokenDuringTick = false;
  private stopped = false;
  private lastStartMs = Number.NEGATIVE_INFINITY;

  /** `tick` runs one tick that began at `startMs`; `timing` is read at each use (a reload may change it). */
  constructor(
    private readonly tick: (startMs: number) => Promise<void>,
    private readonly timing: () => TickTiming,
    private readonly nowMs: () => number,
  ) {}

  /** Ask for a tick as soon as the minimum gap allows (events from sources and engines). */
  wake(): void {
    if (this.stopped) return;
    const due = this.lastStartMs + this.timing().minTickGapMs - this.nowMs();
    this.schedule(Math.max(0, due));
  }

  /** Sets the next tick, unless one is already due sooner: a storm of wake-ups never postpones a tick. */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const dueAtMs = this.nowMs() + delayMs;
    if (this.timer) {
      if (this.timerDueAtMs <= dueAtMs) return;
      clearTimeout(this.timer);
    }
    this.timerDueAtMs = dueAtMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.running) this.wokenDuringTick = true;
      else void this.tickNow();
    }, delayMs);
  }

  /** Runs one tick now, or waits for the one in progress (never two at once). */
  async tickNow(): Promise<void> {
    if (this.running) {
      await this.running;
      return;
    }
    const startMs = this.nowMs();
    this.lastStartMs = startMs;
    this.running = this.tick(startMs).finally(() => {
      this.running = null;
      const woken = this.wokenDuringTick;
      this.wokenDuringTick = false;
      // A push or an engine event during the tick may have come after its reads: it gets its own tick.
      // Otherwise the next tick is one interval after this one began (a polled source is read every
      // interval, not every interval + the tick's reads and apply), or, when the tick took longer than
      // the interval (a slow source or engine), one interval after it ended, so an overloaded agent
      // still rests between ticks.
      const { intervalMs, minTickGapMs } = this.timing();
      const sinceStartMs = this.nowMs() - this.lastStartMs;
      this.schedule(woken ? Math.max(0, minTickGapMs - sinceStartMs) : sinceStartMs < intervalMs ? intervalMs - sinceStartMs : intervalMs);
    });
    await this.running;
  }

  /** Starts nothing new; resolves once the tick in progress (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
