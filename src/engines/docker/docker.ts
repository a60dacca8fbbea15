// `docker`: each service runs as containers of its image on one Docker Engine (dockerode over the
// socket, or DOCKER_HOST). Containers carry microscale's labels (managed, pool, service) and nothing
// else is ever touched. Level-triggered: observe() reads the daemon (events + periodic full list), and
// apply() drives each service toward its target from that; a restarted agent adopts what it finds.
// An exited container holds no place in the pool, removed or not (removal goes on in the background);
// a start that waits for room is created at once and started on the `die` that frees it (prepared.ts).
//
// Adoption (a restart after a crash or kill -9): a `created` container that no start of ours is working
// on was left by an agent that died between create and start. observe() starts it at once when its
// service wants it (no target known yet counts as wanting it: the agent that created it did; a plan that
// wants fewer stops it on the next apply), else removes it at once; a prepared one another run left
// holds a place until an inspect shows no start of that run in progress (the daemon answers it after such a
// start), then is handed to the prepared starts, so the next plan re-assigns it (or starts it at once when it has room)
// like one of its own, and removes it only when it wants none. Exited, dead and "removal in progress"
// containers are removed, and a removal that fails is retried with backoff and reported (removals.ts).
//
// Outages: any call that cannot reach the daemon marks it down (cache.ts): the events stream is
// dropped, every read fails (the agent holds and changes nothing), waiting starts are dropped, and
// apply() pings /_ping on a new connection before it creates anything, so a daemon that is shutting
// down never sees a create storm. /_ping is probed meanwhile; its first answer wakes the agent (watch).
import { hostname } from 'node:os';
import type Docker from 'dockerode';
import type { ActualState } from '../../core/types.js';
import { EngineError } from '../../errors.js';
import { Incidents } from '../../log/incidents.js';
import type { Logger } from '../../log/logger.js';
import { defineEngine, type ApplyTarget, type Engine, type EngineContext, type EngineService, type ObserveOptions } from '../types.js';
import { ContainerCache, type ContainerEntry } from './cache.js';
import { connect, engineError, pingFresh } from './connection.js';
import { LABEL } from './labels.js';
import { containerSpec } from './lifecycle.js';
import { PreparedStarts } from './prepared.js';
import { GONE_STATES, Removals } from './removals.js';
import { dockerSchema, dockerServiceShape, type DockerConfig, type DockerServiceOptions } from './schema.js';
import { StartGate } from './start-gate.js';
import { StartQueue } from './start-queue.js';
import { actualStates, phaseOf, stopOrder } from './state.js';

const WAKE_ACTIONS = new Set(['start', 'die', 'destroy', 'oom', 'reconnected']);
/** The longest a removal waits for the starts in flight to be answered (StartGate). */
const REMOVE_HOLD_MS = 3000;
/** The longest a top-up of `preCreate` waits for the pool to be quiet. */
const TOP_UP_WAIT_MS = 5000;

interface ImageFacts {
  readonly healthcheck: boolean;
}

export class DockerEngine implements Engine {
  private readonly docker: Docker;
  private readonly cache: ContainerCache;
  private readonly queue: StartQueue;
  private readonly prepared: PreparedStarts;
  /** Starts in flight: removals wait for them (start-gate.ts). */
  private readonly startGate = new StartGate();
  /** A top-up of the containers created ahead (`preCreate`) is waiting for the starts in flight. */
  private topUpPending = false;
  private closing = false;
  private byName: Map<string, EngineService<DockerServiceOptions>>;
  private readonly images = new Map<string, ImageFacts>();
  private readonly removals: Removals;
  /** Containers created by a start still in flight (created, start not yet answered). */
  private readonly inFlight = new Set<string>();
  /**
   * Prepared containers an earlier agent left `created`, not yet inspected: that agent may have sent
   * their start just before it died, and the daemon may still be starting them, so they hold a place
   * until an inspect (which the daemon answers only once a start in progress is done) says they are
   * still `created`. Then (`settled`) they are adopted like any prepared one.
   */
  private readonly unsettled = new Set<string>();
  private readonly settled = new Set<string>();
  /** A start that failed after apply() returned; the next apply() reports it. */
  private readonly startErrors = new Map<string, EngineError>();
  /** Creates in flight per service: their container may be on the daemon before we know its id. */
  private readonly creating = new Map<string, number>();
  /** The last target apply() was given per service: what adoption measures a found container against. */
  private readonly targets = new Map<string, number>();
  private readonly incidents: Incidents;
  private readonly node: string;
  private readonly log: Logger;

  constructor(
    private readonly config: DockerConfig,
    private services: readonly EngineService<DockerServiceOptions>[],
    context: Pick<EngineContext, 'log'>,
    docker?: Docker,
  ) {
    this.log = context.log;
    this.incidents = new Incidents(context.log);
    this.docker = docker ?? connect(config.host);
    this.byName = new Map(services.map((s) => [s.name, s]));
    this.queue = new StartQueue(config.startConcurrency);
    this.cache = new ContainerCache(this.docker, config.pool, config.host, config.resync, this.log, (service) =>
      this.hasHealthcheck(service),
    );
    this.prepared = new PreparedStarts(
      this.docker,
      {
        create: async (service) => (await this.docker.createContainer(this.preparedSpec(service))).id,
        onCreated: (service, id) => this.cache.add(id, service, true),
        onStartFailed: (service, id, error) => this.startFailed(service, error, id),
        trackStart: (work) => this.startGate.track(work),
      },
      this.log,
    );
    this.removals = new Removals(this.docker, this.cache, config.host, this.log, {
      serves: (service) => this.byName.has(service),
      holdsPlace: (entry) => !(entry.prepared && !this.startRequested(entry.id)),
      exited: () => this.prepared.exited(),
      beforeRemove: () => this.startGate.idle(REMOVE_HOLD_MS),
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
      this.startErrors.delete(name);
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
      this.adopt();
    }
    return actualStates(
      this.services.map((s) => s.name),
      this.cache.entries.values(),
      (id) => this.removals.isStopping(id),
      (service) => this.queue.pendingFor(service) + this.prepared.startingFor(service),
      this.node,
      (id) => this.startRequested(id),
      (service) => this.prepared.creatingFor(service),
    );
  }

  /** Whether a container that just died was holding a place in the pool (so its exit frees one). */
  private heldPlace(entry: ContainerEntry, stateBefore: string | undefined): boolean {
    if (!this.byName.has(entry.service) || stateBefore === undefined || GONE_STATES.has(stateBefore)) return false;
    return !(entry.prepared && stateBefore === 'created' && !this.startRequested(entry.id));
  }

  /** A prepared container whose start is asked for, by us or possibly by the agent before us (unsettled). */
  private startRequested(id: string): boolean {
    return this.prepared.isStartRequested(id) || this.unsettled.has(id);
  }

  /** Inspects a prepared container an earlier agent left; until the answer it holds a place (see unsettled). */
  private settle(id: string): void {
    this.unsettled.add(id);
    this.docker
      .getContainer(id)
      .inspect()
      .then((info) => {
        if (info.State.Running) this.cache.started(id);
      })
      .catch(() => undefined) // gone or unreachable: the next list says which
      .finally(() => {
        this.unsettled.delete(id);
        this.settled.add(id);
      });
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
      const failed = this.startErrors.get(name);
      if (failed) errors.push(failed);
      this.startErrors.delete(name);
    }
    // Creates go out after every stop has been sent: on a busy daemon the exit they wait for comes first.
    for (const prepareStarts of prepares) prepareStarts();
    this.prepared.endPlan(previous, (service) => (this.byName.has(service) ? this.config.preCreate : 0));
    this.topUpSoon();
    const [first, ...rest] = errors;
    if (first) throw rest.length === 0 ? first : new EngineError(first.failure, 'docker', errors.map((e) => e.message).join('; '));
  }

  /**
   * Keeps `preCreate` prepared containers of each service ahead of need, created once the pool is quiet
   * (no start in flight or waiting for an exit, no stop waiting for its exit: a create beside them slows
   * them on a busy daemon; after TOP_UP_WAIT_MS it goes anyway), never while the daemon is down, and only
   * for services whose image an apply has found.
   */
  private topUpSoon(): void {
    if (this.config.preCreate === 0 || this.topUpPending) return;
    this.topUpPending = true;
    const giveUpAtMs = Date.now() + TOP_UP_WAIT_MS;
    const attempt = (): void => {
      if (!this.quiet() && Date.now() < giveUpAtMs && !this.closing) {
        setTimeout(attempt, 50).unref?.();
        return;
      }
      this.topUpPending = false;
      if (this.closing || this.cache.down) return;
      for (const service of this.services)
        if (this.images.has(service.options.image)) this.prepared.topUp(service.name, this.config.preCreate);
    };
    attempt();
  }

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
      const phase = phaseOf(e, false, this.prepared.isStartRequested(e.id));
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
    if (keep > current || waiting > 0) await this.ensureImage(service);
    if (keep > current) {
      // Prepared containers of the last plan (or left by an earlier run) start first: they exist already.
      const reused = this.prepared.startNow(name, keep - current, previous);
      for (let i = current + reused; i < keep; i++) this.queue.push(name, (created) => this.startGate.track(this.startOne(name, created)));
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

  /**
   * A create or start failed: reported (once per incident) by the next apply; the container, if any,
   * removed. When the daemon cannot be reached, the starts still waiting are dropped: the agent asks
   * again once it answers, from what it then finds.
   */
  private startFailed(name: string, error: unknown, id: string | undefined): void {
    const image = this.byName.get(name)?.options.image ?? 'its image';
    const wrapped = engineError('docker', this.config.host, `start a container of ${image}`, error, name);
    this.startErrors.set(name, wrapped);
    this.incidents.fail(`start/${name}`, { event: 'docker-start-failed', service: name }, wrapped.message, Date.now());
    if (wrapped.failure === 'unreachable' || wrapped.failure === 'timeout') {
      this.cache.markDown();
      for (const service of this.byName.keys()) this.queue.cancel(service, Number.POSITIVE_INFINITY);
    }
    if (id) this.removals.request({ id, service: name, state: 'created', health: 'none', createdMs: Date.now(), updatedMs: Date.now() }, 0);
  }

  /** Starts a container an earlier agent created but never started (see adopt). */
  private adoptStart(entry: ContainerEntry): void {
    this.inFlight.add(entry.id);
    this.log.info(
      { event: 'docker-adopted', service: entry.service, container: entry.id.slice(0, 12) },
      `starting container ${entry.id.slice(0, 12)} of ${entry.service}: created by an earlier agent that stopped before starting it`,
    );
    this.docker
      .getContainer(entry.id)
      .start()
      .then(() => this.cache.started(entry.id))
      .catch((error: unknown) => {
        if ((error as { statusCode?: unknown }).statusCode !== 304) this.startFailed(entry.service, error, entry.id);
      })
      .finally(() => this.inFlight.delete(entry.id));
  }

  /**
   * `created` containers nobody is starting (their agent died between create and start): started when
   * the service wants them, removed when it has more than its target; prepared ones another run left
   * go to the next plan (PreparedStarts.adopt), which starts, keeps or removes them. Skips a service while a create of ours
   * is in flight, as its container may be listed before the create answers with its id.
   */
  private adopt(): void {
    const orphans = new Map<string, ContainerEntry[]>();
    for (const entry of this.cache.entries.values()) {
      if (entry.state !== 'created' || this.inFlight.has(entry.id) || this.removals.has(entry.id) || !this.byName.has(entry.service))
        continue;
      if ((this.creating.get(entry.service) ?? 0) > 0 || this.prepared.owns(entry.id) || this.prepared.creatingFor(entry.service) > 0)
        continue;
      if (entry.prepared) {
        if (!this.settled.has(entry.id)) {
          if (!this.unsettled.has(entry.id)) this.settle(entry.id);
          continue;
        }
        this.log.info(
          { event: 'docker-adopted', service: entry.service, container: entry.id.slice(0, 12), prepared: true },
          `adopting prepared container ${entry.id.slice(0, 12)} of ${entry.service}, left by an earlier agent: the next plan starts it or removes it`,
        );
        this.prepared.adopt(entry.service, entry.id);
        continue;
      }
      orphans.set(entry.service, [...(orphans.get(entry.service) ?? []), entry]);
    }
    for (const [service, found] of orphans) {
      const target = this.targets.get(service);
      let excess = target === undefined ? 0 : Math.max(0, this.current(service) - target);
      for (const entry of found) {
        if (excess-- > 0) {
          this.log.info(
            { event: 'docker-orphan-removed', service, container: entry.id.slice(0, 12) },
            `removing container ${entry.id.slice(0, 12)} of ${service}: created by an earlier agent, never started, not wanted now`,
          );
          this.removals.request(entry, 0);
        } else {
          this.adoptStart(entry);
        }
      }
    }
  }

  /** Takes the service's keys when the start begins, so a reload between queueing and starting counts. */
  private async startOne(name: string, created: () => void): Promise<void> {
    const service = this.byName.get(name);
    if (!service) return; // not reached: a reload that removes a service cancels its waiting starts
    let id: string | undefined;
    this.creating.set(name, (this.creating.get(name) ?? 0) + 1);
    try {
      let container: Docker.Container;
      try {
        container = await this.docker.createContainer(containerSpec(this.config.pool, service.name, service.options));
      } finally {
        this.creating.set(name, (this.creating.get(name) ?? 1) - 1); // in the same turn as inFlight.add: adopt() never sees it unowned
      }
      id = container.id;
      this.inFlight.add(id);
      this.cache.add(id, service.name);
      created();
      await container.start();
      this.cache.started(id); // before it leaves inFlight: adopt() must never take it for an orphan
      this.incidents.ok(`start/${name}`, { event: 'docker-start-failed', service: name }, `containers of ${name} start again`, Date.now());
    } catch (error) {
      this.startFailed(name, error, id);
    } finally {
      if (id) this.inFlight.delete(id);
    }
  }

  private hasHealthcheck(service: string): boolean {
    const image = this.byName.get(service)?.options.image;
    return image !== undefined && (this.images.get(image)?.healthcheck ?? false);
  }

  /** Missing images are an error naming the image and how to get it; nothing is pulled behind your back. */
  private async ensureImage(service: EngineService<DockerServiceOptions>): Promise<void> {
    const { image } = service.options;
    if (this.images.has(image)) return;
    try {
      const info = await this.docker.getImage(image).inspect();
      const test = info.Config.Healthcheck?.Test;
      this.images.set(image, { healthcheck: Array.isArray(test) && test.length > 0 && test[0] !== 'NONE' });
    } catch (error) {
      const wrapped = engineError('docker', this.config.host, `inspect image ${image}`, error, service.name);
      if (wrapped.failure !== 'not-found') throw wrapped;
      throw new EngineError(
        'not-found',
        'docker',
        `image "${image}" is not on the Docker Engine at ${this.config.host ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}; build it (docker build -t ${image} <dir>) or pull it (docker pull ${image}); microscale never pulls by itself`,
        service.name,
      );
    }
  }

  watch(onChange: () => void): () => void {
    return this.cache.onEvent((_, action) => {
      if (WAKE_ACTIONS.has(action) || action.startsWith('health_status')) onChange();
    });
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
