// `docker`: each service runs as containers of its image on one Docker Engine (dockerode over the
// socket, or DOCKER_HOST). Containers carry microscale's labels (managed, pool, service) and nothing
// else is ever touched. Level-triggered: observe() reads the daemon (events + periodic full list), and
// apply() drives each service toward its target from that; a restarted agent adopts what it finds.
// An exited container holds no place in the pool, removed or not (removal goes on in the background);
// a start that waits for room is created at once and started on the `die` that frees it (prepared.ts),
// and `preCreate` keeps some created ahead (top-up.ts). observe() adopts what an earlier agent left
// (adoption.ts) and reaps exited, dead and "removal in progress" containers; a removal that fails is
// retried with backoff and reported (removals.ts).
//
// Outages: any call that cannot reach the daemon marks it down (cache.ts): the events stream is
// dropped, every read fails (the agent holds and changes nothing), waiting starts are dropped, and
// apply() pings /_ping on a new connection before it creates anything, so a daemon that is shutting
// down never sees a create storm. /_ping is probed meanwhile; its first answer wakes the agent (watch).
import { hostname } from 'node:os';
import type Docker from 'dockerode';
import type { ActualState } from '../../core/types.js';
import { EngineError } from '../../errors.js';
import { defineEngine, type ApplyTarget, type Engine, type EngineContext, type EngineService, type ObserveOptions } from '../types.js';
import { Adoption } from './adoption.js';
import { ContainerCache, type ContainerEntry } from './cache.js';
import { ServiceMoments } from './moments.js';
import { connect, engineError, pingFresh } from './connection.js';
import { LABEL } from './labels.js';
import { Images } from './images.js';
import { containerSpec } from './lifecycle.js';
import { PreparedStarts } from './prepared.js';
import { GONE_STATES, Removals } from './removals.js';
import { dockerSchema, dockerServiceShape, type DockerConfig, type DockerServiceOptions } from './schema.js';
import { StartGate } from './start-gate.js';
import { StartQueue } from './start-queue.js';
import { Starts } from './starts.js';
import { actualStates, phaseOf, stopOrder } from './state.js';
import { TopUp } from './top-up.js';

const WAKE_ACTIONS = new Set(['start', 'die', 'destroy', 'oom', 'reconnected']);
/** The longest a removal waits for the starts in flight to be answered (StartGate). */
const REMOVE_HOLD_MS = 3000;

export class DockerEngine implements Engine {
  private readonly docker: Docker;
  private readonly cache: ContainerCache;
  /** The daemon's moments of each service's latest start and exit (moments.ts). */
  private readonly moments = new ServiceMoments();
  private readonly queue: StartQueue;
  private readonly prepared: PreparedStarts;
  /** Starts in flight: removals wait for them (start-gate.ts). */
  private readonly startGate = new StartGate();
  private readonly topUp: TopUp;
  private closing = false;
  private byName: Map<string, EngineService<DockerServiceOptions>>;
  private readonly images: Images;
  private readonly removals: Removals;
  private readonly adoption: Adoption;
  private readonly starts: Starts;
  /** The last target apply() was given per service: what adoption measures a found container against. */
  private readonly targets = new Map<string, number>();
  private readonly node: string;

  constructor(
    private readonly config: DockerConfig,
    private services: readonly EngineService<DockerServiceOptions>[],
    context: Pick<EngineContext, 'log'>,
    docker?: Docker,
  ) {
    const log = context.log;
    this.docker = docker ?? connect(config.host);
    this.byName = new Map(services.map((s) => [s.name, s]));
    this.queue = new StartQueue(config.startConcurrency);
    this.images = new Images(this.docker, config.host);
    const hasHealthcheck = (service: string): boolean => this.images.hasHealthcheck(this.byName.get(service)?.options.image ?? '');
    this.cache = new ContainerCache(this.docker, config.pool, config.host, config.resync, log, hasHealthcheck);
    this.moments.follow(this.cache, hasHealthcheck);
    this.prepared = new PreparedStarts(
      this.docker,
      {
        create: async (service) => (await this.docker.createContainer(this.preparedSpec(service))).id,
        onCreated: (service, id) => this.cache.add(id, service, true),
        onStarted: (id) => this.cache.started(id),
        onStartFailed: (service, id, error) => this.starts.failed(service, error, id),
        trackStart: (work) => this.startGate.track(work),
      },
      log,
    );
    this.removals = new Removals(this.docker, this.cache, config.host, log, {
      serves: (service) => this.byName.has(service),
      holdsPlace: (entry) => !(entry.prepared && !this.startRequested(entry.id)),
      exited: () => this.prepared.exited(),
      beforeRemove: () => this.startGate.idle(REMOVE_HOLD_MS),
    });
    this.starts = new Starts(this.docker, this.cache, config.pool, config.host, log, {
      service: (name) => this.byName.get(name),
      unreachable: () => {
        for (const service of this.byName.keys()) this.queue.cancel(service, Number.POSITIVE_INFINITY);
      },
      remove: (entry) => this.removals.request(entry, 0),
    });
    this.adoption = new Adoption(this.docker, this.cache, this.prepared, this.removals, log, {
      serves: (service) => this.byName.has(service),
      starting: (id) => this.starts.isStarting(id),
      creating: (service) => this.starts.isCreating(service) || this.prepared.creatingFor(service) > 0,
      target: (service) => this.targets.get(service),
      current: (service) => this.current(service),
      ahead: (service) => (this.byName.has(service) ? config.preCreate : 0),
      startFailed: (service, error, id) => this.starts.failed(service, error, id),
    });
    this.topUp = new TopUp(config.preCreate, {
      quiet: () => this.quiet(),
      closing: () => this.closing,
      down: () => this.cache.down,
      topUp: () => {
        for (const s of this.services) if (this.images.has(s.options.image)) this.prepared.topUp(s.name, config.preCreate);
      },
    });
    this.cache.onEvent((entry, action, stateBefore) => {
      if (entry && (action === 'die' || action === 'oom') && this.heldPlace(entry, stateBefore)) this.removals.countExit(entry.id);
    });
    this.node = config.host && !config.host.startsWith('unix://') ? new URL(config.host.replace(/^tcp:/, 'http:')).hostname : hostname();
  }

  /**
   * Serve exactly these services from now on. Nothing here can be refused, as create() checks nothing
   * beyond the schema: a missing image is reported by the apply that needs it. New services are read
   * and scaled; starts not yet begun take the new keys; a removed service's containers are left as they
   * are, unread and never reaped, and its starts not yet begun are dropped.
   */
  async reconfigure(services: readonly EngineService<DockerServiceOptions>[]): Promise<void> {
    const byName = new Map(services.map((s) => [s.name, s]));
    // Prepared containers were created with a service's old keys: a changed or removed service's go.
    for (const [name, service] of this.byName)
      if (JSON.stringify(byName.get(name)?.options) !== JSON.stringify(service.options)) this.prepared.discard(name);
    for (const name of this.byName.keys()) {
      if (byName.has(name)) continue;
      this.queue.cancel(name, Number.POSITIVE_INFINITY);
      this.starts.takeError(name);
      this.targets.delete(name);
    }
    this.services = services;
    this.byName = byName;
  }

  /** With `act: false` (dry run, paused, standby) nothing is adopted or reaped: it only reads. */
  async observe(options: ObserveOptions = {}): Promise<Map<string, ActualState>> {
    await this.cache.refresh();
    if (options.act ?? true) {
      this.removals.reap();
      this.adoption.adopt();
    }
    const states = actualStates(
      this.services.map((s) => s.name),
      this.cache.entries.values(),
      (id) => this.removals.isStopping(id),
      (service) => this.queue.pendingFor(service) + this.prepared.startingFor(service),
      this.node,
      (id) => this.startRequested(id),
      (service) => this.prepared.creatingFor(service),
    );
    // The daemon's own moments of the latest start and exit: latencies to the event, not to the tick.
    for (const [service, state] of states) states.set(service, { ...state, ...this.moments.of(service) });
    return states;
  }

  /** Whether a container that just died was holding a place in the pool (so its exit frees one). */
  private heldPlace(entry: ContainerEntry, stateBefore: string | undefined): boolean {
    if (!this.byName.has(entry.service) || stateBefore === undefined || GONE_STATES.has(stateBefore)) return false;
    return !(entry.prepared && stateBefore === 'created' && !this.startRequested(entry.id));
  }

  /** A prepared container whose start is asked for, by us or possibly by the agent before us (adoption.ts). */
  private startRequested(id: string): boolean {
    return this.prepared.isStartRequested(id) || this.adoption.mayBeStarting(id);
  }

  async apply(targets: readonly ApplyTarget[]): Promise<void> {
    await this.cache.refresh(); // drive from what the daemon runs, even when apply comes without an observe
    // Never create into a daemon that is going: a new connection tells (cache.ts).
    if (targets.some((t) => t.replicas > this.current(t.name) || (t.prepare?.count ?? 0) > 0)) await this.ping();
    const errors: EngineError[] = [];
    const previous = this.prepared.beginPlan();
    const prepares: (() => void)[] = [];
    for (const { name, replicas, prepare } of targets) {
      try {
        const prepareStarts = await this.applyOne(name, replicas, prepare, previous);
        if (prepareStarts) prepares.push(prepareStarts);
      } catch (error) {
        errors.push(error instanceof EngineError ? error : engineError('docker', this.config.host, 'scale', error, name));
      }
      const failed = this.starts.takeError(name);
      if (failed) errors.push(failed);
    }
    // Creates go out after every stop has been sent: on a busy daemon the exit they wait for comes first.
    for (const prepareStarts of prepares) prepareStarts();
    this.prepared.endPlan(previous, (service) => (this.byName.has(service) ? this.config.preCreate : 0));
    this.topUp.soon();
    const [first, ...rest] = errors;
    if (first) throw rest.length === 0 ? first : new EngineError(first.failure, 'docker', errors.map((e) => e.message).join('; '));
  }

  /** No start in flight or waiting for an exit, no stop waiting for its exit (top-up.ts). */
  private quiet(): boolean {
    if (this.startGate.inFlight > 0 || this.prepared.waiting > 0) return false;
    if (this.services.some((s) => this.queue.pendingFor(s.name) > 0)) return false;
    for (const entry of this.cache.entries.values()) if (this.removals.isStopping(entry.id) && !GONE_STATES.has(entry.state)) return false;
    return true;
  }

  /** Running or starting: holding a place and not asked to stop. */
  private liveContainers(service: string): ContainerEntry[] {
    return [...this.cache.entries.values()].filter((e) => {
      if (e.service !== service || this.removals.has(e.id)) return false;
      const phase = phaseOf(e, false, this.startRequested(e.id)); // as observe() counts it: a leftover being checked holds its place
      return phase === 'running' || phase === 'starting';
    });
  }

  private current(service: string): number {
    return this.liveContainers(service).length + this.queue.pendingFor(service) + this.prepared.startingFor(service);
  }

  private async ping(): Promise<void> {
    try {
      await pingFresh(this.config.host, 2000);
    } catch (error) {
      const wrapped = engineError('docker', this.config.host, 'ping before starting containers', error);
      if (wrapped.failure === 'unreachable' || wrapped.failure === 'timeout') this.cache.markDown();
      throw wrapped;
    }
  }

  /**
   * Drives running + starting toward `target`, keeping up to `target + prepare.count` when prepared
   * starts began since the plan was read. Returns how to prepare the starts that still wait for room
   * (apply() does it once every service's stops are sent).
   */
  private async applyOne(
    name: string,
    target: number,
    prepare: ApplyTarget['prepare'],
    previous: Parameters<PreparedStarts['want']>[3],
  ): Promise<(() => void) | undefined> {
    const service = this.byName.get(name);
    if (!service) throw new EngineError('not-found', 'docker', `service "${name}" is not configured on this engine`);
    this.targets.set(name, target);
    const live = this.liveContainers(name);
    const current = live.length + this.queue.pendingFor(name) + this.prepared.startingFor(name);
    const waiting = prepare?.count ?? 0;
    const keep = Math.max(target, Math.min(current, target + waiting));
    if (keep > current || waiting > 0) await this.images.ensure(service.options.image, name);
    if (keep > current) {
      // Prepared containers of the last plan (or left by an earlier run) start first: they exist already.
      const reused = this.prepared.startNow(name, keep - current, previous);
      for (let i = current + reused; i < keep; i++)
        this.queue.push(name, (created) => this.startGate.track(this.starts.start(name, created)));
    } else if (keep < current) {
      const excess = current - keep - this.queue.cancel(name, current - keep);
      for (const victim of stopOrder(live, (id) => this.startRequested(id)).slice(0, excess))
        this.removals.request(victim, service.stopGracePeriodMs);
    }
    const toPrepare = target + waiting - keep;
    return toPrepare > 0 ? () => this.prepared.want(name, toPrepare, prepare?.afterExits ?? 0, previous) : undefined;
  }

  private preparedSpec(name: string): Docker.ContainerCreateOptions {
    const service = this.byName.get(name);
    if (!service) throw new EngineError('not-found', 'docker', `service "${name}" is not configured on this engine`);
    const spec = containerSpec(this.config.pool, service.name, service.options);
    return { ...spec, Labels: { ...spec.Labels, [LABEL.prepared]: 'true' } };
  }

  /** Wakes the agent on the pool's events that change what it runs, and when a leftover is checked (adoption.ts). */
  watch(onChange: () => void): () => void {
    const offEvents = this.cache.onEvent((_, action) => {
      if (WAKE_ACTIONS.has(action) || action.startsWith('health_status')) onChange();
    });
    const offChecked = this.adoption.onChecked(onChange);
    return () => {
      offEvents();
      offChecked();
    };
  }

  /** Finishes starts and stops in flight (containers are left running: a restarted agent adopts them). */
  async close(): Promise<void> {
    this.closing = true;
    await this.queue.drain();
    await this.prepared.close(); // prepared containers not started are removed: no plan wants them any more
    await this.removals.drain();
    this.cache.close();
  }
}

export const dockerEngine = defineEngine({
  kind: 'docker',
  status: 'real-tested',
  description: 'containers on a Docker Engine (socket or DOCKER_HOST), labelled and owned by microscale',
  schema: dockerSchema,
  serviceShape: dockerServiceShape,
  create: (config: DockerConfig, services: readonly EngineService<DockerServiceOptions>[], context) =>
    new DockerEngine(config, services, context),
});
