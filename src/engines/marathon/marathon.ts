// `marathon`: scales a Marathon app's instances through the documented REST API
// (https://mesosphere.github.io/marathon/api-console/index.html): PUT /v2/apps/{appId} {"instances": n},
// state from GET /v2/apps/{appId} (task counts, health, tasks being killed). A change while a deployment
// holds the app (409) is retried with backoff, or overridden with ?force=true when `force: true`. Tested
// against a fake that follows those documents (src/bench/fakes/fake-marathon.ts), not a real cluster.
import { z } from 'zod';
import { duration, nonEmptyString } from '../../config/fields.js';
import { httpUrl } from '../remote/fields.js';
import { EngineError } from '../../errors.js';
import { defineEngine, type EngineContext, type EngineService } from '../types.js';
import { requestJson } from '../remote/http.js';
import type { ReportedCounts } from '../remote/reconcile.js';
import { createRemoteEngine, type RemoteDriver, type RemoteEngine } from '../remote/remote-engine.js';

export const marathonSchema = z
  .object({
    kind: z.literal('marathon'),
    url: httpUrl('http://marathon.mesos:8080').default('http://127.0.0.1:8080'),
    /** HTTP basic auth (Marathon's --http_credentials); use ${MARATHON_PASSWORD}. */
    username: nonEmptyString('a user name').optional(),
    password: nonEmptyString('a password (use ${MARATHON_PASSWORD})').optional(),
    /** A DC/OS authentication token, sent as "Authorization: token=..."; use ${DCOS_TOKEN}. */
    token: nonEmptyString('a DC/OS token (use ${DCOS_TOKEN})').optional(),
    /** On 409 (a deployment holds the app), cancel it with ?force=true instead of waiting for it. */
    force: z.boolean({ invalid_type_error: 'expected true or false' }).default(false),
    timeout: duration().default('5s'),
  })
  .strict()
  .refine((c) => (c.username === undefined) === (c.password === undefined), {
    message: 'username and password go together; give both or neither',
    path: ['password'],
  })
  .refine((c) => !(c.token && c.username), {
    message: 'give either token (DC/OS) or username and password (basic auth), not both',
    path: ['token'],
  });

export type MarathonConfig = z.infer<typeof marathonSchema>;

const APP_ID = /^\/?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?)*$/;

const marathonServiceShape = {
  app: nonEmptyString('a Marathon app id like /prod/orders').regex(
    APP_ID,
    'expected a Marathon app id like /prod/orders (lowercase letters, digits, "-" and ".", groups separated by "/")',
  ),
};

// A type, not an interface, so RemoteEngine.reconfigure takes it typed (see ServiceKeys in remote-engine.ts).
export type MarathonServiceOptions = {
  readonly app: string;
};

interface AppJson {
  readonly instances?: number;
  readonly tasksStaged?: number;
  readonly tasksRunning?: number;
  readonly tasksHealthy?: number;
  readonly healthChecks?: readonly unknown[];
  readonly tasks?: readonly { readonly state?: string }[];
}

export class MarathonDriver implements RemoteDriver<MarathonServiceOptions> {
  readonly engine = 'marathon';

  constructor(
    private readonly config: MarathonConfig,
    private readonly context: EngineContext,
  ) {}

  private url(app: string, force = false): URL {
    const path = app.replace(/^\/?/, '/').split('/').map(encodeURIComponent).join('/');
    const url = new URL(`/v2/apps${path}`, this.config.url);
    if (force) url.searchParams.set('force', 'true');
    return url;
  }

  private headers(): Record<string, string> {
    if (this.config.token) return { authorization: `token=${this.config.token}` };
    if (this.config.username && this.config.password) {
      return { authorization: `Basic ${Buffer.from(`${this.config.username}:${this.config.password}`).toString('base64')}` };
    }
    return {};
  }

  async read(service: EngineService<MarathonServiceOptions>, signal: AbortSignal): Promise<ReportedCounts> {
    const url = this.url(service.options.app);
    for (const embed of ['app.tasks', 'app.counts', 'app.deployments']) url.searchParams.append('embed', embed);
    const { body } = await requestJson({
      engine: this.engine,
      service: service.name,
      method: 'GET',
      url,
      headers: this.headers(),
      timeoutMs: this.config.timeout,
      signal,
    });
    const app = (body as { app?: AppJson } | undefined)?.app;
    if (!app || typeof app.instances !== 'number')
      throw new EngineError('refused', this.engine, `GET ${url.pathname} answered without an app and its instances`, service.name);
    const running = app.tasksRunning ?? 0;
    // With health checks, a task counts as running once it passes them; until then it is still starting.
    const ready = (app.healthChecks?.length ?? 0) > 0 ? Math.min(running, app.tasksHealthy ?? 0) : running;
    return {
      declared: app.instances,
      running: ready,
      starting: (app.tasksStaged ?? 0) + (running - ready),
      stopping: (app.tasks ?? []).filter((t) => t.state === 'TASK_KILLING').length,
    };
  }

  async scale(service: EngineService<MarathonServiceOptions>, count: number, signal: AbortSignal): Promise<void> {
    const put = (force: boolean) =>
      requestJson({
        engine: this.engine,
        service: service.name,
        method: 'PUT',
        url: this.url(service.options.app, force),
        headers: this.headers(),
        body: { instances: count },
        timeoutMs: this.config.timeout,
        signal,
      });
    try {
      await put(false);
    } catch (error) {
      if (!(error instanceof EngineError) || error.failure !== 'conflict' || !this.config.force) throw error;
      this.context.log.warn(
        { event: 'marathon-forced', service: service.name },
        `marathon: app "${service.options.app}" is locked by a deployment; overriding it with ?force=true (force: true)`,
      );
      await put(true);
    }
  }
}

export async function createMarathonEngine(
  config: MarathonConfig,
  services: readonly EngineService<MarathonServiceOptions>[],
  context: EngineContext,
): Promise<RemoteEngine<MarathonServiceOptions>> {
  return createRemoteEngine(new MarathonDriver(config, context), services, context);
}

export const marathonEngine = defineEngine({
  kind: 'marathon',
  status: 'documented-api',
  description: 'Marathon app instances through the REST API (tested against the documented API, not a real cluster)',
  schema: marathonSchema,
  ignoredKeys: { stopGracePeriod: "the app's taskKillGracePeriodSeconds holds (Marathon's default: 3 s); set it in the app definition" },
  serviceShape: marathonServiceShape,
  create: (config, services: readonly EngineService<MarathonServiceOptions>[], context) => createMarathonEngine(config, services, context),
});
