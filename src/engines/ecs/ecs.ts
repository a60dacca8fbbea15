// `ecs`: scales an Amazon ECS service's desiredCount with the official AWS SDK (@aws-sdk/client-ecs):
// UpdateService sets it, DescribeServices reads desiredCount, runningCount and pendingCount (batched: one
// call per cluster per tick for up to 10 services). Credentials and region come the AWS SDK's usual way
// (environment, shared config/profile, container or instance role); `endpoint` points it elsewhere (a
// proxy, or the test fake). Tested against a fake of the documented API (src/bench/fakes/fake-ecs.ts), not real AWS.
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  UpdateServiceCommand,
  type ECSClientConfig,
  type Service,
} from '@aws-sdk/client-ecs';
import { z } from 'zod';
import { duration, intAtLeast, nonEmptyString } from '../../config/fields.js';
import { httpUrl } from '../remote/fields.js';
import { EngineError } from '../../errors.js';
import { defineEngine, type EngineContext, type EngineService } from '../types.js';
import type { ReportedCounts } from '../remote/reconcile.js';
import { createRemoteEngine, type RemoteDriver, type RemoteEngine } from '../remote/remote-engine.js';
import { ecsEngineError } from './errors.js';

export const ecsSchema = z
  .object({
    kind: z.literal('ecs'),
    cluster: nonEmptyString('a cluster name or ARN').default('default'),
    /** Default: the AWS SDK's (AWS_REGION, then the profile's region). */
    region: nonEmptyString('an AWS region like eu-west-1').optional(),
    endpoint: httpUrl('https://ecs.eu-west-1.amazonaws.com').optional(),
    timeout: duration().default('5s'),
    /** Attempts the SDK makes per call before microscale's own per-service backoff takes over. */
    maxAttempts: intAtLeast(1, 10).default(2),
    /**
     * Also count tasks being stopped (ECS reports them in neither runningCount nor pendingCount): one
     * ListTasks per service and DescribeTasks per 100 stopped tasks, each tick. Off by default for the
     * API rate limits; turn it on (with a longer interval) to keep the pool exact during stop timeouts.
     */
    countStoppingTasks: z.boolean({ invalid_type_error: 'expected true or false' }).default(false),
  })
  .strict();

export type EcsConfig = z.infer<typeof ecsSchema>;

const ecsServiceShape = {
  ecsService: nonEmptyString('an ECS service name or ARN'),
  cluster: nonEmptyString('a cluster name or ARN').optional(),
};

// A type, not an interface, so RemoteEngine.reconfigure takes it typed (see ServiceKeys in remote-engine.ts).
export type EcsServiceOptions = {
  readonly ecsService: string;
  readonly cluster?: string;
};

interface Waiter {
  readonly name: string;
  readonly resolve: (found: { service?: Service; reason?: string }) => void;
  readonly reject: (error: unknown) => void;
}

const lastSegment = (ref: string): string => ref.split('/').at(-1) ?? ref;

/** A task's lastStatus on its way from RUNNING to STOPPED (the ECS task lifecycle). */
const STOPPING_STATUSES = new Set(['DEACTIVATING', 'STOPPING', 'DEPROVISIONING']);
/** ECS lists stopped tasks for about an hour; a busy service's list is read up to this many. */
const MAX_STOPPED_TASKS = 500;

export class EcsDriver implements RemoteDriver<EcsServiceOptions> {
  readonly engine = 'ecs';
  private readonly client: ECSClient;
  /** DescribeServices calls wanted in this turn of the event loop, by cluster: sent together. */
  private batches = new Map<string, Waiter[]>();

  constructor(
    private readonly config: EcsConfig,
    clientOverrides: Partial<ECSClientConfig> = {},
  ) {
    this.client = new ECSClient({
      maxAttempts: config.maxAttempts,
      ...(config.region ? { region: config.region } : {}),
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...clientOverrides,
    });
  }

  private cluster(service: EngineService<EcsServiceOptions>): string {
    return service.options.cluster ?? this.config.cluster;
  }

  /** Runs one SDK call under the timeout; failures come back as EngineErrors for `service`. */
  private async send<T>(
    operation: string,
    service: string,
    signal: AbortSignal,
    call: (abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const timeout = AbortSignal.timeout(this.config.timeout);
    try {
      return await call(AbortSignal.any([timeout, signal]));
    } catch (error) {
      throw ecsEngineError(error, { operation, service, timedOut: timeout.aborted, timeoutMs: this.config.timeout });
    }
  }

  async read(service: EngineService<EcsServiceOptions>, signal: AbortSignal): Promise<ReportedCounts> {
    const cluster = this.cluster(service);
    const operation = `DescribeServices (cluster "${cluster}")`;
    const found = await this.send(operation, service.name, signal, (abortSignal) =>
      this.describe(cluster, service.options.ecsService, abortSignal),
    );
    const ecs = found.service;
    if (!ecs) {
      throw new EngineError(
        'not-found',
        this.engine,
        `DescribeServices: service "${service.options.ecsService}" in cluster "${cluster}": ` +
          `${found.reason ?? 'MISSING'} (check ecsService and cluster, and the region)`,
        service.name,
      );
    }
    if (ecs.status !== 'ACTIVE') {
      throw new EngineError(
        'not-found',
        this.engine,
        `service "${service.options.ecsService}" in cluster "${cluster}" is ${ecs.status ?? 'not active'}; it cannot be scaled`,
        service.name,
      );
    }
    // ECS counts a task being stopped in neither runningCount nor pendingCount; until the scheduler acts
    // on a lower desiredCount, reconcile() counts the excess as stopping; after that only ListTasks sees them.
    const stopping = this.config.countStoppingTasks ? await this.stoppingTasks(service, cluster, signal) : 0;
    return { declared: ecs.desiredCount ?? 0, running: ecs.runningCount ?? 0, starting: ecs.pendingCount ?? 0, stopping };
  }

  /** Tasks ECS is stopping (desired STOPPED, last status not yet STOPPED nor still RUNNING). */
  private async stoppingTasks(service: EngineService<EcsServiceOptions>, cluster: string, signal: AbortSignal): Promise<number> {
    const serviceName = lastSegment(service.options.ecsService);
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const input = { cluster, serviceName, desiredStatus: 'STOPPED' as const, maxResults: 100, ...(nextToken ? { nextToken } : {}) };
      const page = await this.send(`ListTasks (service "${serviceName}")`, service.name, signal, (abortSignal) =>
        this.client.send(new ListTasksCommand(input), { abortSignal }),
      );
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken && arns.length < MAX_STOPPED_TASKS);
    let stopping = 0;
    for (let i = 0; i < arns.length; i += 100) {
      const tasks = arns.slice(i, i + 100);
      const out = await this.send(`DescribeTasks (cluster "${cluster}")`, service.name, signal, (abortSignal) =>
        this.client.send(new DescribeTasksCommand({ cluster, tasks }), { abortSignal }),
      );
      stopping += (out.tasks ?? []).filter((t) => STOPPING_STATUSES.has(t.lastStatus ?? '')).length;
    }
    return stopping;
  }

  /** Queues a read; every read of a cluster asked for in the same tick goes out together. */
  private describe(cluster: string, name: string, abortSignal: AbortSignal): Promise<{ service?: Service; reason?: string }> {
    return new Promise((resolve, reject) => {
      const batch = this.batches.get(cluster) ?? [];
      if (batch.length === 0) {
        this.batches.set(cluster, batch);
        setImmediate(() => this.flush(cluster, abortSignal));
      }
      batch.push({ name, resolve, reject });
    });
  }

  /** One DescribeServices per 10 services (the API's limit). */
  private flush(cluster: string, abortSignal: AbortSignal): void {
    const batch = this.batches.get(cluster) ?? [];
    this.batches.delete(cluster);
    for (let i = 0; i < batch.length; i += 10) {
      const chunk = batch.slice(i, i + 10);
      this.client
        .send(new DescribeServicesCommand({ cluster, services: chunk.map((w) => w.name) }), { abortSignal })
        .then((out) => {
          for (const waiter of chunk) {
            const service = out.services?.find((s) => s.serviceName === lastSegment(waiter.name) || s.serviceArn === waiter.name);
            const failure = out.failures?.find((f) => f.arn !== undefined && lastSegment(f.arn) === lastSegment(waiter.name));
            waiter.resolve({ ...(service ? { service } : {}), ...(failure?.reason ? { reason: failure.reason } : {}) });
          }
        })
        .catch((error: unknown) => chunk.forEach((waiter) => waiter.reject(error)));
    }
  }

  async scale(service: EngineService<EcsServiceOptions>, count: number, signal: AbortSignal): Promise<void> {
    const cluster = this.cluster(service);
    await this.send(`UpdateService (service "${service.options.ecsService}", cluster "${cluster}")`, service.name, signal, (abortSignal) =>
      this.client.send(new UpdateServiceCommand({ cluster, service: service.options.ecsService, desiredCount: count }), { abortSignal }),
    );
  }

  close(): void {
    this.client.destroy();
  }
}

export async function createEcsEngine(
  config: EcsConfig,
  services: readonly EngineService<EcsServiceOptions>[],
  context: EngineContext,
  clientOverrides: Partial<ECSClientConfig> = {},
): Promise<RemoteEngine<EcsServiceOptions>> {
  return createRemoteEngine(new EcsDriver(config, clientOverrides), services, context);
}

export const ecsEngine = defineEngine({
  kind: 'ecs',
  status: 'documented-api',
  description: 'Amazon ECS service desiredCount through the AWS SDK (tested against the documented API, not real AWS)',
  schema: ecsSchema,
  ignoredKeys: { stopGracePeriod: "the container's stopTimeout in the task definition holds (ECS's default: 30 s); set it there" },
  serviceShape: ecsServiceShape,
  create: (config, services: readonly EngineService<EcsServiceOptions>[], context) => createEcsEngine(config, services, context),
});
