// A fake Amazon ECS API for the ecs engine's tests, speaking the AWS JSON 1.1 protocol the AWS SDK uses
// (POST / with X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>), following the API reference:
//   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html
//   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html
//   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/CommonErrors.html
// Errors are HTTP 400 with {"__type": "<Exception>", "message": ...}. DescribeServices reports an unknown
// service under `failures` with reason MISSING (not as an error); UpdateService answers
// ServiceNotFoundException; an unknown cluster is ClusterNotFoundException. The signature is not checked,
// only the access key id in the SigV4 Authorization header (a wrong one: UnrecognizedClientException).
// runningCount counts RUNNING tasks and pendingCount PENDING ones; a task being stopped is in neither,
// and shows only in ListTasks(desiredStatus: STOPPED) + DescribeTasks (lastStatus DEACTIVATING, STOPPING,
// DEPROVISIONING, then STOPPED):
//   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTasks.html
//   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTasks.html
//   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html
import { randomUUID } from 'node:crypto';
import { FakeHttpServer, type FakeRequest, type FakeResponse } from './fake-http.js';

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
const ACCOUNT = '123456789012';

export interface FakeEcsOptions {
  readonly accessKeyId: string;
  readonly region?: string;
  readonly actMs?: number;
  readonly startLatencyMs?: number;
  readonly stopLatencyMs?: number;
}

interface Task {
  readonly id: string;
  readonly startedMs: number;
  stopMs: number | undefined;
}

interface Service {
  readonly name: string;
  readonly cluster: string;
  desiredCount: number;
  tasks: Task[];
  pending: { count: number; atMs: number }[];
  readonly createdMs: number;
}

export function ecsError(type: string, message: string): FakeResponse {
  return { status: 400, body: { __type: type, message }, headers: { 'content-type': 'application/x-amz-json-1.1' } };
}

export class FakeEcs {
  readonly http = new FakeHttpServer((request) => this.route(request));
  readonly updates: { cluster: string; service: string; desiredCount: unknown }[] = [];
  private readonly clusters = new Map<string, Map<string, Service>>();

  constructor(private readonly options: FakeEcsOptions) {}

  addService(cluster: string, name: string, desiredCount = 0): void {
    const services = this.clusters.get(cluster) ?? new Map<string, Service>();
    this.clusters.set(cluster, services);
    const service: Service = { name, cluster, desiredCount: 0, tasks: [], pending: [], createdMs: Date.now() };
    services.set(name, service);
    this.change(service, desiredCount, Date.now());
  }

  addCluster(cluster: string): void {
    if (!this.clusters.has(cluster)) this.clusters.set(cluster, new Map());
  }

  /** Tasks of a service that are not being stopped. */
  liveCount(cluster: string, name: string): number {
    const service = this.clusters.get(cluster)?.get(name);
    if (!service) return 0;
    this.act(service, Date.now());
    return service.tasks.filter((t) => t.stopMs === undefined).length;
  }

  private route(request: FakeRequest): FakeResponse {
    const target = String(request.headers['x-amz-target'] ?? '');
    if (request.method !== 'POST' || request.url.pathname !== '/' || !target.startsWith(TARGET_PREFIX)) {
      return ecsError('UnknownOperationException', `unknown operation ${request.method} ${request.url.pathname} ${target}`);
    }
    const credential = /Credential=([^/]+)\//.exec(String(request.headers.authorization ?? ''))?.[1];
    if (credential !== this.options.accessKeyId)
      return ecsError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body || '{}') as Record<string, unknown>;
    } catch {
      return ecsError('SerializationException', 'Start of structure or map found where not expected.');
    }
    const operation = target.slice(TARGET_PREFIX.length);
    if (operation === 'DescribeServices') return this.describe(body);
    if (operation === 'UpdateService') return this.update(body);
    if (operation === 'ListTasks') return this.listTasks(body);
    if (operation === 'DescribeTasks') return this.describeTasks(body);
    return ecsError('UnknownOperationException', `operation ${operation} is not in this fake`);
  }

  private cluster(body: Record<string, unknown>): { name: string; services: Map<string, Service> | undefined } {
    const name = lastSegment(typeof body.cluster === 'string' ? body.cluster : 'default');
    return { name, services: this.clusters.get(name) };
  }

  private describe(body: Record<string, unknown>): FakeResponse {
    const { name: clusterName, services } = this.cluster(body);
    if (!services) return ecsError('ClusterNotFoundException', 'Cluster not found.');
    const wanted = Array.isArray(body.services) ? body.services.map(String) : [];
    if (wanted.length === 0 || wanted.length > 10)
      return ecsError('InvalidParameterException', 'services must contain between 1 and 10 items.');
    const now = Date.now();
    const found: unknown[] = [];
    const failures: unknown[] = [];
    for (const ref of wanted) {
      const service = services.get(lastSegment(ref));
      if (service) {
        this.act(service, now);
        found.push(this.serviceJson(service, now));
      } else failures.push({ arn: this.serviceArn(clusterName, lastSegment(ref)), reason: 'MISSING' });
    }
    return { status: 200, body: { services: found, failures }, headers: { 'content-type': 'application/x-amz-json-1.1' } };
  }

  private update(body: Record<string, unknown>): FakeResponse {
    const { name: clusterName, services } = this.cluster(body);
    this.updates.push({ cluster: clusterName, service: String(body.service), desiredCount: body.desiredCount });
    if (!services) return ecsError('ClusterNotFoundException', 'Cluster not found.');
    const service = services.get(lastSegment(String(body.service)));
    if (!service) return ecsError('ServiceNotFoundException', 'Service not found.');
    const count = body.desiredCount;
    if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 0)) {
      return ecsError('InvalidParameterException', 'Invalid desiredCount; it must be a non-negative integer.');
    }
    const now = Date.now();
    if (typeof count === 'number') this.change(service, count, now);
    this.act(service, now);
    return { status: 200, body: { service: this.serviceJson(service, now) }, headers: { 'content-type': 'application/x-amz-json-1.1' } };
  }

  private change(service: Service, count: number, now: number): void {
    service.desiredCount = count;
    service.pending.push({ count, atMs: now + (this.options.actMs ?? 10) });
  }

  /** The service scheduler: starts tasks or stops the newest; stopped tasks leave after the stop latency. */
  private act(service: Service, now: number): void {
    for (const step of service.pending.filter((p) => p.atMs <= now)) {
      const live = service.tasks.filter((t) => t.stopMs === undefined);
      for (let n = live.length; n < step.count; n++)
        service.tasks.push({ id: randomUUID().replaceAll('-', ''), startedMs: step.atMs, stopMs: undefined });
      for (const task of live.slice(step.count)) task.stopMs = step.atMs;
    }
    service.pending = service.pending.filter((p) => p.atMs > now);
  }

  private taskArn(cluster: string, id: string): string {
    return `arn:aws:ecs:${this.options.region ?? 'us-east-1'}:${ACCOUNT}:task/${cluster}/${id}`;
  }

  /** Stopped tasks stay listed (ECS keeps them visible for about an hour); the fake keeps them all. */
  private listTasks(body: Record<string, unknown>): FakeResponse {
    const { name: clusterName, services } = this.cluster(body);
    if (!services) return ecsError('ClusterNotFoundException', 'Cluster not found.');
    const desired = body.desiredStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING';
    const chosen = typeof body.serviceName === 'string' ? [services.get(lastSegment(body.serviceName))] : [...services.values()];
    if (chosen.includes(undefined)) return ecsError('ServiceNotFoundException', 'Service not found.');
    const now = Date.now();
    const arns = chosen.flatMap((service) => {
      this.act(service!, now);
      return service!.tasks.filter((t) => (t.stopMs !== undefined) === (desired === 'STOPPED')).map((t) => this.taskArn(clusterName, t.id));
    });
    return { status: 200, body: { taskArns: arns }, headers: { 'content-type': 'application/x-amz-json-1.1' } };
  }

  private describeTasks(body: Record<string, unknown>): FakeResponse {
    const { name: clusterName, services } = this.cluster(body);
    if (!services) return ecsError('ClusterNotFoundException', 'Cluster not found.');
    const wanted = Array.isArray(body.tasks) ? body.tasks.map((t) => lastSegment(String(t))) : [];
    if (wanted.length === 0 || wanted.length > 100) return ecsError('InvalidParameterException', 'Tasks cannot be empty.');
    const now = Date.now();
    const tasks: unknown[] = [];
    const failures: unknown[] = [];
    for (const id of wanted) {
      const owner = [...services.values()].find((s) => s.tasks.some((t) => t.id === id));
      const task = owner?.tasks.find((t) => t.id === id);
      if (!owner || !task) {
        failures.push({ arn: this.taskArn(clusterName, id), reason: 'MISSING' });
        continue;
      }
      tasks.push({
        taskArn: this.taskArn(clusterName, id),
        group: `service:${owner.name}`,
        desiredStatus: task.stopMs === undefined ? 'RUNNING' : 'STOPPED',
        lastStatus: this.lastStatus(task, now),
      });
    }
    return { status: 200, body: { tasks, failures }, headers: { 'content-type': 'application/x-amz-json-1.1' } };
  }

  private lastStatus(task: Task, now: number): string {
    if (task.stopMs !== undefined) return now >= task.stopMs + (this.options.stopLatencyMs ?? 50) ? 'STOPPED' : 'STOPPING';
    return now >= task.startedMs + (this.options.startLatencyMs ?? 50) ? 'RUNNING' : 'PENDING';
  }

  private serviceArn(cluster: string, name: string): string {
    return `arn:aws:ecs:${this.options.region ?? 'us-east-1'}:${ACCOUNT}:service/${cluster}/${name}`;
  }

  private serviceJson(service: Service, now: number): unknown {
    const live = service.tasks.filter((t) => t.stopMs === undefined);
    const running = live.filter((t) => now >= t.startedMs + (this.options.startLatencyMs ?? 50)).length;
    const pending = live.length - running;
    const seconds = (ms: number) => ms / 1000;
    return {
      serviceArn: this.serviceArn(service.cluster, service.name),
      serviceName: service.name,
      clusterArn: `arn:aws:ecs:${this.options.region ?? 'us-east-1'}:${ACCOUNT}:cluster/${service.cluster}`,
      status: 'ACTIVE',
      desiredCount: service.desiredCount,
      runningCount: running,
      pendingCount: pending,
      launchType: 'FARGATE',
      deployments: [
        {
          id: 'ecs-svc/1234567890123456789',
          status: 'PRIMARY',
          desiredCount: service.desiredCount,
          pendingCount: pending,
          runningCount: running,
          rolloutState: running === service.desiredCount ? 'COMPLETED' : 'IN_PROGRESS',
          createdAt: seconds(service.createdMs),
          updatedAt: seconds(now),
        },
      ],
      events: [],
      createdAt: seconds(service.createdMs),
      schedulingStrategy: 'REPLICA',
    };
  }
}

function lastSegment(ref: string): string {
  return ref.split('/').at(-1) ?? ref;
}
