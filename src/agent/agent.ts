// The agent: the loop that ties sources, the pure core and an engine together. It ticks on the
// schedule of tick-schedule.ts (every `interval`, sooner when woken, never two at once), keeps a bounded
// history for the API and dashboard (tick-history.ts), logs one JSON line per decision, and holds (never
// scales to zero) through metric or engine outages. A failing source or engine is logged as an incident
// (a line when it starts, a summary a minute while it lasts, a `recovered` line when it ends), not once
// per tick. Pushed values go to their sources through pushes.ts; a new config comes in through
// reconfigure().
import { EventEmitter } from 'node:events';
import { DEFAULT_HISTORY_LINES, type MicroscaleConfig } from '../config/schema.js';
import type { ActualState, Decision } from '../core/types.js';
import { step } from '../core/step.js';
import type { Engine } from '../engines/types.js';
import type { Source } from '../sources/types.js';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../errors.js';
import { Ring } from './ring.js';
import { TickHistory } from './tick-history.js';
import { TickSchedule } from './tick-schedule.js';
import { Pushes } from './pushes.js';
import { TickPool } from './tick-pool.js';
import { readAll, reportReads } from './read-metrics.js';
import { enginePoolOf, engineServicesOf } from './wiring.js';
import { describeCapacity } from '../config/pool.js';
import { SourceSet } from './source-set.js';
import type { TickRecord } from './records.js';
import { EngineGuard } from './engine-guard.js';
import { Incidents } from '../log/incidents.js';
import { PushMemory } from './push-memory.js';
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
  readonly decisions = new Ring<Decision>(2000);
  readonly startedAtMs: number;
  private configValue: MicroscaleConfig;
  private readonly metricSources: SourceSet;
  private readonly arrivalSources: SourceSet;
  private readonly memory = new Map<string, ServiceMemory>();
  private readonly nowMs: () => number;
  private seq = 0;
  private pausedValue = false;
  private readonly schedule: TickSchedule;
  private readonly history: TickHistory;
  private readonly pushes: Pushes;
  private readonly engineGuard: EngineGuard;
  private engineUnwatch: (() => void) | undefined;
  private lastActual = new Map<string, ActualState>();
  /** Why a service's policy just changed (an image change): put in front of its next decision's reason, for one tick. */
  private readonly causes = new Map<string, string>();
  private readonly pool: TickPool;
  private readonly incidents: Incidents;

  constructor(
    config: MicroscaleConfig,
    private readonly options: AgentOptions,
  ) {
    super();
    this.configValue = config;
    this.nowMs = options.nowMs ?? Date.now;
    this.startedAtMs = this.nowMs();
    this.history = new TickHistory(options.historySize ?? 7200);
    const sourceContext = { log: options.log, nowMs: () => this.nowMs() };
    this.metricSources = new SourceSet('metric', sourceContext, config, options.sources);
    this.arrivalSources = new SourceSet('arrivals', sourceContext, config, options.arrivalSources);
    this.engineGuard = new EngineGuard(options.engine, options.log);
    this.pool = new TickPool(options.engine);
    this.incidents = new Incidents(options.log);
    const pushMemory = new PushMemory(options.stateFile, options.log);
    this.pushes = new Pushes({ metric: this.metricSources, arrivals: this.arrivalSources }, pushMemory, this.nowMs);
    this.schedule = new TickSchedule(
      (startMs) => this.tick(startMs),
      () => this.configValue,
      this.nowMs,
    );
  }

  /** The kept ticks, oldest first (bounded by `historySize` and the config's `historyLines`). */
  get ticks(): Ring<TickRecord> {
    return this.history.ticks;
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
    await this.pushes.restore();
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

  /** Ask for a tick as soon as the minimum gap allows (events from sources and engines). */
  wake(): void {
    this.schedule.wake();
  }

  /** Runs one tick now, or waits for the one in progress (never two at once). */
  async tickNow(): Promise<void> {
    await this.schedule.tickNow();
  }

  /** A value pushed from outside (POST /api/services/{name}/metric): only for services whose source accepts it. */
  pushMetric(service: string, value: number): void {
    this.pushes.push(this.configValue, service, value, 'metric');
  }

  /** An arrival rate pushed from outside (POST /api/services/{name}/arrivals): only with `arrivals: {source: push}`. */
  pushArrivals(service: string, value: number): void {
    this.pushes.push(this.configValue, service, value, 'arrivals');
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
    await this.schedule.stop();
    this.engineUnwatch?.();
    await Promise.all([this.metricSources.close(), this.arrivalSources.close()]);
    await this.options.engine.close();
  }

  private async tick(startMs: number): Promise<void> {
    const config = this.configValue;
    const causes = new Map(this.causes);
    const mayAct = (): boolean => !this.dryRun && !this.pausedValue && !(this.options.canAct ? !this.options.canAct() : false);
    const [metrics, arrivals, observed] = await Promise.all([
      readAll(this.metricSources.all, config.metricTimeoutMs),
      readAll(this.arrivalSources.all, config.metricTimeoutMs, 'arrivals'),
      this.engineGuard.observe(startMs, mayAct()),
    ]);
    const actual = observed.actual ?? this.lastActual;
    if (observed.actual) this.lastActual = observed.actual;

    const { inputs, sourceErrors, arrivalErrors } = buildInputs(config, { metrics, arrivals }, actual, this.memory, startMs);
    reportReads(this.incidents, 'metric', metrics, startMs);
    reportReads(this.incidents, 'arrivals', arrivals, startMs);
    const pool = this.pool.now(config);
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
    this.history.keep(record, this.configValue.historyLines ?? DEFAULT_HISTORY_LINES);
    this.emit('tick', record);
  }
}
