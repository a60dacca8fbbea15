// Starts in flight on the daemon, so removals can wait for them. A removal beside a start slows the
// start on a busy daemon (measured on 2 cores, 3 containers replaced at once: all 3 running 0.69-0.87 s
// after the kill with removals held back, 0.97-1.02 s with them beside the starts), and an exited
// container holds no place, so a removal can wait: for no start in flight, at most `maxWaitMs`.
export class StartGate {
  private active = 0;
  private waiters: (() => void)[] = [];

  get inFlight(): number {
    return this.active;
  }

  /** Removals waiting for the starts to settle (a waiter that timed out is no longer counted). */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Counts `work` as a start in flight until it settles; returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.active++;
    return work.finally(() => {
      this.active--;
      if (this.active === 0) for (const resolve of this.waiters.splice(0)) resolve();
    });
  }

  /** Resolves once no start is in flight, or after `maxWaitMs` (a stream of starts never holds a removal for long). */
  async idle(maxWaitMs: number): Promise<void> {
    if (this.active === 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      // A waiter that times out leaves the list, so a daemon that is never idle does not pile them up.
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(done);
        if (at >= 0) this.waiters.splice(at, 1);
        done();
      }, maxWaitMs);
      this.waiters.push(done);
    });
  }
}
