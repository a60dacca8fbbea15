// The Engine for orchestrators reached over an API (Nomad, Marathon, ECS). Each kind supplies a small
// driver (read one workload's counts, set its declared count); this class makes the behaviour the agent
// relies on the same for all of them:
// - one service's failure never stops the others: each service has its own backoff, and a service whose
//   read fails keeps its last known state (it is held, never scaled on a guess);
// - observe() rejects only when nothing could be read (the agent then holds everything and backs off);
// - apply() sets only the counts that differ from what the orchestrator declares (idempotent), and
//   reports every failure at once after trying every service;
// - a reload that adds services checks them as start-up does, and changes nothing when one fails.
import type { ActualState } from '../../core/types.js';
import { EngineError, errorMessage } from '../../errors.js';
import type { ApplyTarget, Engine, EngineContext, EngineService } from '../types.js';
import { API_RETRY_BACKOFF, type BackoffPolicy } from '../../util/backoff.js';
import { isPermanent, ServiceBackoff } from './backoff.js';
import { HttpEngineError } from './http.js';
import { reconcile, type ReportedCounts } from './reconcile.js';

export interface RemoteDriver<S> {
  readonly engine: string;
  /** One workload's counts as the orchestrator reports them. Rejects with an EngineError. */
  read(service: EngineService<S>, signal: AbortSignal): Promise<ReportedCounts>;
  /** Sets the workload's declared count. Rejects with an EngineError. */
  scale(service: EngineService<S>, count: number, signal: AbortSignal): Promise<void>;
  /** Orchestrators that can push changes (Nomad's blocking queries) call `onChange` until `signal` aborts. */
  watch?(service: EngineService<S>, onChange: () => void, signal: AbortSignal): void;
  /** Releases clients and sockets. */
  close?(): void;
}

function asEngineError(engine: string, service: string, error: unknown): EngineError {
  return error instanceof EngineError ? error : new EngineError('refused', engine, errorMessage(error), service);
}

/** Same workload keys: a reload that keeps them keeps the service's state (grace periods do not count here). */
function sameWorkload<S>(a: EngineService<S> | undefined, b: EngineService<S>): boolean {
  return a !== undefined && JSON.stringify(a.options) === JSON.stringify(b.options);
}

type FirstRead = { readonly counts: ReportedCounts } | { readonly error: EngineError };

/** A driver's per-service keys; a type alias (not an interface) fits, so reconfigure() takes them typed. */
type ServiceKeys = Record<string, unknown>;

export class RemoteEngine<S extends ServiceKeys> implements Engine {
  private byName: Map<string, EngineService<S>>;
  private readonly known = new Map<string, ReportedCounts>();
  private readonly lastError = new Map<string, EngineError>();
  /** Services read successfully by the latest observe(); apply() touches only these. */
  private fresh = new Set<string>();
  private readonly readBackoff: ServiceBackoff;
  private readonly writeBackoff: ServiceBackoff;
  protected readonly closing = new AbortController();

  constructor(
    protected readonly driver: RemoteDriver<S>,
    protected services: readonly EngineService<S>[],
    private readonly context: EngineContext,
    backoff: BackoffPolicy = API_RETRY_BACKOFF,
  ) {
    this.byName = new Map(services.map((s) => [s.name, s]));
    this.readBackoff = new ServiceBackoff(backoff);
    this.writeBackoff = new ServiceBackoff(backoff);
  }

  /**
   * Reads every service once at start-up. Problems only a person can fix (auth, a name that does not
   * exist, a workload another autoscaler owns) stop microscale here with every one of them listed;
   * passing trouble (unreachable, timeout, throttled) is logged and retried by the ticks.
   */
  async preflight(): Promise<void> {
    // observe() records (and logs) each service's failure in lastError, read below; its own throw adds nothing.
    await this.observe().catch(() => undefined);
    const permanent = [...this.lastError.values()].filter((e) => isPermanent(e.failure));
    const [first] = permanent;
    if (first) throw new EngineError(first.failure, this.driver.engine, `cannot start:\n  ${permanent.map((e) => e.message).join('\n  ')}`);
  }

  /**
   * Serve exactly these services. New ones, and ones whose workload keys changed, are read once first,
   * as at start-up: a problem only a person can fix rejects with every one of them listed, and nothing
   * changes; passing trouble is logged and retried by the ticks. Services that stay keep their last known
   * state and backoff; a removed one is forgotten, its workload left as it is.
   */
  async reconfigure(services: readonly EngineService<S>[]): Promise<void> {
    const entering = services.filter((s) => !sameWorkload(this.byName.get(s.name), s));
    const reads = await Promise.all(entering.map(async (service) => ({ service, read: await this.firstRead(service) })));
    const permanent = reads.flatMap(({ read }) => ('error' in read && isPermanent(read.error.failure) ? [read.error] : []));
    const [first] = permanent;
    if (first) {
      throw new EngineError(
        first.failure,
        this.driver.engine,
        `cannot serve the new services; the running ones are kept:\n  ${permanent.map((e) => e.message).join('\n  ')}`,
      );
    }
    const next = new Map(services.map((s) => [s.name, s]));
    const leaving = [...this.byName.values()].filter((s) => !sameWorkload(next.get(s.name), s)).map((s) => s.name);
    for (const name of leaving) this.forget(name);
    this.services = services;
    this.byName = next;
    for (const { service, read } of reads) {
      if ('counts' in read) this.known.set(service.name, read.counts);
      else this.recordFailure('read', service.name, read.error, this.readBackoff);
    }
    this.servicesChanged(entering, leaving);
  }

  /** Called once a reload is in force: `leaving` (removed or changed) no longer served, `entering` newly served. */
  protected servicesChanged(_entering: readonly EngineService<S>[], _leaving: readonly string[]): void {}

  private async firstRead(service: EngineService<S>): Promise<FirstRead> {
    try {
      return { counts: await this.driver.read(service, this.closing.signal) };
    } catch (error) {
      return { error: asEngineError(this.driver.engine, service.name, error) };
    }
  }

  private forget(service: string): void {
    this.known.delete(service);
    this.lastError.delete(service);
    this.fresh.delete(service);
    this.readBackoff.forget(service);
    this.writeBackoff.forget(service);
  }

  /** Whether `service`, as read, is still what this engine serves (a reload may land during a read). */
  private serves(service: EngineService<S>): boolean {
    const current = this.byName.get(service.name);
    return current === service || sameWorkload(current, service);
  }

  async observe(): Promise<Map<string, ActualState>> {
    const now = this.context.nowMs();
    const services = this.services;
    const fresh = new Set<string>();
    await Promise.all(
      services.map(async (service) => {
        if (this.readBackoff.waitMs(service.name, now) > 0) return;
        try {
          const counts = await this.driver.read(service, this.closing.signal);
          if (!this.serves(service)) return;
          this.known.set(service.name, counts);
          fresh.add(service.name);
          this.lastError.delete(service.name);
          if (this.readBackoff.succeeded(service.name))
            this.context.log.info(
              { event: 'engine-service-recovered', service: service.name },
              `${this.driver.engine}: service "${service.name}" readable again`,
            );
        } catch (error) {
          if (this.serves(service)) this.recordFailure('read', service.name, error, this.readBackoff);
        }
      }),
    );
    this.fresh = fresh;
    const unknown = services.filter((s) => !this.known.has(s.name)).map((s) => s.name);
    if (fresh.size === 0 || unknown.length > 0) {
      const first = this.lastError.get(unknown[0] ?? '') ?? [...this.lastError.values()][0];
      const what = unknown.length > 0 ? `no state yet for ${unknown.map((n) => `"${n}"`).join(', ')}` : 'no service could be read';
      throw new EngineError(first?.failure ?? 'unreachable', this.driver.engine, `${what}${first ? `; ${first.message}` : ''}`);
    }
    const states = new Map<string, ActualState>();
    for (const { name } of services) {
      const known = this.known.get(name);
      if (known) states.set(name, reconcile(known)); // every one is known: `unknown` is empty here
    }
    return states;
  }

  async apply(targets: readonly ApplyTarget[]): Promise<void> {
    const now = this.context.nowMs();
    const byName = this.byName;
    const failures: EngineError[] = [];
    await Promise.all(
      targets.map(async ({ name, replicas }) => {
        const service = byName.get(name);
        const known = this.known.get(name);
        if (!service || !known || known.declared === replicas) return;
        if (!this.fresh.has(name)) return this.skip(name, 'its state could not be read this tick; holding it');
        const waitMs = this.writeBackoff.waitMs(name, now);
        if (waitMs > 0)
          return this.skip(name, `backing off after "${this.lastError.get(name)?.failure ?? 'an error'}" for ${waitMs}ms more`);
        try {
          await this.driver.scale(service, replicas, this.closing.signal);
          this.known.set(name, { ...known, declared: replicas });
          this.writeBackoff.succeeded(name);
        } catch (error) {
          failures.push(this.recordFailure('scale', name, error, this.writeBackoff));
        }
      }),
    );
    const [first] = failures;
    if (!first) return;
    if (failures.length === 1) throw first;
    throw new EngineError(
      first.failure,
      this.driver.engine,
      `${failures.length} services failed: ${failures.map((f) => f.message).join('; ')}`,
    );
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.driver.close?.();
  }

  private skip(service: string, why: string): void {
    this.context.log.debug({ event: 'engine-service-skipped', service }, `${this.driver.engine}: not scaling "${service}": ${why}`);
  }

  private recordFailure(action: 'read' | 'scale', service: string, error: unknown, backoff: ServiceBackoff): EngineError {
    const engineError = asEngineError(this.driver.engine, service, error);
    const retryAfterMs = engineError instanceof HttpEngineError ? engineError.retryAfterMs : undefined;
    const retryInMs = backoff.failed(service, this.context.nowMs(), retryAfterMs);
    this.lastError.set(service, engineError);
    const meanwhile =
      action === 'scale'
        ? 'other services go on'
        : this.known.has(service)
          ? 'holding this service at its last known state'
          : 'its state is not known yet';
    this.context.log.warn(
      { event: 'engine-service-error', action, service, failure: engineError.failure, retryInMs },
      `${engineError.message}; ${meanwhile}, retrying in ${retryInMs}ms`,
    );
    return engineError;
  }
}

/**
 * For drivers that can push changes: the agent then ticks as soon as the orchestrator reports one. One
 * watch per service, so a reload starts and stops only the watches of the services it adds or removes.
 */
export class WatchedRemoteEngine<S extends ServiceKeys> extends RemoteEngine<S> {
  private listener: { readonly onChange: () => void; readonly signal: AbortSignal } | undefined;
  private readonly watches = new Map<string, AbortController>();

  watch(onChange: () => void): () => void {
    const stop = new AbortController();
    this.listener = { onChange, signal: AbortSignal.any([stop.signal, this.closing.signal]) };
    for (const service of this.services) this.watchOne(service);
    return () => {
      stop.abort();
      this.listener = undefined;
      this.watches.clear();
    };
  }

  protected override servicesChanged(entering: readonly EngineService<S>[], leaving: readonly string[]): void {
    for (const name of leaving) {
      this.watches.get(name)?.abort();
      this.watches.delete(name);
    }
    for (const service of entering) this.watchOne(service);
  }

  private watchOne(service: EngineService<S>): void {
    if (!this.listener || !this.driver.watch) return;
    const stop = new AbortController();
    this.watches.get(service.name)?.abort();
    this.watches.set(service.name, stop);
    this.driver.watch(service, this.listener.onChange, AbortSignal.any([stop.signal, this.listener.signal]));
  }
}

/**
 * The one way to start a remote engine (nomad, marathon, ecs): wraps the driver (watched when asked and the
 * driver can watch), runs the preflight, and on a failed preflight closes the engine (its sockets, timers and
 * watches) before the error goes up, so a refused start leaves nothing running.
 */
export async function createRemoteEngine<S extends ServiceKeys>(
  driver: RemoteDriver<S>,
  services: readonly EngineService<S>[],
  context: EngineContext,
  options: { readonly watch?: boolean } = {},
): Promise<RemoteEngine<S>> {
  const engine = options.watch ? new WatchedRemoteEngine(driver, services, context) : new RemoteEngine(driver, services, context);
  try {
    await engine.preflight();
  } catch (error) {
    await engine.close();
    throw error;
  }
  return engine;
}
