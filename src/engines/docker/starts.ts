// Starts of new containers (the start queue's jobs): create with the service's keys at the time the start
// begins, record it in the cache, start it, and what a failure does: reported (once per incident) by the
// next apply, the container (if any) removed, and, when the daemon cannot be reached, the daemon marked
// down and the starts still waiting dropped (the agent asks again once it answers, from what it finds).
import type Docker from 'dockerode';
import type { EngineError } from '../../errors.js';
import { Incidents } from '../../log/incidents.js';
import type { Logger } from '../../log/logger.js';
import type { EngineService } from '../types.js';
import type { ContainerCache, ContainerEntry } from './cache.js';
import { engineError } from './connection.js';
import { containerSpec } from './lifecycle.js';
import type { DockerServiceOptions } from './schema.js';

export interface StartHooks {
  /** The service as configured now (undefined: removed by a reload). */
  readonly service: (name: string) => EngineService<DockerServiceOptions> | undefined;
  /** The daemon cannot be reached: drop the starts still waiting. */
  readonly unreachable: () => void;
  /** Removes a container whose start failed. */
  readonly remove: (entry: ContainerEntry) => void;
}

export class Starts {
  /** Containers created by a start still in flight (created, start not yet answered). */
  private readonly inFlight = new Set<string>();
  /** Creates in flight per service: their container may be on the daemon before we know its id. */
  private readonly creating = new Map<string, number>();
  /** A start that failed after apply() returned; the next apply() reports it. */
  private readonly errors = new Map<string, EngineError>();
  private readonly incidents: Incidents;

  constructor(
    private readonly docker: Docker,
    private readonly cache: ContainerCache,
    private readonly pool: string,
    private readonly host: string | undefined,
    log: Logger,
    private readonly hooks: StartHooks,
  ) {
    this.incidents = new Incidents(log);
  }

  /** A start of ours is working on this container. */
  isStarting(id: string): boolean {
    return this.inFlight.has(id);
  }

  /** A create of ours is in flight for the service. */
  isCreating(service: string): boolean {
    return (this.creating.get(service) ?? 0) > 0;
  }

  /** The failure of a start since the last call, if any (then forgotten). */
  takeError(service: string): EngineError | undefined {
    const error = this.errors.get(service);
    this.errors.delete(service);
    return error;
  }

  /** Takes the service's keys when the start begins, so a reload between queueing and starting counts. */
  async start(name: string, created: () => void): Promise<void> {
    const service = this.hooks.service(name);
    if (!service) return; // not reached: a reload that removes a service cancels its waiting starts
    let id: string | undefined;
    this.creating.set(name, (this.creating.get(name) ?? 0) + 1);
    try {
      let container: Docker.Container;
      try {
        container = await this.docker.createContainer(containerSpec(this.pool, service.name, service.options));
      } finally {
        this.creating.set(name, (this.creating.get(name) ?? 1) - 1); // in the same turn as inFlight.add: adoption never sees it unowned
      }
      id = container.id;
      this.inFlight.add(id);
      this.cache.add(id, service.name);
      created();
      await container.start();
      this.cache.started(id); // before it leaves inFlight: adoption must never take it for an orphan
      this.incidents.ok(`start/${name}`, { event: 'docker-start-failed', service: name }, `containers of ${name} start again`, Date.now());
    } catch (error) {
      this.failed(name, error, id);
    } finally {
      if (id) this.inFlight.delete(id);
    }
  }

  /** A create or start failed (ours, a prepared one's or an adopted one's): see the module comment. */
  failed(name: string, error: unknown, id: string | undefined): void {
    const image = this.hooks.service(name)?.options.image ?? 'its image';
    const wrapped = engineError('docker', this.host, `start a container of ${image}`, error, name);
    this.errors.set(name, wrapped);
    this.incidents.fail(`start/${name}`, { event: 'docker-start-failed', service: name }, wrapped.message, Date.now());
    if (wrapped.failure === 'unreachable' || wrapped.failure === 'timeout') {
      this.cache.markDown();
      this.hooks.unreachable();
    }
    if (id) this.hooks.remove({ id, service: name, state: 'created', health: 'none', createdMs: Date.now(), updatedMs: Date.now() });
  }
}
