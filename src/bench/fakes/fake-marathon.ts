// A fake Marathon REST API for the marathon engine's tests, following the documented API (RAML):
//   https://mesosphere.github.io/marathon/api-console/index.html
//   (source: github.com/mesosphere/marathon docs/docs/rest-api/public/api/v2/apps.raml and api/traits.raml)
// GET /v2/apps/{appId} with embed=app.tasks|app.counts|app.deployments; PUT /v2/apps/{appId} with a
// partial body {"instances": n} and ?force=true; every change is a deployment, and while one runs a new
// change gets 409 "App is locked by one or more deployments..." with the deployment ids. Errors are JSON
// {"message": ...}: 401 "Invalid username or password.", 403, 404 "App '/x' does not exist", 422.
// Auth: HTTP basic, or DC/OS's "Authorization: token=<token>".
import { randomUUID } from 'node:crypto';
import { FakeHttpServer, type FakeRequest, type FakeResponse } from './fake-http.js';

export interface FakeMarathonOptions {
  readonly basic?: { readonly username: string; readonly password: string };
  readonly token?: string;
  /** Delay before a deployment acts on a change (launching or killing tasks). */
  readonly actMs?: number;
  readonly startLatencyMs?: number;
  /** For apps with health checks: how long a running task takes to pass them. */
  readonly healthyLatencyMs?: number;
  readonly stopLatencyMs?: number;
}

interface Task {
  readonly id: string;
  readonly launchedMs: number;
  killedMs: number | undefined;
}

interface App {
  readonly id: string;
  instances: number;
  readonly healthChecks: boolean;
  readonly deploymentMs: number;
  tasks: Task[];
  deployment: { id: string; untilMs: number } | undefined;
  pending: { instances: number; atMs: number }[];
}

export class FakeMarathon {
  readonly http = new FakeHttpServer((request) => this.route(request));
  readonly puts: { app: string; force: boolean; body: unknown }[] = [];
  private readonly apps = new Map<string, App>();

  constructor(private readonly options: FakeMarathonOptions = {}) {}

  /** `deploymentMs`: how long each change keeps the app locked (a rolling deployment). */
  addApp(id: string, spec: { instances?: number; healthChecks?: boolean; deploymentMs?: number } = {}): void {
    const app: App = {
      id,
      instances: 0,
      healthChecks: spec.healthChecks ?? false,
      deploymentMs: spec.deploymentMs ?? 0,
      tasks: [],
      deployment: undefined,
      pending: [],
    };
    this.apps.set(id, app);
    if (spec.instances) this.change(app, spec.instances, Date.now());
  }

  /** Tasks of an app that are not being killed. */
  liveCount(id: string): number {
    const app = this.apps.get(id);
    if (!app) return 0;
    this.act(app, Date.now());
    return app.tasks.filter((t) => t.killedMs === undefined).length;
  }

  private route(request: FakeRequest): FakeResponse {
    const denied = this.checkAuth(request);
    if (denied) return denied;
    const match = /^\/v2\/apps(\/.+)$/.exec(request.url.pathname);
    if (!match) return { status: 404, body: { message: 'Not found' } };
    const id = match[1]!.split('/').map(decodeURIComponent).join('/');
    const app = this.apps.get(id);
    const now = Date.now();
    if (app) this.act(app, now);
    if (request.method === 'GET')
      return app ? { status: 200, body: { app: this.appJson(app, request.url.searchParams.getAll('embed'), now) } } : this.notFound(id);
    if (request.method === 'PUT') return this.put(app, id, request, now);
    return { status: 405, body: { message: 'Method not allowed' } };
  }

  private notFound(id: string): FakeResponse {
    return { status: 404, body: { message: `App '${id}' does not exist` } };
  }

  private checkAuth(request: FakeRequest): FakeResponse | undefined {
    const { basic, token } = this.options;
    if (!basic && !token) return undefined;
    const header = String(request.headers.authorization ?? '');
    const expected = [
      basic ? `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}` : undefined,
      token ? `token=${token}` : undefined,
    ];
    return expected.includes(header)
      ? undefined
      : {
          status: 401,
          body: { message: 'Invalid username or password.' },
          headers: { 'WWW-Authenticate': 'Basic realm="Mesosphere Marathon"' },
        };
  }

  private put(app: App | undefined, id: string, request: FakeRequest, now: number): FakeResponse {
    let body: { instances?: unknown };
    try {
      body = JSON.parse(request.body) as typeof body;
    } catch {
      return { status: 400, body: { message: 'Invalid JSON', details: [{ path: '/', errors: ['error.expected.jsobject'] }] } };
    }
    const force = request.url.searchParams.get('force') === 'true';
    this.puts.push({ app: id, force, body });
    if (!app) {
      // PUT creates a missing app; {"instances": n} alone is not a valid app definition.
      return {
        status: 422,
        body: {
          message: 'Object is not valid',
          details: [{ path: '/', errors: ["AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."] }],
        },
      };
    }
    if (typeof body.instances !== 'number' || !Number.isInteger(body.instances) || body.instances < 0) {
      return { status: 422, body: { message: 'Object is not valid', details: [{ path: '/instances', errors: ['error.min'] }] } };
    }
    if (app.deployment && app.deployment.untilMs > now && !force) {
      return {
        status: 409,
        body: {
          message:
            `App is locked by one or more deployments. Override with the option '?force=true'. ` +
            `View details at '/v2/deployments/<DEPLOYMENT_ID>'.`,
          deployments: [{ id: app.deployment.id }],
        },
      };
    }
    const deploymentId = this.change(app, body.instances, now);
    return {
      status: 200,
      body: { deploymentId, version: new Date(now).toISOString() },
      headers: { 'Marathon-Deployment-Id': deploymentId },
    };
  }

  private change(app: App, instances: number, now: number): string {
    app.instances = instances;
    const id = randomUUID();
    app.deployment = { id, untilMs: now + app.deploymentMs };
    app.pending.push({ instances, atMs: now + (this.options.actMs ?? 10) });
    return id;
  }

  /** The deployment acts: launches tasks, or kills the newest ones; killed tasks go after the stop latency. */
  private act(app: App, now: number): void {
    for (const step of app.pending.filter((p) => p.atMs <= now)) {
      const live = app.tasks.filter((t) => t.killedMs === undefined);
      for (let n = live.length; n < step.instances; n++)
        app.tasks.push({ id: `${app.id.slice(1).replaceAll('/', '_')}.${randomUUID()}`, launchedMs: step.atMs, killedMs: undefined });
      for (const task of live.slice(step.instances)) task.killedMs = step.atMs;
    }
    app.pending = app.pending.filter((p) => p.atMs > now);
    app.tasks = app.tasks.filter((t) => t.killedMs === undefined || now < t.killedMs + (this.options.stopLatencyMs ?? 50));
  }

  private state(task: Task, now: number): 'TASK_STAGING' | 'TASK_RUNNING' | 'TASK_KILLING' {
    if (task.killedMs !== undefined) return 'TASK_KILLING';
    return now >= task.launchedMs + (this.options.startLatencyMs ?? 50) ? 'TASK_RUNNING' : 'TASK_STAGING';
  }

  private healthy(app: App, task: Task, now: number): boolean {
    return (
      app.healthChecks &&
      this.state(task, now) === 'TASK_RUNNING' &&
      now >= task.launchedMs + (this.options.startLatencyMs ?? 50) + (this.options.healthyLatencyMs ?? 50)
    );
  }

  private appJson(app: App, embed: string[], now: number): unknown {
    const states = app.tasks.map((t) => this.state(t, now));
    const healthy = app.tasks.filter((t) => this.healthy(app, t, now)).length;
    const deploying = app.deployment && app.deployment.untilMs > now;
    return {
      id: app.id,
      cmd: 'sleep 3600',
      instances: app.instances,
      cpus: 0.1,
      mem: 32,
      healthChecks: app.healthChecks
        ? [
            {
              protocol: 'HTTP',
              path: '/health',
              portIndex: 0,
              gracePeriodSeconds: 300,
              intervalSeconds: 10,
              timeoutSeconds: 20,
              maxConsecutiveFailures: 3,
            },
          ]
        : [],
      version: new Date(now).toISOString(),
      // Counts are embedded by default (documented: "currently embedded by default").
      tasksStaged: states.filter((s) => s === 'TASK_STAGING').length,
      tasksRunning: states.filter((s) => s === 'TASK_RUNNING').length,
      tasksHealthy: healthy,
      tasksUnhealthy: 0,
      deployments: deploying ? [{ id: app.deployment!.id }] : [],
      ...(embed.includes('app.tasks')
        ? {
            tasks: app.tasks.map((t) => ({
              id: t.id,
              appId: app.id,
              host: 'agent-1.example',
              state: this.state(t, now),
              stagedAt: new Date(t.launchedMs).toISOString(),
              ...(app.healthChecks
                ? { healthCheckResults: this.healthy(app, t, now) ? [{ alive: true, consecutiveFailures: 0, taskId: t.id }] : [] }
                : {}),
            })),
          }
        : {}),
    };
  }
}
