// `docker`: each service runs as containers of its image on one Docker Engine (dockerode over the
// socket, or DOCKER_HOST). Containers carry microscale's labels (managed, pool, service) and nothing
// else is ever touched. Level-triggered: observe() reads the daemon (events + periodic full list), and
// apply() drives each service toward its target from that; a restarted agent adopts what it finds.
// An exited container holds no place in the pool, removed or not (removal goes on in the background);
// a start that waits for room is created at once and started on the `die` that frees it (prepared.ts).
import { hostname } from 'node:os';
import type Docker from 'dockerode';
import type { ActualState } from '../../core/types.js';
import { EngineError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { defineEngine, type ApplyTarget, type Engine, type EngineContext, type EngineService } from '../types.js';
import { ContainerCache, type ContainerEntry } from './cache.js';
import { connect, engineError } from './connection.js';
import { LABEL } from './labels.js';
import { containerSpec, stopAndRemove } from './lifecycle.js';
import { PreparedStarts } from './prepared.js';
import { dockerSchema, dockerServiceShape, type DockerConfig, type DockerServiceOptions } from './schema.js';
import { StartQueue } from './start-queue.js';
import { actualStates, phaseOf, stopOrder } from './state.js';

/** A created container that has not started within this long was left by a crash: remove it. */
const STALE_CREATED_MS = 60_000;
/** A prepared container (LABEL.prepared) this engine did not make is another run's leftover: removed after this long. */
const ORPHAN_PREPARED_MS = 10_000;
const GONE_STATES = new Set(['exited', 'dead', 'removing']);
const WAKE_ACTIONS = new Set(['start', 'die', 'destroy', 'oom']);

interface ImageFacts {
  readonly healthcheck: boolean;
}

export class DockerEngine implements Engine {
  private readonly docker: Docker;
  private readonly cache: ContainerCache;
  private readonly queue: StartQueue;
  private readonly prepared: PreparedStarts;
  private byName: Map<string, EngineService<DockerServiceOptions>>;
  private readonly images = new Map<string, ImageFacts>();
  /** Containers we are stopping: SIGTERM sent, waiting for exit or the grace period, then removal. */
  private readonly stopping = new Map<string, Promise<void>>();
  /** Containers created by a start still in flight (created, start not yet answered). */
  private readonly inFlight = new Set<string>();
  /** A start that failed after apply() returned; the next apply() reports it. */
  private readonly startErrors = new Map<string, EngineError>();
  private readonly node: string;
  private readonly log: Logger;

  constructor(
    private readonly config: DockerConfig,
    private services: readonly EngineService<DockerServiceOptions>[],
    context: Pick<EngineContext, 'log'>,
    docker?: Docker,
  ) {
    this.log = context.log;
    this.docker = docker ?? connect(config.host);
    this.byName = new Map(services.map((s) => [s.name, s]));
    this.queue = new StartQueue(config.startConcurrency);
    this.cache = new ContainerCache(this.docker, config.pool, config.host, config.resync, this.log, (service) => this.hasHealthcheck(service));
    this.prepared = new PreparedStarts(
      this.docker,
      {
        create: async (service) => (await this.docker.createContainer(this.preparedSpec(service))).id,
        onCreated: (service, id) => this.cache.add(id, service, true),
        onStartFailed: (service, id, error) => this.startFailed(service, id, error),
      },
      this.log,
    );
    this.cache.onEvent((entry, action, stateBefore) => {
      if (entry && (action === 'die' || action === 'oom') && this.heldPlace(entry, stateBefore)) this.prepared.exited();
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
    for (const name of this.byName.keys()) {
      if (byName.has(name)) continue;
      this.queue.cancel(name, Number.POSITIVE_INFINITY);
      this.startErrors.delete(name);
    }
    this.services = services;
    this.byName = byName;
  }

  async observe(): Promise<Map<string, ActualState>> {
    await this.cache.refresh();
    this.reap();
    return actualStates(
      this.services.map((s) => s.name),
      this.cache.entries.values(),
      (id) => this.stopping.has(id),
      (service) => this.queue.pendingFor(service) + this.prepared.startingFor(service),
      this.node,
      (id) => this.prepared.isStartRequested(id),
      (service) => this.prepared.creatingFor(service),
    );
  }

  /** Whether a container that just died was holding a place in the pool (so its exit frees one). */
  private heldPlace(entry: ContainerEntry, stateBefore: string | undefined): boolean {
    if (!this.byName.has(entry.service) || stateBefore === undefined || GONE_STATES.has(stateBefore)) return false;
    return !(entry.prepared && stateBefore === 'created' && !this.prepared.isStartRequested(entry.id));
  }

  async apply(targets: readonly ApplyTarget[]): Promise<void> {
    await this.cache.refresh(); // drive from what the daemon runs, even when apply comes without an observe
    const errors: EngineError[] = [];
    const previous = this.prepared.beginPlan();
    for (const { name, replicas, prepare } of targets) {
      try {
        await this.applyOne(name, replicas, prepare, previous);
      } catch (error) {
        errors.push(error instanceof EngineError ? error : engineError('docker', this.config.host, 'scale', error, name));
      }
      const failed = this.startErrors.get(name);
      if (failed) errors.push(failed);
      this.startErrors.delete(name);
    }
    this.prepared.endPlan(previous);
    const [first, ...rest] = errors;
    if (first) throw rest.length === 0 ? first : new EngineError(first.failure, 'docker', errors.map((e) => e.message).join('; '));
  }

  /** Running or starting: holding a place and not asked to stop. */
  private liveContainers(service: string): ContainerEntry[] {
    return [...this.cache.entries.values()].filter((e) => {
      if (e.service !== service || this.stopping.has(e.id)) return false;
      const phase = phaseOf(e, false, this.prepared.isStartRequested(e.id));
      return phase === 'running' || phase === 'starting';
    });
  }

  /**
   * Drives running + starting toward `target`, keeping up to `target + prepare.count` when prepared
   * starts began since the plan was read, and prepares the starts that still wait for room.
   */
  private async applyOne(name: string, target: number, prepare: ApplyTarget['prepare'], previous: Parameters<PreparedStarts['want']>[3]): Promise<void> {
    const service = this.byName.get(name);
    if (!service) throw new EngineError('not-found', 'docker', `service "${name}" is not configured on this engine`);
    const live = this.liveContainers(name);
    const current = live.length + this.queue.pendingFor(name) + this.prepared.startingFor(name);
    const waiting = prepare?.count ?? 0;
    const keep = Math.max(target, Math.min(current, target + waiting));
    if (keep > current || waiting > 0) await this.ensureImage(service);
    if (keep > current) {
      for (let i = current; i < keep; i++) this.queue.push(name, (created) => this.startOne(name, created));
    } else if (keep < current) {
      const excess = current - keep - this.queue.cancel(name, current - keep);
      for (const victim of stopOrder(live, (id) => this.prepared.isStartRequested(id)).slice(0, excess)) this.requestStop(victim, service.stopGracePeriodMs);
    }
    const toPrepare = target + waiting - keep;
    if (toPrepare > 0) this.prepared.want(name, toPrepare, prepare?.afterExits ?? 0, previous);
  }

  private preparedSpec(name: string): Docker.ContainerCreateOptions {
    const service = this.byName.get(name);
    if (!service) throw new EngineError('not-found', 'docker', `service "${name}" is not configured on this engine`);
    const spec = containerSpec(this.config.pool, service.name, service.options);
    return { ...spec, Labels: { ...spec.Labels, [LABEL.prepared]: 'true' } };
  }

  private startFailed(name: string, id: string, error: unknown): void {
    const image = this.byName.get(name)?.options.image ?? 'its image';
    const wrapped = engineError('docker', this.config.host, `start a container of ${image}`, error, name);
    this.startErrors.set(name, wrapped);
    this.log.error({ event: 'docker-start-failed', service: name }, wrapped.message);
    this.requestStop({ id, service: name, state: 'created', health: 'none', createdMs: Date.now(), updatedMs: Date.now() }, 0);
  }

  /** Takes the service's keys when the start begins, so a reload between queueing and starting counts. */
  private async startOne(name: string, created: () => void): Promise<void> {
    const service = this.byName.get(name);
    if (!service) return; // not reached: a reload that removes a service cancels its waiting starts
    let id: string | undefined;
    try {
      const container = await this.docker.createContainer(containerSpec(this.config.pool, service.name, service.options));
      id = container.id;
      this.inFlight.add(id);
      this.cache.add(id, service.name);
      created();
      await container.start();
    } catch (error) {
      const wrapped = engineError('docker', this.config.host, `start a container of ${service.options.image}`, error, service.name);
      this.startErrors.set(service.name, wrapped);
      this.log.error({ event: 'docker-start-failed', service: service.name }, wrapped.message);
      if (id) this.requestStop({ id, service: service.name, state: 'created', health: 'none', createdMs: Date.now(), updatedMs: Date.now() }, 0);
    } finally {
      if (id) this.inFlight.delete(id);
    }
  }

  private requestStop(entry: ContainerEntry, graceMs: number): void {
    if (this.stopping.has(entry.id)) return;
    const wasRunning = entry.state === 'running' || entry.state === 'paused' || entry.state === 'restarting';
    const done = stopAndRemove(this.docker, entry.id, graceMs, wasRunning)
      .then((how) => {
        this.cache.forget(entry.id);
        this.log.debug({ event: 'docker-stopped', service: entry.service, container: entry.id.slice(0, 12), how }, `container ${how}`);
        if (how === 'killed') this.log.info({ event: 'docker-killed', service: entry.service, container: entry.id.slice(0, 12), graceMs }, `container ignored SIGTERM for ${graceMs}ms and was killed`);
      })
      .catch((error: unknown) => {
        this.log.error({ event: 'docker-stop-failed', service: entry.service }, engineError('docker', this.config.host, 'stop a container', error, entry.service).message);
      })
      .finally(() => this.stopping.delete(entry.id));
    this.stopping.set(entry.id, done);
  }

  /** Removes what nobody will: crashed containers, created ones a crashed agent never started, and prepared ones not ours. */
  private reap(): void {
    const now = Date.now();
    for (const entry of this.cache.entries.values()) {
      if (this.stopping.has(entry.id) || !this.byName.has(entry.service)) continue;
      const ours = this.prepared.owns(entry.id);
      const orphanCreated = entry.state === 'created' && !this.inFlight.has(entry.id) && !ours && now - entry.createdMs > (entry.prepared ? ORPHAN_PREPARED_MS : STALE_CREATED_MS);
      if (entry.state === 'exited' || entry.state === 'dead' || orphanCreated) this.requestStop(entry, 0);
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
      throw new EngineError('not-found', 'docker', `image "${image}" is not on the Docker Engine at ${this.config.host ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}; build it (docker build -t ${image} <dir>) or pull it (docker pull ${image}); microscale never pulls by itself`, service.name);
    }
  }

  watch(onChange: () => void): () => void {
    return this.cache.onEvent((_, action) => {
      if (WAKE_ACTIONS.has(action) || action.startsWith('health_status')) onChange();
    });
  }

  /** Finishes starts and stops in flight (containers are left running: a restarted agent adopts them). */
  async close(): Promise<void> {
    await this.queue.drain();
    await this.prepared.close(); // prepared containers not started are removed: no plan wants them any more
    await Promise.all(this.stopping.values());
    this.cache.close();
  }
}

export const dockerEngine = defineEngine({
  kind: 'docker',
  status: 'real-tested',
  description: 'containers on a Docker Engine (socket or DOCKER_HOST), labelled and owned by microscale',
  schema: dockerSchema,
  serviceShape: dockerServiceShape,
  create: (config: DockerConfig, services: readonly EngineService<DockerServiceOptions>[], context) => new DockerEngine(config, services, context),
});
