// A fake Nomad HTTP API for the nomad engine's tests, following the documented API:
//   https://developer.hashicorp.com/nomad/api-docs/jobs  (Read Job, List Job Allocations, Scale Task Group)
//   https://developer.hashicorp.com/nomad/api-docs       (ACL token header, ?namespace=, response codes)
//   https://developer.hashicorp.com/nomad/docs/job-specification/scaling (the group `scaling` block)
// Errors are plain text as Nomad sends them ("Permission denied", `job "x" not found`, "job scaling
// blocked due to active deployment" with 400, scaling min/max with 400). A scale is applied by a
// scheduler a few ms later, as Nomad's evaluation is; allocations go pending → running, and stopped ones
// keep ClientStatus running (DesiredStatus stop) until they are complete. Blocking queries on a job's
// allocations (?index=&wait=) hold the request until the allocations change or `wait` passes
// (https://developer.hashicorp.com/nomad/api-docs#blocking-queries).
import { randomUUID } from 'node:crypto';
import { FakeHttpServer, type FakeRequest, type FakeResponse } from './fake-http.js';

export interface FakeScaling {
  readonly Enabled: boolean;
  readonly Min: number;
  readonly Max: number;
}

export interface FakeJobSpec {
  readonly id: string;
  readonly namespace?: string;
  readonly groups: readonly { readonly name: string; readonly count: number; readonly scaling?: FakeScaling }[];
  /** Like a job with an `update` block: every scale starts a deployment that blocks the next for this long. */
  readonly deploymentMs?: number;
}

export interface FakeNomadOptions {
  /** With a token, ACLs are on: requests without it are refused with 403. */
  readonly token?: string;
  readonly evalDelayMs?: number;
  readonly startLatencyMs?: number;
  readonly stopLatencyMs?: number;
}

interface Group {
  readonly name: string;
  count: number;
  readonly scaling: FakeScaling | undefined;
}

interface Job {
  readonly id: string;
  readonly namespace: string;
  readonly groups: Group[];
  readonly deploymentMs: number;
  deploymentUntilMs: number;
  modifyIndex: number;
}

interface Alloc {
  readonly id: string;
  readonly job: Job;
  readonly group: string;
  readonly index: number;
  readonly createdMs: number;
  stopMs: number | undefined;
}

export class FakeNomad {
  readonly http = new FakeHttpServer((request) => this.route(request));
  readonly scaleRequests: { job: string; namespace: string; body: unknown }[] = [];
  private readonly jobs = new Map<string, Job>();
  private readonly allocs: Alloc[] = [];
  private readonly evals: { job: Job; atMs: number }[] = [];
  /** Per job: a signature of its allocations and the index at which it last changed. */
  private readonly allocIndexes = new Map<Job, { signature: string; index: number }>();
  private index = 10;

  constructor(private readonly options: FakeNomadOptions = {}) {}

  addJob(spec: FakeJobSpec): void {
    const job: Job = {
      id: spec.id,
      namespace: spec.namespace ?? 'default',
      groups: spec.groups.map((g) => ({ name: g.name, count: g.count, scaling: g.scaling })),
      deploymentMs: spec.deploymentMs ?? 0,
      deploymentUntilMs: 0,
      modifyIndex: ++this.index,
    };
    this.jobs.set(`${job.namespace}/${job.id}`, job);
    this.evals.push({ job, atMs: Date.now() });
  }

  /** Resolves once every evaluation submitted so far has been processed by the scheduler. */
  async settled(): Promise<void> {
    const lastMs = Math.max(0, ...this.evals.map((e) => e.atMs));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastMs - Date.now()) + 1));
    this.schedule(Date.now());
  }

  /** Allocations of a group that are live (desired to run and not finished). */
  liveCount(jobId: string, group: string, namespace = 'default'): number {
    this.schedule(Date.now());
    return this.allocs.filter((a) => a.job.id === jobId && a.job.namespace === namespace && a.group === group && a.stopMs === undefined)
      .length;
  }

  private route(request: FakeRequest): FakeResponse | Promise<FakeResponse> {
    const now = Date.now();
    this.schedule(now);
    const denied = this.checkToken(request);
    if (denied) return denied;
    const match = /^\/v1\/job\/([^/]+)(\/allocations|\/scale)?$/.exec(request.url.pathname);
    if (!match) return { status: 404, body: 'Invalid URL' };
    const jobId = decodeURIComponent(match[1]!);
    const namespace = request.url.searchParams.get('namespace') ?? 'default';
    const job = this.jobs.get(`${namespace}/${jobId}`);
    const action = match[2];
    if (request.method === 'GET' && action === undefined)
      return job ? { status: 200, body: this.jobJson(job), headers: this.indexHeader() } : { status: 404, body: 'job not found' };
    if (request.method === 'GET' && action === '/allocations')
      return job ? this.allocations(job, request) : { status: 200, body: [], headers: this.indexHeader() };
    if (request.method === 'POST' && action === '/scale') return this.scale(job, jobId, namespace, request.body, now);
    return { status: 405, body: `method ${request.method} not allowed` };
  }

  private checkToken(request: FakeRequest): FakeResponse | undefined {
    if (!this.options.token) return undefined;
    const bearer = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    const token = request.headers['x-nomad-token'] ?? bearer;
    if (token === undefined) return { status: 403, body: 'Permission denied' };
    return token === this.options.token ? undefined : { status: 403, body: 'ACL token not found' };
  }

  private scale(job: Job | undefined, jobId: string, namespace: string, raw: string, now: number): FakeResponse {
    let body: { Count?: unknown; Target?: { Group?: unknown }; Message?: unknown; Error?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return { status: 400, body: 'Request decode failed' };
    }
    this.scaleRequests.push({ job: jobId, namespace, body });
    if (typeof body.Target?.Group !== 'string') return { status: 400, body: 'missing task group name to scale' };
    if (typeof body.Count === 'number' && body.Count < 0) return { status: 400, body: "scaling action count can't be negative" };
    if (!job) return { status: 404, body: `job "${jobId}" not found` };
    const group = job.groups.find((g) => g.name === body.Target?.Group);
    if (!group) return { status: 400, body: `task group "${String(body.Target.Group)}" specified for scaling does not exist in job` };
    if (typeof body.Count === 'number') {
      if (group.scaling && body.Count < group.scaling.Min)
        return { status: 400, body: `group count was less than scaling policy minimum: ${body.Count} < ${group.scaling.Min}` };
      if (group.scaling && group.scaling.Max < body.Count)
        return { status: 400, body: `group count was greater than scaling policy maximum: ${body.Count} > ${group.scaling.Max}` };
      if (job.deploymentUntilMs > now) return { status: 400, body: 'job scaling blocked due to active deployment' };
      group.count = body.Count;
      job.modifyIndex = ++this.index;
      if (job.deploymentMs > 0) job.deploymentUntilMs = now + job.deploymentMs;
      this.evals.push({ job, atMs: now + (this.options.evalDelayMs ?? 20) });
    }
    return {
      status: 200,
      body: {
        EvalCreateIndex: this.index,
        EvalID: randomUUID(),
        Index: this.index,
        JobModifyIndex: job.modifyIndex,
        KnownLeader: false,
        LastContact: 0,
        Warnings: '',
      },
    };
  }

  /** The index at which a job's allocations last changed (their statuses move with time, so it is computed). */
  private allocIndex(job: Job, now: number): number {
    this.schedule(now);
    const signature = JSON.stringify(this.allocsJson(job, now).map((a) => [a.ID, a.DesiredStatus, a.ClientStatus]));
    const known = this.allocIndexes.get(job);
    if (known?.signature === signature) return known.index;
    const index = ++this.index;
    this.allocIndexes.set(job, { signature, index });
    return index;
  }

  /** A blocking query waits while the index asked for is still the current one. */
  private async allocations(job: Job, request: FakeRequest): Promise<FakeResponse> {
    const asked = Number(request.url.searchParams.get('index') ?? 0);
    const waitMs = parseWaitMs(request.url.searchParams.get('wait'));
    const deadline = Date.now() + waitMs;
    while (asked > 0 && this.allocIndex(job, Date.now()) <= asked && Date.now() < deadline && !this.http.stopped) {
      await new Promise((resolve) => setTimeout(resolve, 10).unref());
    }
    const now = Date.now();
    return { status: 200, body: this.allocsJson(job, now), headers: { 'X-Nomad-Index': String(this.allocIndex(job, now)) } };
  }

  /** The scheduler: places or stops allocations for every evaluation that is due. */
  private schedule(now: number): void {
    for (let i = 0; i < this.evals.length; ) {
      const evaluation = this.evals[i]!;
      if (evaluation.atMs > now) {
        i++;
        continue;
      }
      this.evals.splice(i, 1);
      for (const group of evaluation.job.groups) {
        const live = this.allocs.filter((a) => a.job === evaluation.job && a.group === group.name && a.stopMs === undefined);
        for (let n = live.length; n < group.count; n++) {
          this.allocs.push({
            id: randomUUID(),
            job: evaluation.job,
            group: group.name,
            index: ++this.index,
            createdMs: evaluation.atMs,
            stopMs: undefined,
          });
        }
        for (const alloc of live.slice(group.count).reverse()) alloc.stopMs = evaluation.atMs;
      }
    }
  }

  private clientStatus(alloc: Alloc, now: number): string {
    if (alloc.stopMs !== undefined && now >= alloc.stopMs + (this.options.stopLatencyMs ?? 50)) return 'complete';
    return now >= alloc.createdMs + (this.options.startLatencyMs ?? 50) ? 'running' : 'pending';
  }

  private allocsJson(job: Job, now: number): { ID: string; DesiredStatus: string; ClientStatus: string }[] {
    return this.allocs
      .filter((a) => a.job === job)
      .map((a) => ({
        ID: a.id,
        EvalID: randomUUID(),
        Name: `${job.id}.${a.group}[${a.index}]`,
        Namespace: job.namespace,
        NodeID: 'fake-node-1',
        JobID: job.id,
        TaskGroup: a.group,
        DesiredStatus: a.stopMs === undefined ? 'run' : 'stop',
        DesiredDescription: a.stopMs === undefined ? '' : 'alloc not needed due to job update',
        ClientStatus: this.clientStatus(a, now),
        ClientDescription: '',
        CreateIndex: a.index,
        ModifyIndex: a.index,
      }));
  }

  private jobJson(job: Job): unknown {
    return {
      Region: 'global',
      Namespace: job.namespace,
      ID: job.id,
      Name: job.id,
      Type: 'service',
      Status: 'running',
      Stop: false,
      TaskGroups: job.groups.map((g) => ({
        Name: g.name,
        Count: g.count,
        Scaling: g.scaling
          ? {
              ID: randomUUID(),
              Type: 'horizontal',
              Target: { Namespace: job.namespace, Job: job.id, Group: g.name },
              Policy: {},
              ...g.scaling,
            }
          : null,
        Tasks: [{ Name: g.name, Driver: 'docker', Config: { image: 'example:1' } }],
      })),
      JobModifyIndex: job.modifyIndex,
      ModifyIndex: job.modifyIndex,
      Version: 0,
    };
  }

  private indexHeader(): Record<string, string> {
    return { 'X-Nomad-Index': String(this.index) };
  }
}

/** Nomad's `wait` ("10s", "5m", default 5 minutes, at most 10). */
function parseWaitMs(wait: string | null): number {
  const match = /^(\d+)(ms|s|m)$/.exec(wait ?? '');
  if (!match) return 300_000;
  const unit = match[2] === 'ms' ? 1 : match[2] === 's' ? 1000 : 60_000;
  return Math.min(600_000, Number(match[1]) * unit);
}
