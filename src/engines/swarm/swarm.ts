// `swarm`: each service is a Swarm service scaled through its replica count; running = its tasks in
// state running. Either microscale creates the Swarm service from `image` (labelled with its pool,
// created at 0 replicas, with the service's grace period and an init), or it scales an existing one
// named by `service` and touches nothing but its replica count. Level-triggered: every observe() lists
// services and tasks; the events stream only wakes the agent.
import type Docker from 'dockerode';
import type { ActualState } from '../../core/types.js';
import { ConfigError, EngineError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { destroyStream, onJsonLines } from '../../util/json-lines.js';
import { connect, engineError, withTimeout } from '../docker/connection.js';
import { LABEL, ownedLabels } from '../docker/labels.js';
import { ServiceMoments, type TimedEvent } from '../docker/moments.js';
import { defineEngine, type ApplyTarget, type Engine, type EngineContext, type EngineService } from '../types.js';
import { swarmSchema, swarmServiceShape, type SwarmConfig, type SwarmServiceOptions } from './schema.js';
import { swarmState, type TaskInfo } from './tasks.js';

const CALL_TIMEOUT_MS = 10_000;

interface SwarmServiceInfo {
  readonly ID: string;
  readonly Version?: { readonly Index?: number };
  readonly Spec?: { readonly Name?: string; readonly Mode?: { readonly Replicated?: { readonly Replicas?: number } } } & Record<
    string,
    unknown
  >;
}

export function swarmServiceName(pool: string, options: SwarmServiceOptions, name: string): string {
  return options.service ?? `ms-${pool}-${name}`;
}

export class SwarmEngine implements Engine {
  private readonly docker: Docker;
  private readonly log: Logger;
  private stream: NodeJS.ReadableStream | undefined;
  /** The Swarm service names of the current services, for the events stream. */
  private names: ReadonlySet<string>;
  /**
   * Per Swarm service name, the `die`/`oom` events' times of its tasks' containers on this node (while
   * watch() follows the stream): when a stop ended, for the tasks Swarm deletes before a read sees them
   * shut down (it keeps a scaled-down task under a second). Running moments come from the tasks.
   */
  private readonly exits = new ServiceMoments();

  constructor(
    private readonly config: SwarmConfig,
    private services: readonly EngineService<SwarmServiceOptions>[],
    context: Pick<EngineContext, 'log'>,
  ) {
    checkServices(services);
    this.log = context.log;
    this.docker = connect(config.host);
    this.names = this.swarmNames(services);
  }

  /**
   * Serve exactly these services from now on, checked as at start (image or service, one of them): on a
   * problem this throws the same ConfigError and nothing changes. New services are adopted or created
   * on their first scale-up, as at start; a removed one's Swarm service is left as it is, unread. An
   * existing Swarm service keeps its spec: changed keys of an image-created one take effect only once
   * that Swarm service is removed (as after a restart).
   */
  async reconfigure(services: readonly EngineService<SwarmServiceOptions>[]): Promise<void> {
    checkServices(services);
    this.services = services;
    this.names = this.swarmNames(services);
  }

  private fail(doing: string, error: unknown, service?: string): EngineError {
    const wrapped = engineError('swarm', this.config.host, doing, error, service);
    if (/not a swarm manager|swarm init/i.test(wrapped.message)) {
      return new EngineError(
        'refused',
        'swarm',
        `${wrapped.message.replace(/^swarm engine[^:]*: \w+: /, '')} (run docker swarm init, or use engine kind docker)`,
        service,
      );
    }
    return wrapped;
  }

  private nameOf(service: EngineService<SwarmServiceOptions>): string {
    return swarmServiceName(this.config.pool, service.options, service.name);
  }

  private swarmNames(services: readonly EngineService<SwarmServiceOptions>[]): Set<string> {
    return new Set(services.map((s) => this.nameOf(s)));
  }

  private async swarmServices(services: readonly EngineService<SwarmServiceOptions>[]): Promise<Map<string, SwarmServiceInfo>> {
    const names = services.map((s) => this.nameOf(s));
    try {
      const found = (await withTimeout(
        this.docker.listServices({ filters: { name: names } }),
        CALL_TIMEOUT_MS,
        'swarm',
        'list services',
      )) as unknown as SwarmServiceInfo[];
      // The name filter matches prefixes; keep exact names only.
      return new Map(found.filter((s) => s.Spec?.Name && names.includes(s.Spec.Name)).map((s) => [s.Spec?.Name ?? '', s]));
    } catch (error) {
      throw this.fail('list services', error);
    }
  }

  async observe(): Promise<Map<string, ActualState>> {
    const services = this.services; // one list for the whole read, even if a reload lands meanwhile
    const found = await this.swarmServices(services);
    const ids = [...found.values()].map((s) => s.ID);
    let tasks: (TaskInfo & { ServiceID?: string })[] = [];
    if (ids.length > 0) {
      try {
        tasks = (await withTimeout(
          this.docker.listTasks({ filters: { service: ids } }),
          CALL_TIMEOUT_MS,
          'swarm',
          'list tasks',
        )) as typeof tasks;
      } catch (error) {
        throw this.fail('list tasks', error);
      }
    }
    return new Map(
      services.map((service) => {
        const info = found.get(this.nameOf(service));
        if (!info) return [service.name, { running: 0, starting: 0, stopping: 0 }];
        const replicas = info.Spec?.Mode?.Replicated?.Replicas ?? 0;
        const state = swarmState(
          replicas,
          tasks.filter((t) => t.ServiceID === info.ID),
        );
        const exits = this.exits.of(this.nameOf(service)).goneAtMs ?? [];
        const goneAtMs = [...(state.goneAtMs ?? []), ...exits].sort((a, b) => a - b);
        return [service.name, goneAtMs.length > 0 ? { ...state, goneAtMs } : state];
      }),
    );
  }

  async apply(targets: readonly ApplyTarget[]): Promise<void> {
    const services = this.services;
    const found = await this.swarmServices(services);
    const errors: EngineError[] = [];
    await Promise.all(
      targets.map(async ({ name, replicas }) => {
        const service = services.find((s) => s.name === name);
        try {
          if (!service) throw new EngineError('not-found', 'swarm', `service "${name}" is not configured on this engine`);
          await this.scale(service, found.get(this.nameOf(service)), replicas);
        } catch (error) {
          errors.push(error instanceof EngineError ? error : this.fail(`scale ${name}`, error, name));
        }
      }),
    );
    const [first, ...rest] = errors;
    if (first) throw rest.length === 0 ? first : new EngineError(first.failure, 'swarm', errors.map((e) => e.message).join('; '));
  }

  private async scale(service: EngineService<SwarmServiceOptions>, info: SwarmServiceInfo | undefined, target: number): Promise<void> {
    if (!info) {
      if (service.options.service)
        throw new EngineError(
          'not-found',
          'swarm',
          `Swarm service "${service.options.service}" does not exist; ` +
            `create it (docker service create --name ${service.options.service} ...) or give an image instead`,
          service.name,
        );
      if (target > 0) await this.create(service, target);
      return;
    }
    if ((info.Spec?.Mode?.Replicated?.Replicas ?? -1) === target) return;
    if (!info.Spec?.Mode?.Replicated)
      throw new EngineError(
        'refused',
        'swarm',
        `Swarm service "${info.Spec?.Name ?? info.ID}" is not in replicated mode, so it has no replica count to scale`,
        service.name,
      );
    for (let attempt = 0; ; attempt++) {
      const current = attempt === 0 ? info : ((await this.docker.getService(info.ID).inspect()) as SwarmServiceInfo);
      const spec = { ...current.Spec, Mode: { Replicated: { Replicas: target } } };
      try {
        await this.docker
          .getService(info.ID)
          .update({ _query: { version: current.Version?.Index ?? 0 }, _body: spec } as unknown as Docker.ServiceSpec);
        return;
      } catch (error) {
        // Someone else updated the service between our read and write: read again and retry once.
        if (attempt > 0 || !/out of sequence/.test(String(error))) throw this.fail(`scale ${this.nameOf(service)}`, error, service.name);
      }
    }
  }

  private async create(service: EngineService<SwarmServiceOptions>, replicas: number): Promise<void> {
    const { image, command, env, init, labels } = service.options;
    const owned = ownedLabels(this.config.pool, service.name);
    const envList =
      env === undefined ? undefined : Array.isArray(env) ? [...env] : Object.entries(env).map(([k, v]) => `${k}=${String(v)}`);
    const args = command === undefined ? undefined : typeof command === 'string' ? ['sh', '-c', command] : [...command];
    try {
      await this.docker.createService({
        Name: this.nameOf(service),
        Labels: { ...labels, ...owned },
        TaskTemplate: {
          ContainerSpec: {
            Image: image,
            ...(args ? { Args: args } : {}),
            ...(envList ? { Env: envList } : {}),
            Labels: { ...labels, ...owned },
            Init: init ?? true,
            StopGracePeriod: service.stopGracePeriodMs * 1_000_000,
          },
        },
        Mode: { Replicated: { Replicas: replicas } },
      });
    } catch (error) {
      throw this.fail(`create Swarm service ${this.nameOf(service)} from ${image ?? '?'}`, error, service.name);
    }
  }

  /** Container events of our services' tasks (this node) wake the agent; observe() stays a full list. */
  watch(onChange: () => void): () => void {
    void this.docker
      .getEvents({ filters: { type: ['container'], event: ['start', 'die', 'oom', 'destroy', 'health_status'] } })
      .then((stream) => {
        this.stream = stream;
        onJsonLines<TimedEvent & { Action?: string; Actor?: { Attributes?: Record<string, string> } }>(stream, (event) => {
          const attributes = event.Actor?.Attributes;
          const owner = attributes?.['com.docker.swarm.service.name'];
          if (!owner || !(this.names.has(owner) || attributes[LABEL.pool] === this.config.pool)) return;
          if (event.Action === 'die' || event.Action === 'oom') this.exits.note(owner, event.Action, false, event);
          onChange();
        });
        stream.on('error', () => undefined);
      })
      .catch((error: unknown) =>
        this.log.debug(
          { event: 'swarm-events-failed', error: String(error) },
          'could not follow Docker events; ticking on the interval only',
        ),
      );
    return () => this.closeStream();
  }

  private closeStream(): void {
    destroyStream(this.stream);
    this.stream = undefined;
  }

  async close(): Promise<void> {
    this.closeStream();
  }
}

/** Each service sets image (microscale creates the Swarm service) or service (an existing one): one of them. */
function serviceProblems(services: readonly EngineService<SwarmServiceOptions>[]): string[] {
  return services.flatMap((s, i) =>
    (s.options.image === undefined) === (s.options.service === undefined)
      ? [
          `services[${i}]: services "${s.name}": set image (microscale creates the Swarm service) ` +
            `or service (an existing Swarm service to scale), not both or neither`,
        ]
      : [],
  );
}

function checkServices(services: readonly EngineService<SwarmServiceOptions>[]): void {
  const problems = serviceProblems(services);
  if (problems.length > 0) throw new ConfigError(problems);
}

export const swarmEngine = defineEngine({
  kind: 'swarm',
  status: 'real-tested',
  description: 'Swarm services scaled through their replica count (created from an image, or existing ones)',
  schema: swarmSchema,
  serviceShape: swarmServiceShape,
  create: (config: SwarmConfig, services: readonly EngineService<SwarmServiceOptions>[], context) =>
    new SwarmEngine(config, services, context),
  checkServices: (_config: SwarmConfig, services: readonly EngineService<SwarmServiceOptions>[]) => serviceProblems(services),
});
