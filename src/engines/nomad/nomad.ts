// `nomad`: scales a Nomad job's task group through the documented HTTP API
// (https://developer.hashicorp.com/nomad/api-docs/jobs): the count is set with POST /v1/job/:id/scale,
// the state is read from the job (count, scaling block) and its allocations. Tested against a fake that
// follows those documents (src/bench/fakes/fake-nomad.ts), not against a real cluster: the kind says so at start-up.
import { z } from 'zod';
import { duration, nonEmptyString } from '../../config/fields.js';
import { httpUrl } from '../remote/fields.js';
import { EngineError, type EngineFailure } from '../../errors.js';
import { defineEngine, type EngineContext, type EngineService } from '../types.js';
import { API_RETRY_BACKOFF, exponentialMs } from '../../util/backoff.js';
import { requestJson } from '../remote/http.js';
import type { ReportedCounts } from '../remote/reconcile.js';
import { createRemoteEngine, type RemoteDriver, type RemoteEngine } from '../remote/remote-engine.js';

export const nomadSchema = z
  .object({
    kind: z.literal('nomad'),
    address: httpUrl('http://127.0.0.1:4646').default('http://127.0.0.1:4646'),
    /** An ACL token's SecretID with read-job and scale-job on the namespace; use ${NOMAD_TOKEN}. */
    token: nonEmptyString('an ACL token (use ${NOMAD_TOKEN})').optional(),
    namespace: nonEmptyString('a namespace').default('default'),
    region: nonEmptyString('a region').optional(),
    timeout: duration().default('5s'),
    /** Long-poll each job's allocations (blocking queries) so the agent ticks as soon as one changes. */
    watch: z.boolean({ invalid_type_error: 'expected true or false' }).default(true),
  })
  .strict();

/** How long one blocking query may wait on the server (Nomad adds up to wait/16). */
const WATCH_WAIT_S = 30;

export type NomadConfig = z.infer<typeof nomadSchema>;

const nomadServiceShape = {
  job: nonEmptyString('a Nomad job ID'),
  group: nonEmptyString('a task group name').optional(),
};

// A type, not an interface, so RemoteEngine.reconfigure takes it typed (see ServiceKeys in remote-engine.ts).
export type NomadServiceOptions = {
  readonly job: string;
  readonly group?: string;
};

interface GroupJson {
  readonly Name?: string;
  readonly Count?: number;
  readonly Scaling?: { readonly Enabled?: boolean; readonly Min?: number; readonly Max?: number } | null;
}

interface AllocJson {
  readonly TaskGroup?: string;
  readonly DesiredStatus?: string;
  readonly ClientStatus?: string;
}

/** Nomad answers 400 in plain text while a deployment of the job is active: that is a conflict, retried. */
function classify(status: number, message: string): EngineFailure | undefined {
  return status === 400 && message.includes('active deployment') ? 'conflict' : undefined;
}

export class NomadDriver implements RemoteDriver<NomadServiceOptions> {
  readonly engine = 'nomad';
  /**
   * The group read last, with its scaling min/max, which Nomad enforces on every scale even with the
   * policy disabled. Keyed by job and group, not service name: a reload may point a name at another job.
   */
  private readonly groups = new Map<string, { name: string; min: number; max: number }>();

  private groupKey(service: EngineService<NomadServiceOptions>): string {
    return JSON.stringify([service.options.job, service.options.group ?? null]);
  }

  constructor(
    private readonly config: NomadConfig,
    private readonly context: EngineContext,
  ) {}

  private url(job: string, suffix = ''): URL {
    const url = new URL(`/v1/job/${encodeURIComponent(job)}${suffix}`, this.config.address);
    url.searchParams.set('namespace', this.config.namespace);
    if (this.config.region) url.searchParams.set('region', this.config.region);
    return url;
  }

  private headers(): Record<string, string> {
    return this.config.token ? { 'X-Nomad-Token': this.config.token } : {};
  }

  private request(
    service: EngineService<NomadServiceOptions>,
    method: 'GET' | 'POST',
    suffix: string,
    signal: AbortSignal,
    body?: unknown,
  ) {
    return requestJson({
      engine: this.engine,
      service: service.name,
      method,
      url: this.url(service.options.job, suffix),
      headers: this.headers(),
      body,
      timeoutMs: this.config.timeout,
      signal,
      classify,
    });
  }

  async read(service: EngineService<NomadServiceOptions>, signal: AbortSignal): Promise<ReportedCounts> {
    const [job, allocs] = await Promise.all([
      this.request(service, 'GET', '', signal),
      this.request(service, 'GET', '/allocations', signal),
    ]);
    if ((job.body as { Stop?: boolean } | undefined)?.Stop === true) {
      throw new EngineError(
        'refused',
        this.engine,
        `job "${service.options.job}" is stopped; start it (nomad job run) before microscale can scale it`,
        service.name,
      );
    }
    const group = this.group(service, job.body);
    if (group.Scaling?.Enabled) {
      throw new EngineError(
        'refused',
        this.engine,
        `job "${service.options.job}" group "${group.Name}" has an enabled scaling policy, ` +
          `so the Nomad Autoscaler owns its count and two autoscalers on one group fight; ` +
          `set scaling { enabled = false } in the job, or leave this group out of microscale`,
        service.name,
      );
    }
    this.groups.set(this.groupKey(service), {
      name: group.Name,
      min: group.Scaling?.Min ?? 0,
      max: group.Scaling?.Max ?? Number.POSITIVE_INFINITY,
    });
    const counts = { declared: group.Count ?? 0, running: 0, starting: 0, stopping: 0 };
    for (const alloc of Array.isArray(allocs.body) ? (allocs.body as AllocJson[]) : []) {
      if (alloc.TaskGroup !== group.Name) continue;
      const live = alloc.ClientStatus === 'running' || alloc.ClientStatus === 'pending';
      if (!live) continue;
      if (alloc.DesiredStatus === 'stop' || alloc.DesiredStatus === 'evict') counts.stopping++;
      else if (alloc.ClientStatus === 'running') counts.running++;
      else counts.starting++;
    }
    return counts;
  }

  private group(service: EngineService<NomadServiceOptions>, body: unknown): GroupJson & { readonly Name: string } {
    const groups = ((body as { TaskGroups?: GroupJson[] } | undefined)?.TaskGroups ?? []).filter(
      (g): g is GroupJson & { readonly Name: string } => typeof g.Name === 'string',
    );
    const wanted = service.options.group;
    const found = wanted ? groups.find((g) => g.Name === wanted) : groups.length === 1 ? groups[0] : undefined;
    if (found) return found;
    const names = groups.map((g) => `"${g.Name}"`).join(', ') || 'none';
    const detail = wanted
      ? `job "${service.options.job}" has no task group "${wanted}" (it has ${names}); fix group: in the service entry`
      : `job "${service.options.job}" has ${groups.length} task groups (${names}); say which with group: in the service entry`;
    throw new EngineError(wanted ? 'not-found' : 'refused', this.engine, detail, service.name);
  }

  /** Blocking queries on the job's allocations; errors only slow the loop down (observe reports them). */
  watch(service: EngineService<NomadServiceOptions>, onChange: () => void, signal: AbortSignal): void {
    void this.watchJob(service, onChange, signal);
  }

  private async watchJob(service: EngineService<NomadServiceOptions>, onChange: () => void, signal: AbortSignal): Promise<void> {
    let index = 0;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const url = this.url(service.options.job, '/allocations');
        url.searchParams.set('index', String(index));
        url.searchParams.set('wait', `${WATCH_WAIT_S}s`);
        const timeoutMs = Math.ceil((WATCH_WAIT_S * 1000 * 17) / 16) + this.config.timeout;
        const { headers } = await requestJson({
          engine: this.engine,
          service: service.name,
          method: 'GET',
          url,
          headers: this.headers(),
          timeoutMs,
          signal,
        });
        const next = Number(headers.get('x-nomad-index'));
        // A blocking query may return without a change (the docs say so): only a new index is one.
        if (index > 0 && next !== index) onChange();
        // An index that goes backwards (a server restored from a snapshot) starts the watch over.
        index = Number.isFinite(next) && next >= index ? next : 0;
        failures = 0;
      } catch (error) {
        if (signal.aborted) return;
        failures++;
        this.context.log.debug(
          { event: 'nomad-watch-error', service: service.name },
          `nomad: watching job "${service.options.job}": ${String(error)}`,
        );
        await new Promise((resolve) => setTimeout(resolve, exponentialMs(failures + 1, API_RETRY_BACKOFF)).unref());
      }
    }
  }

  async scale(service: EngineService<NomadServiceOptions>, count: number, signal: AbortSignal): Promise<void> {
    // apply() runs only on services read this tick, so the group is known.
    const bounds = this.groups.get(this.groupKey(service)) ?? {
      name: service.options.group ?? service.options.job,
      min: 0,
      max: Number.POSITIVE_INFINITY,
    };
    const clamped = Math.min(bounds.max, Math.max(bounds.min, count));
    if (clamped !== count) {
      this.context.log.warn(
        { event: 'nomad-clamped', service: service.name, asked: count, set: clamped },
        `nomad: job "${service.options.job}" allows counts ${bounds.min}..${bounds.max} (its scaling block); ` +
          `setting ${clamped} instead of ${count}; align the service's min/max with the job`,
      );
    }
    await this.request(service, 'POST', '/scale', signal, {
      Count: clamped,
      Target: { Group: bounds.name },
      Message: `microscale: set count to ${clamped}`,
      Meta: { source: 'microscale' },
    });
  }
}

export async function createNomadEngine(
  config: NomadConfig,
  services: readonly EngineService<NomadServiceOptions>[],
  context: EngineContext,
): Promise<RemoteEngine<NomadServiceOptions>> {
  return createRemoteEngine(new NomadDriver(config, context), services, context, { watch: config.watch });
}

export const nomadEngine = defineEngine({
  kind: 'nomad',
  status: 'documented-api',
  description: 'Nomad task group counts through the HTTP API (tested against the documented API, not a real cluster)',
  schema: nomadSchema,
  ignoredKeys: { stopGracePeriod: "the task's kill_timeout in the job holds (Nomad's default: 5 s); set it there" },
  serviceShape: nomadServiceShape,
  create: (config, services: readonly EngineService<NomadServiceOptions>[], context) => createNomadEngine(config, services, context),
});
