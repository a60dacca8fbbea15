// Starts that wait for room, prepared: the container is created now (labelled LABEL.prepared, so it
// holds no place in the pool while `created`) and started the moment a container of the pool dies,
// straight from the `die` event, not at the next tick. The n-th prepared start of a plan begins after
// its `needExits`-th exit since that plan (PlanEntry.prepare: the arbiter counts the exits that free
// nothing and those promised to higher priorities), so a start replaces an exit one for one and the
// daemon never runs more containers of the pool than before the exit. A new plan re-assigns the prepared
// containers it still wants (waiting again, or started at once when the plan has room now) and removes
// the others. A prepared container an earlier run left (the agent was killed) is adopted the same way:
// up for re-assignment by the next plan, never removed and created again.
import type Docker from 'dockerode';
import type { Logger } from '../../log/logger.js';

interface PreparedStart {
  readonly service: string;
  needExits: number;
  /** Set once created. */
  id?: string;
  /** The create call in flight, resolving to the id (undefined when it failed or was cancelled). */
  readonly created: Promise<string | undefined>;
  startRequested: boolean;
  cancelled: boolean;
}

export interface PreparedHooks {
  /** Creates a prepared container of the service; resolves to its id. */
  readonly create: (service: string) => Promise<string>;
  /** A prepared container was created: record it (the cache) before its event arrives. */
  readonly onCreated: (service: string, id: string) => void;
  /** The daemon answered a start: record it (the cache) before its event arrives, which may be late. */
  readonly onStarted: (id: string) => void;
  /** A start failed: report it with the next apply and clean the container up. */
  readonly onStartFailed: (service: string, id: string, error: unknown) => void;
  /** A start is sent: counted as in flight until it is answered (removals wait for it: StartGate). */
  readonly trackStart?: (work: Promise<unknown>) => Promise<unknown>;
}

export class PreparedStarts {
  private starts: PreparedStart[] = [];
  private exits = 0;
  /** Ids of prepared containers whose start has been asked for: they hold a place from then on. */
  private readonly startRequested = new Set<string>();
  /** Ids this engine prepared (for telling them from another agent's, which are orphans here). */
  private readonly mine = new Set<string>();
  private readonly awaitingCreate = new Map<string, number>();
  /** Starts and removals in flight, for close(). */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly docker: Docker,
    private readonly hooks: PreparedHooks,
    private readonly log: Logger,
  ) {}

  isStartRequested(id: string): boolean {
    return this.startRequested.has(id);
  }

  owns(id: string): boolean {
    return this.mine.has(id);
  }

  /** Prepared starts of the service whose container is not created yet (the created ones are in the cache). */
  creatingFor(service: string): number {
    return this.starts.filter((s) => s.service === service && s.id === undefined && !s.cancelled && !s.startRequested).length;
  }

  /** Starts asked for (an exit came) whose container is still being created: they hold a place already. */
  startingFor(service: string): number {
    return this.awaitingCreate.get(service) ?? 0;
  }

  private adjustAwaiting(service: string, delta: number): void {
    const next = (this.awaitingCreate.get(service) ?? 0) + delta;
    if (next <= 0) this.awaitingCreate.delete(service);
    else this.awaitingCreate.set(service, next);
  }

  /** A new plan begins: exits are counted from now, and every prepared start is up for re-assignment. */
  beginPlan(): PreparedStart[] {
    this.exits = 0;
    const previous = this.starts;
    this.starts = [];
    return previous;
  }

  /**
   * A prepared container an earlier run left, found by adoption: the next plan re-assigns it (wants it,
   * or starts it when it has room) like one of its own, or removes it. Never started before a plan.
   */
  adopt(service: string, id: string): void {
    this.mine.add(id);
    this.starts.push({
      service,
      id,
      needExits: Number.POSITIVE_INFINITY,
      created: Promise.resolve(id),
      startRequested: false,
      cancelled: false,
    });
  }

  /** An adopted container acted on at once (adoption.ts): started (the last plan wants it) or removed. */
  settleAdopted(id: string, action: 'start' | 'remove'): void {
    const found = this.starts.find((s) => s.id === id && !s.startRequested && !s.cancelled);
    if (!found) return;
    this.starts = this.starts.filter((s) => s !== found);
    if (action === 'start') this.start(found);
    else this.cancel(found);
  }

  /**
   * The plan has room for `count` more of the service now: starts up to that many of the previous
   * plan's prepared containers at once (cheaper than creating new ones). Returns how many it started.
   */
  startNow(service: string, count: number, previous: PreparedStart[]): number {
    let started = 0;
    while (started < count) {
      const index = previous.findIndex((s) => s.service === service && !s.startRequested && !s.cancelled);
      const start = index >= 0 ? previous.splice(index, 1)[0] : undefined;
      if (!start) break;
      this.start(start);
      started++;
    }
    return started;
  }

  /** The plan wants `count` prepared starts of the service, the n-th after `afterExits + n` exits: reuse, then create. */
  want(service: string, count: number, afterExits: number, previous: PreparedStart[]): void {
    for (let n = 1; n <= count; n++) {
      const index = previous.findIndex((s) => s.service === service && !s.startRequested && !s.cancelled);
      const reused = index >= 0 ? previous.splice(index, 1)[0] : undefined;
      const start = reused ?? this.create(service);
      start.needExits = afterExits + n;
      this.starts.push(start);
    }
  }

  /**
   * The plan is complete: prepared starts it did not re-assign are kept ahead of need, up to `ahead`
   * of the service (`docker.preCreate`: a later plan starts them instead of creating), or removed.
   */
  endPlan(previous: readonly PreparedStart[], ahead: (service: string) => number = () => 0): void {
    for (const start of previous) {
      if (start.startRequested || start.cancelled) continue;
      if (this.aheadFor(start.service) < ahead(start.service)) {
        start.needExits = Number.POSITIVE_INFINITY;
        this.starts.push(start);
      } else {
        this.cancel(start);
      }
    }
  }

  /** Prepared containers of the service that no start waits on (kept ahead of need). */
  aheadFor(service: string): number {
    return this.starts.filter((s) => s.service === service && !s.startRequested && !s.cancelled && s.needExits === Number.POSITIVE_INFINITY)
      .length;
  }

  /** Prepared starts that wait for an exit (a plan's, not those kept ahead). */
  get waiting(): number {
    return this.starts.filter((s) => !s.startRequested && !s.cancelled && s.needExits !== Number.POSITIVE_INFINITY).length;
  }

  /** Creates prepared containers of the service until `count` are kept ahead of need (`docker.preCreate`). */
  topUp(service: string, count: number): void {
    for (let n = this.aheadFor(service); n < count; n++) {
      const start = this.create(service);
      start.needExits = Number.POSITIVE_INFINITY;
      this.starts.push(start);
    }
  }

  /** Removes the service's prepared containers not started: its keys changed (they were created with the old ones), or it is gone. */
  discard(service: string): void {
    for (const start of this.starts) if (start.service === service && !start.startRequested) this.cancel(start);
    this.starts = this.starts.filter((s) => !s.cancelled);
  }

  /** A container of the pool that held a place has exited: start those whose exit has come. */
  exited(): void {
    this.exits++;
    for (const start of this.starts) if (!start.startRequested && !start.cancelled && start.needExits <= this.exits) this.start(start);
    this.starts = this.starts.filter((s) => !s.startRequested && !s.cancelled);
  }

  /** Removes every prepared container not started (the agent stops: no plan wants them any more). */
  async close(): Promise<void> {
    for (const start of this.beginPlan()) if (!start.startRequested) this.cancel(start);
    await Promise.all(this.inFlight);
  }

  private create(service: string): PreparedStart {
    const start: PreparedStart = {
      service,
      needExits: 0,
      startRequested: false,
      cancelled: false,
      created: this.hooks.create(service).then(
        (id) => {
          this.mine.add(id);
          start.id = id;
          if (start.startRequested) {
            this.startRequested.add(id);
            this.adjustAwaiting(service, -1);
          }
          this.hooks.onCreated(service, id);
          return id;
        },
        (error: unknown) => {
          if (start.startRequested) this.adjustAwaiting(service, -1);
          this.log.warn(
            { event: 'docker-prepare-failed', service, error: String(error) },
            `could not prepare a container of ${service}; it will start at the next tick instead`,
          );
          start.cancelled = true;
          return undefined;
        },
      ),
    };
    return start;
  }

  private start(start: PreparedStart): void {
    start.startRequested = true;
    if (start.id) this.startRequested.add(start.id);
    else this.adjustAwaiting(start.service, 1); // holds its place from now, though its create is still in flight
    const work = start.created.then(async (id) => {
      if (!id) return;
      try {
        await this.docker.getContainer(id).start();
        this.hooks.onStarted(id); // before it leaves `mine`: adoption must never take it for a leftover
        this.mine.delete(id); // started: an ordinary container of the pool from now on
      } catch (error) {
        this.hooks.onStartFailed(start.service, id, error);
      }
    });
    this.track(this.hooks.trackStart?.(work) ?? work);
  }

  private cancel(start: PreparedStart): void {
    start.cancelled = true;
    this.track(
      start.created.then(async (id) => {
        if (!id) return;
        await this.docker
          .getContainer(id)
          .remove({ force: true })
          .then(
            () => this.mine.delete(id),
            () => this.mine.delete(id), // already gone, or left behind: then the reaper removes it as an orphan
          );
      }),
    );
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}
