// `push`: the value is pushed to microscale (POST /api/services/{name}/metric → agent.pushMetric →
// accept, or /arrivals → agent.pushArrivals for an `arrivals:` block) instead of polled. Each push wakes
// the agent for a tick at once; a value older than `maxAge` counts as an outage (the pusher has stopped),
// so the service holds rather than acting on it.
// The agent keeps the last push in its state file and hands it back through `restore` after a restart.
import { z } from 'zod';
import { duration, numberAtLeast } from '../../config/fields.js';
import { SourceError } from '../../errors.js';
import { defineSource, type Source, type SourceContext } from '../types.js';

export const pushSchema = z
  .object({
    source: z.literal('push'),
    /** A pushed value older than this is stale: the service holds (onMetricError) until the next push. */
    maxAge: z
      .union([z.literal('off'), duration()], { errorMap: () => ({ message: 'expected a duration like 30s or 2m, or off' }) })
      .default('1m'),
    /** The value before the first push; without it the service holds until something is pushed. */
    initial: numberAtLeast(0).optional(),
  })
  .strict();

export type PushConfig = z.output<typeof pushSchema>;

export class PushSource implements Source {
  private value: number | undefined;
  private atMs: number;
  private pushed = false;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly config: PushConfig,
    private readonly context: SourceContext,
  ) {
    this.value = config.initial;
    this.atMs = context.nowMs();
  }

  /** Takes a pushed value; throws a RangeError (the API answers 400) for anything but a finite number >= 0. */
  accept(value: number): void {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(
        `${this.context.role ?? 'metric'} for service "${this.context.service}": ` +
          `expected a finite number >= 0, got ${JSON.stringify(value)}`,
      );
    }
    this.value = value;
    this.atMs = this.context.nowMs();
    this.pushed = true;
    for (const listener of this.listeners) listener();
  }

  /** The value pushed before a restart (agent/push-memory.ts); maxAge counts from `atMs`, the push. */
  restore(value: number, atMs: number): void {
    if (this.pushed || !Number.isFinite(value) || value < 0) return;
    this.value = value;
    this.atMs = atMs;
  }

  async read(): Promise<number> {
    const service = this.context.service;
    if (this.value === undefined) {
      throw new SourceError(
        'not-found',
        'push',
        service,
        `nothing pushed yet; POST {"value": N} to /api/services/${service}/${this.context.role ?? 'metric'}, or give initial:`,
      );
    }
    const ageMs = this.context.nowMs() - this.atMs;
    if (this.config.maxAge !== 'off' && ageMs > this.config.maxAge) {
      throw new SourceError(
        'timeout',
        'push',
        service,
        `last value (${this.value}) was pushed ${Math.round(ageMs / 1000)}s ago, ` +
          `older than maxAge ${Math.round(this.config.maxAge / 1000)}s; is the pusher running?`,
      );
    }
    return this.value;
  }

  watch(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

export const pushSource = defineSource({
  kind: 'push',
  status: 'embedded',
  description: 'a value pushed through the agent API (POST /api/services/{name}/metric); each push wakes the agent',
  schema: pushSchema,
  create: (config, context) => new PushSource(config, context),
});
