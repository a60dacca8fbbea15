// The agent: the loop that ties sources, the pure core and an engine together. One tick every
// `interval`, counted from the start of the previous tick (sooner when a source or the engine says something changed, but never closer than
// `minTickGap`), never two at once. Keeps a bounded history for the API and dashboard, logs one JSON
// line per decision, and holds (never scales to zero) through metric or engine outages. A failing
// source or engine is logged as an incident (a line when it starts, a summary a minute while it lasts,
// a `recovered` line when it ends), not once per tick. Pushed values are kept in the state file
// (push-memory.ts) so a restarted agent decides from the last push at once.
import { EventEmitter } from 'node:events';
import { DEFAULT_HISTORY_LINES, type MicroscaleConfig, type ServiceConfig } from '../config/schema.js';
import type { ActualState, Capacity, Decision } from '../core/types.js';
import type { Resources } from '../core/resources.js';
import { step } from '../core/step.js';
import type { Engine } from '../engines/types.js';
import type { Source, SourceRole } from '../sources/types.js';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../errors.js';
import { Ring } from './ring.js';
import { readAll } from './read-metrics.js';
import { blockOf, enginePoolOf, engineServicesOf } from './wiring.js';
import { describeCapacity } from '../config/pool.js';
import { SourceSet } from './source-set.js';
import type { TickRecord } from './records.js';
import { EngineGuard } from './engine-guard.js';
import { Incidents } from '../log/incidents.js';
import { PushMemory } from './push-memory.js';
import type { Reading } from './read-metrics.js';
import { buildInputs, describeTick, withActual, type ServiceMemory } from './tick-parts.js';

export interface AgentOptions {
  readonly engine: Engine;
  readonly log: Logger;
  readonly nowMs?: () => number;
  readonly dryRun?: boolean;
  /** Ticks kept in memory (default 7200: an hour at 500 ms); the config's `historyLines` bounds them too. */
  readonly historySize?: number;
  /** Metric sources by service name; built from the config when omitted. */
  readonly sources?: ReadonlyMap<string, Source>;
  /** Arrivals sources by service name; built from the config's `arrivals:` blocks when omitted. */
  readonly arrivalSources?: ReadonlyMap<string, Source>;
  /** With leader election: false while this replica is a standby, which decides but does not act. */
  readonly canAct?: () => boolean;
  /** Where pushed values are kept across restarts (see push-memory.ts); none when omitted. */
  readonly stateFile?: string | undefined;
}

export interface AgentEvents {
  tick: [TickRecord];
  decision: [Decision];
}

export class Agent extends EventEmitter<AgentEvents> {
  readonly ticks: Ring<TickRecord>;
  readonly decisions = new Ring<Decision>(2000);
  readonly startedAtMs: number;
  private configValue: MicroscaleConfig;
  private readonly metricSources: SourceSet;
  private readonly arrivalSources: SourceSet;
  private readonly memory = new Map<string, ServiceMemory>();
  private readonly nowMs: () => number;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerDueAtMs = Number.POSITIVE_INFINITY;
  /** A wake came while a tick was running (perhaps after its reads): tick again once it ends. */
  private wokenDuringTick = false;
  private stopped = false;
  private pausedValue = false;
  private seq = 0;
  private lastTickStartMs = Number.NEGATIVE_INFINITY;
  private readonly engineGuard: EngineGuard;
  private engineUnwatch: (() => void) | undefined;
  private lastActual = new Map<string, ActualState>();
  /** Why a service's policy just changed (an image change): put in front of its next decision's reason, for one tick. */
  private readonly causes = new Map<string, string>();
  /** With `capacity: auto`: the pool the engine last reported, held through a failed read. */
  private lastAutoPool: Resources | undefined;
  private readonly incidents: Incidents;
  private readonly pushMemory: PushMemory;
  /** Service lines in the kept ticks (bounded by the config's `historyLines`). */
  private historyLines = 0;
  /** The services of `indexedConfig` by name (a push finds its service in one look-up, not a scan). */
  private servicesByName = new Map<string, ServiceConfig>();
  private indexedConfig: MicroscaleConfig | undefined;

  constructor(
    config: MicroscaleConfig,
    private readonly options: AgentOptions,
  ) {
    super();
    this.configValue = config;
    this.nowMs = options.nowMs ?? Date.now;
    this.startedAtMs = this.nowMs();
    this.ticks = new Ring(options.historySize ?? 7200);
    const sourceContext = { log: options.log, nowMs: () => this.nowMs() };
    this.metricSources = new SourceSet('metric', sourceContext, config, options.sources);
    this.arrivalSources = new SourceSet('arrivals', sourceContext, config, options.arrivalSources);
    this.engineGuard = new EngineGuard(options.engine, options.log);
    this.incidents = new Incidents(options.log);
    this.pushMemory = new PushMemory(options.stateFile, options.log);
  }

  get config(): MicroscaleConfig {
    return this.configValue;
  }

  get paused(): boolean {
    return this.pausedValue;
  }

  get dryRun(): boolean {
    return this.options.dryRun ?? false;
  }

  /** Starts ticking: restores pushed values, then ticks at once. Resolves after the first tick. */
  async start(): Promise<void> {
    await this.restorePushed();
    // Sources that report changes at once wake the agent; an engine that reports a change (or its own
    // return after an outage) also ends the engine backoff.
    this.metricSources.watch(() => this.wake());
    this.arrivalSources.watch(() => this.wake());
    this.engineUnwatch = this.options.engine.watch?.(() => {
      this.engineGuard.retryNow();
      this.wake();
    });
    await this.tickNow();
  }

  /** Hands each push source the value pushed before the restart (maxAge still counts from that push). */
  private async restorePushed(): Promise<void> {
    await this.pushMemory.load();
    for (const [role, set] of [
      ['metric', this.metricSources],
      ['arrivals', this.arrivalSources],
    ] as const) {
      for (const [service, source] of set.all) {
        const pushed = this.pushMemory.get(role, service);
        if (pushed && source.restore) source.restore(pushed.value, pushed.atMs);
      }
    }
  }

  /** Ask for a tick as soon as the minimum gap allows (events from sources and engines). */
  wake(): void {
    if (this.stopped) return;
    const due = this.lastTickStartMs + this.configValue.minTickGapMs - this.nowMs();
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
    this.running = this.tick().finally(() => {
      this.running = null;
      const woken = this.wokenDuringTick;
      this.wokenDuringTick = false;
      // A push or an engine event during the tick may have come after its reads: it gets its own tick.
      // Otherwise the next tick is one interval after this one began (a polled source is read every
      // interval, not every interval + the tick's reads and apply), or, when the tick took longer than
      // the interval (a slow source or engine), one interval after it ended, so an overloaded agent
      // still rests between ticks.
      const nowMs = this.nowMs();
      const sinceStartMs = nowMs - this.lastTickStartMs;
      const intervalMs = this.configValue.intervalMs;
      this.schedule(
        woken
          ? Math.max(0, this.configValue.minTickGapMs - sinceStartMs)
          : sinceStartMs < intervalMs
            ? intervalMs - sinceStartMs
            : intervalMs,
      );
    });
    await this.running;
  }

  /** A value pushed from outside (POST /api/services/{name}/metric): only for services whose source accepts it. */
  pushMetric(service: string, value: number): void {
    this.push(service, value, 'metric');
  }

  /** An arrival rate pushed from outside (POST /api/services/{name}/arrivals): only with `arrivals: {source: push}`. */
  pushArrivals(service: string, value: number): void {
    this.push(service, value, 'arrivals');
  }

  /** Throws an Error for a service that takes no pushes here, a RangeError (from the source) for a bad value. */
  private push(service: string, value: number, role: SourceRole): void {
    const configured = this.serviceNamed(service);
    if (!configured) throw new Error(`service "${service}" is not configured; known: ${namesOf(this.configValue.services)}`);
    const source = (role === 'metric' ? this.metricSources : this.arrivalSources).get(service);
    if (!source?.accept) {
      const block = blockOf(configured, role);
      const has = block ? `its ${role} source is ${block.source}` : `it has no ${role}: block`;
      throw new Error(
        `service "${service}" does not take pushed ${role === 'metric' ? 'metrics' : 'arrivals'} (${has}); give it ${role}: {source: push}`,
      );
    }
    source.accept(value);
    this.pushMemory.record(role, service, value, this.nowMs());
  }

  /** The configured service of that name, from an index rebuilt whenever the config in force is another one (a reload). */
  private serviceNamed(name: string): ServiceConfig | undefined {
    if (this.indexedConfig !== this.configValue) {
      this.servicesByName = new Map(this.configValue.services.map((s) => [s.name, s]));
      this.indexedConfig = this.configValue;
    }
    return this.servicesByName.get(name);
  }

  pause(): void {
    this.pausedValue = true;
    this.options.log.info({ event: 'paused' }, 'scaling paused: decisions are logged, nothing is changed');
  }

  resume(): void {
    this.pausedValue = false;
    this.options.log.info({ event: 'resumed' }, 'scaling resumed');
    this.wake();
  }

  /**
   * Swaps in a new, already-validated config. The engine is told first when the services it serves
   * changed (added, removed, other engine keys); if it cannot serve them, nothing changes and this
   * rejects. Sources whose metric or arrivals block changed are rebuilt, removed ones closed. The engine
   * block itself stays (changing it needs a restart, and the caller is told so).
   */
  async reconfigure(next: MicroscaleConfig, cause?: { readonly services: readonly string[]; readonly reason: string }): Promise<void> {
    if (JSON.stringify(next.engine) !== JSON.stringify(this.configValue.engine)) {
      throw new Error('engine: the engine block changed; restart microscale to change engines');
    }
    const previous = this.configValue;
    const poolShape = (config: MicroscaleConfig): string =>
      JSON.stringify(enginePoolOf(config).pool ? { ...enginePoolOf(config).pool, capacity: undefined } : null);
    if (poolShape(next) !== poolShape(previous)) {
      throw new Error(
        `capacity: changing the pool from ${describeCapacity(previous.capacity)} to ${describeCapacity(next.capacity)} (between containers, resources and auto, or which resources it counts) needs a restart; new amounts of the same resources can be reloaded`,
      );
    }
    const services = engineServicesOf(next);
    if (JSON.stringify(services) !== JSON.stringify(engineServicesOf(previous))) {
      const engine = this.options.engine;
      if (!engine.reconfigure)
        throw new Error(
          `services: the ${next.engine.kind} engine cannot change its services while running; restart microscale to add or remove services`,
        );
      await engine.reconfigure(services);
    }
    const closing = [this.metricSources.reconfigure(previous, next), this.arrivalSources.reconfigure(previous, next)];
    this.configValue = next;
    await Promise.all(closing);
    for (const service of cause?.services ?? []) this.causes.set(service, cause?.reason ?? '');
    this.options.log.info(
      { event: 'reconfigured', services: next.services.length, ...(cause ? { cause: cause.reason } : {}) },
      cause ? `new config in force: ${cause.reason}` : 'new config in force',
    );
    this.wake();
  }

  /** Stops: finishes the tick (and apply) in progress, starts nothing new, closes sources and engine. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    this.engineUnwatch?.();
    await Promise.all([this.metricSources.close(), this.arrivalSources.close()]);
    await this.options.engine.close();
  }

  /**
   * This tick's pool: the configured one, or with `capacity: auto` what the engine says the nodes can
   * give. When that cannot be read the last known pool is shown and nothing is changed (`error`).
   */
  private poolNow(): { capacity: Capacity; error: string | null } {
    const configured = this.configValue.capacity;
    if (typeof configured === 'number') return { capacity: configured, error: null };
    if (configured.kind === 'resources') return { capacity: configured.amounts, error: null };
    try {
      if (!this.options.engine.poolCapacity)
        throw new Error(`capacity: auto, but the ${this.configValue.engine.kind} engine cannot tell what its nodes hold`);
      this.lastAutoPool = this.options.engine.poolCapacity();
      return { capacity: this.lastAutoPool, error: null };
    } catch (error) {
      const message = `capacity auto: ${errorMessage(error)}; holding every service`;
      return { capacity: this.lastAutoPool ?? { cpu: 0, memory: 0 }, error: message };
    }
  }

  /** One line when a service's reads start failing, a summary while they fail, one when they work again. */
  private reportReads(role: 'metric' | 'arrivals', readings: ReadonlyMap<string, Reading>, nowMs: number): void {
    const event = `${role}-error`;
    const consequence = role === 'metric' ? 'service held' : 'deciding from the queue alone';
    for (const [service, reading] of readings) {
      const key = `${role}/${service}`;
      if (reading.ok) this.incidents.ok(key, { event, service }, `${role} for service "${service}" read again`, nowMs);
      else this.incidents.fail(key, { event, service }, `${reading.message}; ${consequence}`, nowMs, 'warn');
    }
    this.incidents.retain((key) => !key.startsWith(`${role}/`) || readings.has(key.slice(role.length + 1)));
  }

  private async tick(): Promise<void> {
    const config = this.configValue;
    const causes = new Map(this.causes);
    const startMs = this.nowMs();
    this.lastTickStartMs = startMs;
    const mayAct = (): boolean => !this.dryRun && !this.pausedValue && !(this.options.canAct ? !this.options.canAct() : false);
    const [metrics, arrivals, observed] = await Promise.all([
      readAll(this.metricSources.all, config.metricTimeoutMs),
      readAll(this.arrivalSources.all, config.metricTimeoutMs, 'arrivals'),
      this.engineGuard.observe(startMs, mayAct()),
    ]);
    const actual = observed.actual ?? this.lastActual;
    if (observed.actual) this.lastActual = observed.actual;

    const { inputs, sourceErrors, arrivalErrors } = buildInputs(config, { metrics, arrivals }, actual, this.memory, startMs);
    this.reportReads('metric', metrics, startMs);
    this.reportReads('arrivals', arrivals, startMs);
    const pool = this.poolNow();
    const result = step(inputs, pool.capacity);
    const standby = this.options.canAct ? !this.options.canAct() : false;
    const acting = !this.dryRun && !this.pausedValue && !standby;
    const engineRead = observed.actual !== null && pool.error === null;
    const described = describeTick(result, inputs, startMs, engineRead, !acting);
    const { services, memory } = described;
    const decisions = described.decisions.map((d) => {
      const cause = causes.get(d.service);
      return cause ? { ...d, reason: `${cause}; ${d.reason}` } : d;
    });
    for (const [service, cause] of causes) if (this.causes.get(service) === cause) this.causes.delete(service);
    for (const [name, remembered] of memory) this.memory.set(name, remembered);

    let engineError = observed.error ?? pool.error;
    let after: Map<string, ActualState> | null = null;
    if (engineRead && decisions.length > 0 && acting) {
      try {
        await this.options.engine.apply(
          result.plan.entries.map((e) => ({ name: e.name, replicas: e.replicas, ...(e.prepare ? { prepare: e.prepare } : {}) })),
        );
        after = await this.options.engine.observe();
        this.lastActual = after;
        this.incidents.ok('apply', { event: 'apply-error' }, 'the engine carries out changes again', startMs);
      } catch (error) {
        engineError = errorMessage(error);
        this.incidents.fail('apply', { event: 'apply-error' }, engineError, startMs);
      }
    }
    const shown = after ? services.map((s) => withActual(s, after.get(s.name))) : services;
    for (const decision of decisions) {
      this.options.log.info(
        { event: 'decision', service: decision.service, from: decision.from, to: decision.to, dryRun: decision.dryRun },
        decision.reason,
      );
      this.decisions.push(decision);
      this.emit('decision', decision);
    }
    const record: TickRecord = {
      seq: ++this.seq,
      atMs: startMs,
      t: (startMs - this.startedAtMs) / 1000,
      durationMs: this.nowMs() - startMs,
      capacity: result.plan.capacity,
      ...(result.plan.resources ? { resources: result.plan.resources } : {}),
      used: shown.reduce((sum, s) => sum + s.running + s.starting + s.stopping, 0),
      paused: this.pausedValue,
      dryRun: this.dryRun,
      ...(this.options.canAct ? { standby } : {}),
      services: shown,
      decisions,
      engineError,
      sourceErrors,
      arrivalErrors,
    };
    this.keep(record);
    this.emit('tick', record);
  }

  /**
   * Adds a tick to the history, then drops the oldest ticks while the kept ticks' service lines exceed
   * `historyLines` (a service line is ~650 bytes kept), always keeping the latest tick.
   */
  private keep(record: TickRecord): void {
    const pushedOut = this.ticks.push(record);
    this.historyLines += record.services.length - (pushedOut?.services.length ?? 0);
    const budget = this.configValue.historyLines ?? DEFAULT_HISTORY_LINES;
    while (this.historyLines > budget && this.ticks.length > 1) {
      this.historyLines -= this.ticks.dropOldest()?.services.length ?? 0;
    }
  }
}

/** Service names for an error message: the first 20, then how many more. */
function namesOf(services: readonly ServiceConfig[]): string {
  const shown = services.slice(0, 20).map((s) => s.name);
  return services.length > shown.length ? `${shown.join(', ')} and ${services.length - shown.length} more` : shown.join(', ');
}
