// `sim`: the embedded default. Containers are simulated with a start, stop (until exit) and removal
// latency, observed and applied like a real engine, so the demo and tests run anywhere. It pipelines like
// the Docker engine: a start that waits for room is prepared and begins at the exit that frees the room
// (cluster.ts), and the agent is woken at that moment.
import { z } from 'zod';
import type { ActualState } from '../../core/types.js';
import { duration } from '../../config/fields.js';
import { defineEngine, type ApplyTarget, type Engine, type EngineContext, type EngineService } from '../types.js';
import { SimCluster } from './cluster.js';

export const simSchema = z
  .object({
    kind: z.literal('sim'),
    startLatency: duration().default('300ms'),
    stopLatency: duration().default('200ms'),
    removeLatency: duration().default('0ms'),
  })
  .strict();

export type SimConfig = z.infer<typeof simSchema>;

const simServiceShape = {
  startLatency: duration().optional(),
  stopLatency: duration().optional(),
  removeLatency: duration().optional(),
};

export interface SimServiceOptions {
  readonly startLatency?: number;
  readonly stopLatency?: number;
  readonly removeLatency?: number;
}

export class SimEngine implements Engine {
  readonly cluster: SimCluster;
  private listener: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  private byName: Map<string, SimServiceOptions>;

  constructor(
    config: Omit<SimConfig, 'removeLatency'> & { readonly removeLatency?: number },
    private services: readonly EngineService<SimServiceOptions>[],
    private readonly context: Pick<EngineContext, 'nowMs'>,
  ) {
    this.byName = new Map(services.map((s) => [s.name, s.options]));
    this.cluster = new SimCluster((name) => ({
      startLatencyMs: this.byName.get(name)?.startLatency ?? config.startLatency,
      stopLatencyMs: this.byName.get(name)?.stopLatency ?? config.stopLatency,
      removeLatencyMs: this.byName.get(name)?.removeLatency ?? config.removeLatency ?? 0,
    }));
  }

  /** New services start empty; a removed one's simulated containers stay as they are, unread. */
  async reconfigure(services: readonly EngineService<SimServiceOptions>[]): Promise<void> {
    this.services = services;
    this.byName = new Map(services.map((s) => [s.name, s.options]));
  }

  async observe(): Promise<Map<string, ActualState>> {
    const now = this.context.nowMs();
    return new Map(this.services.map((s) => [s.name, this.cluster.state(s.name, now)]));
  }

  async apply(targets: readonly ApplyTarget[]): Promise<void> {
    const now = this.context.nowMs();
    this.cluster.apply(targets, now);
    this.armWake(now);
  }

  /** Like a real engine's event stream: tells the agent when a container finishes starting or exits (a prepared start begins then too). */
  watch(onChange: () => void): () => void {
    this.listener = onChange;
    return () => {
      this.listener = undefined;
      clearTimeout(this.timer);
    };
  }

  private armWake(now: number): void {
    clearTimeout(this.timer);
    const next = this.cluster.nextTransitionMs(now);
    if (next === undefined || !this.listener) return;
    this.timer = setTimeout(
      () => {
        this.listener?.();
        this.armWake(this.context.nowMs());
      },
      next - now + 1,
    );
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
  }
}

export const simEngine = defineEngine({
  kind: 'sim',
  status: 'embedded',
  description: 'simulated containers with start/stop latency (no orchestrator needed)',
  schema: simSchema,
  ignoredKeys: { stopGracePeriod: "simulated containers stop after the engine's stopLatency (or the service's stopLatency key)" },
  serviceShape: simServiceShape,
  create: (config, services: readonly EngineService<SimServiceOptions>[], context) => new SimEngine(config, services, context),
});
