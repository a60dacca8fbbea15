// A simulated orchestrator: containers that take `startLatencyMs` to start and `stopLatencyMs` to
// stop. Pure state machine with time passed in, shared by the `sim` engine and the simulator.
import type { ActualState } from '../../core/types.js';

interface SimContainer {
  readonly id: number;
  readonly readyAtMs: number;
  /** Set once asked to stop: when it is gone. */
  goneAtMs?: number;
}

export interface SimLatency {
  readonly startLatencyMs: number;
  readonly stopLatencyMs: number;
}

export class SimCluster {
  private readonly containers = new Map<string, SimContainer[]>();
  private nextId = 1;
  /** Containers started since creation, per service (churn). */
  readonly started = new Map<string, number>();

  constructor(private readonly latency: (service: string) => SimLatency) {}

  /** Forget containers that have finished stopping (of one service only, when named: the simulator asks per service). */
  private settle(nowMs: number, only?: string): void {
    const services = only === undefined ? [...this.containers.keys()] : [only];
    for (const service of services) {
      const list = this.containers.get(service);
      if (!list || !list.some((c) => c.goneAtMs !== undefined && c.goneAtMs <= nowMs)) continue; // nothing to forget: no new array
      this.containers.set(
        service,
        list.filter((c) => c.goneAtMs === undefined || c.goneAtMs > nowMs),
      );
    }
  }

  /** The next moment a container of any service finishes starting or stopping, if any. */
  nextTransitionMs(nowMs: number): number | undefined {
    let next: number | undefined;
    for (const list of this.containers.values()) {
      for (const c of list) {
        const at = c.goneAtMs ?? c.readyAtMs;
        if (at > nowMs && (next === undefined || at < next)) next = at;
      }
    }
    return next;
  }

  state(service: string, nowMs: number): ActualState {
    this.settle(nowMs, service);
    let running = 0;
    let starting = 0;
    let stopping = 0;
    for (const c of this.containers.get(service) ?? []) {
      if (c.goneAtMs !== undefined) stopping++;
      else if (c.readyAtMs <= nowMs) running++;
      else starting++;
    }
    return { running, starting, stopping, nodes: { sim: running + starting + stopping } };
  }

  /** Drive running + starting toward `target`: stop starting containers first, then the newest. */
  scaleTo(service: string, target: number, nowMs: number): void {
    this.settle(nowMs, service);
    const list = this.containers.get(service) ?? [];
    const live = list.filter((c) => c.goneAtMs === undefined);
    const { startLatencyMs, stopLatencyMs } = this.latency(service);
    if (target > live.length) {
      for (let i = live.length; i < target; i++) list.push({ id: this.nextId++, readyAtMs: nowMs + startLatencyMs });
      this.started.set(service, (this.started.get(service) ?? 0) + (target - live.length));
    } else if (target < live.length) {
      const victims = [...live].sort((a, b) => b.readyAtMs - a.readyAtMs || b.id - a.id).slice(0, live.length - target);
      for (const victim of victims) victim.goneAtMs = nowMs + stopLatencyMs;
    }
    this.containers.set(service, list);
  }
}
