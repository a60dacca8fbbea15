// A simulated orchestrator: containers that take `startLatencyMs` to start, `stopLatencyMs` to exit
// once asked to stop, and `removeLatencyMs` more to be removed. Pure state machine with time passed in,
// shared by the `sim` engine and the simulator.
//
// Like the Docker engine, an exited container no longer holds its place in the pool (it is not counted
// in running, starting or stopping), whether or not it has been removed. Starts that wait for room are
// prepared (PlanEntry.prepare: created, not started, holding no place) and begin at the very moment a
// container of the pool exits, one per exit past the plan's `afterExits`: the exit and the start are one
// transition, so the pool never holds more than it did before the exit and no record can show it over.
import type { ActualState, PrepareStarts } from '../../core/types.js';

/** Moments of starts reported: those of the last minute (a read interval longer than that times starts to the read). */
const RECENT_MS = 60_000;
/** Moments of exits kept per service. */
const MOMENTS_KEPT = 64;

interface SimContainer {
  readonly id: number;
  readonly service: string;
  readonly readyAtMs: number;
  /** Set once asked to stop: when it exits (frees its place). */
  exitAtMs?: number;
  /** When it is removed (forgotten). */
  goneAtMs?: number;
  /** Its exit has been counted toward the prepared starts. */
  exitCounted?: boolean;
}

/** A prepared start: begins once `needExits` containers of the pool have exited since the last plan. */
interface PreparedStart {
  readonly service: string;
  readonly needExits: number;
}

export interface SimLatency {
  readonly startLatencyMs: number;
  /** From the stop request to the exit. */
  readonly stopLatencyMs: number;
  /** From the exit to the removal; 0 when absent. */
  readonly removeLatencyMs?: number;
}

/** One service's target: running + starting to drive to, and the starts it waits for room for. */
export interface SimTarget {
  readonly name: string;
  readonly replicas: number;
  readonly prepare?: PrepareStarts | undefined;
}

export class SimCluster {
  /** Containers not yet removed, per service, in creation order (a service's reads and plans touch only its own). */
  private readonly containers = new Map<string, SimContainer[]>();
  /** Containers asked to stop and not yet removed: the only ones `advance` has to look at. */
  private stopped: SimContainer[] = [];
  private nextId = 1;
  private prepared: PreparedStart[] = [];
  /** Exits of pool containers since the last plan (apply). */
  private exitsSincePlan = 0;
  /** When each service's latest containers asked to stop exited, oldest first (ActualState.goneAtMs). */
  private readonly exitsMs = new Map<string, readonly number[]>();
  /** Containers started since creation, per service (churn). */
  readonly started = new Map<string, number>();

  constructor(private readonly latency: (service: string) => SimLatency) {}

  /**
   * Plays every exit up to `nowMs` in time order: each counts toward the prepared starts, which begin at
   * that exit's moment. Then forgets the removed containers.
   */
  private advance(nowMs: number): void {
    if (this.stopped.length === 0) return;
    const exits = this.stopped
      .filter((c) => c.exitAtMs !== undefined && c.exitAtMs <= nowMs && !c.exitCounted)
      .sort((a, b) => (a.exitAtMs ?? 0) - (b.exitAtMs ?? 0) || a.id - b.id);
    for (const exited of exits) {
      exited.exitCounted = true;
      this.exitsSincePlan++;
      // A new array each exit, in time order (`exits` is sorted): a state handed out never changes.
      const exitsMs = this.exitsMs.get(exited.service) ?? [];
      this.exitsMs.set(exited.service, [...exitsMs.slice(1 - MOMENTS_KEPT), exited.exitAtMs ?? nowMs]);
      const due = this.prepared.filter((p) => p.needExits <= this.exitsSincePlan);
      if (due.length === 0) continue;
      this.prepared = this.prepared.filter((p) => p.needExits > this.exitsSincePlan);
      for (const start of due) this.start(start.service, exited.exitAtMs ?? nowMs);
    }
    const kept = (c: SimContainer): boolean => c.goneAtMs === undefined || c.goneAtMs > nowMs;
    if (this.stopped.every(kept)) return;
    const services = new Set(this.stopped.filter((c) => !kept(c)).map((c) => c.service));
    this.stopped = this.stopped.filter(kept);
    for (const service of services) this.containers.set(service, this.listOf(service).filter(kept));
  }

  private listOf(service: string): SimContainer[] {
    let list = this.containers.get(service);
    if (!list) {
      list = [];
      this.containers.set(service, list);
    }
    return list;
  }

  private start(service: string, atMs: number): void {
    this.listOf(service).push({ id: this.nextId++, service, readyAtMs: atMs + this.latency(service).startLatencyMs });
    this.started.set(service, (this.started.get(service) ?? 0) + 1);
  }

  /** The next moment a container finishes starting or exits, if any (removal changes no count in the pool). */
  nextTransitionMs(nowMs: number): number | undefined {
    let next: number | undefined;
    for (const list of this.containers.values()) {
      for (const c of list) {
        const at = c.exitAtMs ?? c.readyAtMs;
        if (at > nowMs && (next === undefined || at < next)) next = at;
      }
    }
    return next;
  }

  state(service: string, nowMs: number): ActualState {
    this.advance(nowMs);
    let running = 0;
    let starting = 0;
    let stopping = 0;
    let runningAtMs: number[] | undefined;
    for (const c of this.containers.get(service) ?? []) {
      if (c.exitAtMs !== undefined) {
        if (c.exitAtMs > nowMs) stopping++;
      } else if (c.readyAtMs <= nowMs) {
        running++;
        if (c.readyAtMs > nowMs - RECENT_MS) (runningAtMs ??= []).push(c.readyAtMs);
      } else starting++;
    }
    const prepared = this.prepared.length === 0 ? 0 : this.prepared.filter((p) => p.service === service).length;
    const goneAtMs = this.exitsMs.get(service);
    // The simulated moments themselves: the latencies are learnt exactly, whatever the tick.
    return {
      running,
      starting,
      stopping,
      nodes: { sim: running + starting + stopping },
      ...(prepared > 0 ? { prepared } : {}),
      ...(runningAtMs ? { runningAtMs: runningAtMs.sort((a, b) => a - b) } : {}),
      ...(goneAtMs ? { goneAtMs } : {}),
    };
  }

  /**
   * A new plan: each service's running + starting is driven toward `replicas` (stopping starting ones
   * first, then the newest), and its waiting starts are prepared anew; those of the previous plan that
   * are no longer wanted are dropped. A service that holds more than `replicas` because a prepared start
   * began since the plan was made keeps it, up to `replicas + prepare.count`.
   */
  apply(targets: readonly SimTarget[], nowMs: number): void {
    this.advance(nowMs);
    this.prepared = [];
    this.exitsSincePlan = 0;
    for (const target of targets) {
      const live = this.listOf(target.name).filter((c) => c.exitAtMs === undefined);
      const waiting = target.prepare?.count ?? 0;
      const keep = Math.max(target.replicas, Math.min(live.length, target.replicas + waiting));
      if (keep > live.length) for (let i = live.length; i < keep; i++) this.start(target.name, nowMs);
      else if (keep < live.length) this.stop(live, live.length - keep, nowMs);
      const toPrepare = target.replicas + waiting - keep;
      for (let n = 1; n <= toPrepare; n++) this.prepared.push({ service: target.name, needExits: (target.prepare?.afterExits ?? 0) + n });
    }
  }

  /** Drive one service's running + starting toward `target` (the simulator's call: nothing prepared). */
  scaleTo(service: string, target: number, nowMs: number): void {
    this.advance(nowMs);
    this.prepared = this.prepared.filter((p) => p.service !== service);
    const live = this.listOf(service).filter((c) => c.exitAtMs === undefined);
    if (target > live.length) for (let i = live.length; i < target; i++) this.start(service, nowMs);
    else if (target < live.length) this.stop(live, live.length - target, nowMs);
  }

  private stop(live: readonly SimContainer[], count: number, nowMs: number): void {
    const victims = [...live].sort((a, b) => b.readyAtMs - a.readyAtMs || b.id - a.id).slice(0, count);
    for (const victim of victims) {
      const { stopLatencyMs, removeLatencyMs = 0 } = this.latency(victim.service);
      victim.exitAtMs = nowMs + stopLatencyMs;
      victim.goneAtMs = victim.exitAtMs + removeLatencyMs;
      this.stopped.push(victim);
    }
  }
}
