// Starts containers with bounded concurrency. A start counts as pending (so as `starting`) from the
// moment it is queued until its container exists on the daemon, so two ticks never start the same
// container twice; starts not yet begun can be cancelled when the target falls again.
// The first start of a burst (the queue was idle) runs alone: it is the one an urgent service waits for,
// and parallel creates slow every one of them on a busy daemon (measured on 2 cores: first of 10 running
// after ~0.4 s alone vs ~1.1 s among 8 at once; all 10 take about as long either way). Once it is done
// the rest run `concurrency` at a time.
interface Job {
  readonly service: string;
  readonly run: (created: () => void) => Promise<void>;
}

export class StartQueue {
  private readonly waiting: Job[] = [];
  private active = 0;
  /** False while the first start of a burst is in flight alone. */
  private warm = false;
  private readonly pending = new Map<string, number>();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly concurrency: number) {}

  /** Starts queued or being created (no container on the daemon yet). */
  pendingFor(service: string): number {
    return this.pending.get(service) ?? 0;
  }

  push(service: string, run: Job['run']): void {
    this.adjust(service, 1);
    this.waiting.push({ service, run });
    this.pump();
  }

  /** Drops up to `count` of the service's starts that have not begun; returns how many. */
  cancel(service: string, count: number): number {
    let dropped = 0;
    for (let i = this.waiting.length - 1; i >= 0 && dropped < count; i--) {
      if (this.waiting[i]?.service !== service) continue;
      this.waiting.splice(i, 1);
      this.adjust(service, -1);
      dropped++;
    }
    return dropped;
  }

  /** Drops every start not begun, and resolves once those in flight are done. */
  async drain(): Promise<void> {
    for (const job of this.waiting.splice(0)) this.adjust(job.service, -1);
    if (this.active === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private adjust(service: string, delta: number): void {
    const next = (this.pending.get(service) ?? 0) + delta;
    if (next <= 0) this.pending.delete(service);
    else this.pending.set(service, next);
  }

  private pump(): void {
    while (this.active < (this.warm ? this.concurrency : 1)) {
      const job = this.waiting.shift();
      if (!job) break;
      this.active++;
      let counted = true;
      const created = (): void => {
        if (!counted) return;
        counted = false;
        this.adjust(job.service, -1);
      };
      void job
        .run(created)
        .catch(() => undefined) // the job reports its own failure
        .finally(() => {
          created();
          this.active--;
          this.warm = this.active > 0 || this.waiting.length > 0;
          this.pump();
          if (this.active === 0 && this.waiting.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        });
    }
  }
}
