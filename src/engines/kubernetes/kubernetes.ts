// `kubernetes`: each service scales one Deployment or StatefulSet through its `scale` subresource.
// State comes from watches (informers), not a poll per tick; a change wakes the agent. Only the
// workloads named in the config are read or written, and one that an HPA or a KEDA ScaledObject also
// scales is refused at start.
import type { ActualState } from '../../core/types.js';
import { ConfigError, EngineError } from '../../errors.js';
import { defineEngine, type ApplyTarget, type Engine, type EngineContext, type EngineService } from '../types.js';
import { connect, ENGINE, toEngineError, type KubeClients } from './client.js';
import { refuseSharedWorkloads } from './conflicts.js';
import { kubernetesSchema, kubernetesServiceShape, type KubernetesConfig, type KubernetesServiceOptions, type WorkloadRef } from './schema.js';
import { WatchedWorkload } from './workload.js';

/** Each service's workload: `deployment:` or `statefulSet:` (default: a Deployment named like the service). */
export function workloadRefs(services: readonly EngineService<KubernetesServiceOptions>[], defaultNamespace: string): WorkloadRef[] {
  const problems: string[] = [];
  const refs = services.map((service, i): WorkloadRef => {
    const { deployment, statefulSet, namespace } = service.options;
    if (deployment && statefulSet) problems.push(`services[${i}]: give deployment or statefulSet, not both (got deployment: ${deployment}, statefulSet: ${statefulSet})`);
    const kind = statefulSet && !deployment ? 'StatefulSet' : 'Deployment';
    return { service: service.name, kind, namespace: namespace ?? defaultNamespace, name: statefulSet ?? deployment ?? service.name };
  });
  const seen = new Map<string, string>();
  for (const ref of refs) {
    const key = `${ref.kind}/${ref.namespace}/${ref.name}`;
    const other = seen.get(key);
    if (other) problems.push(`services "${other}" and "${ref.service}" both scale ${ref.kind} ${ref.namespace}/${ref.name}; one workload per service`);
    seen.set(key, ref.service);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return refs;
}

export class KubernetesEngine implements Engine {
  private listener: (() => void) | undefined;
  private readonly warnedUnknown = new Set<string>();

  private constructor(
    private readonly workloads: ReadonlyMap<string, WatchedWorkload>,
    private readonly log: EngineContext['log'],
  ) {}

  static async create(config: KubernetesConfig, services: readonly EngineService<KubernetesServiceOptions>[], context: EngineContext, clients?: KubeClients): Promise<KubernetesEngine> {
    const kube = clients ?? connect({ kubeconfig: config.kubeconfig, context: config.context, requestTimeout: config.requestTimeout });
    const refs = workloadRefs(services, config.namespace ?? kube.contextNamespace);
    await refuseSharedWorkloads(kube, refs);
    const workloads = new Map<string, WatchedWorkload>();
    const engine = new KubernetesEngine(workloads, context.log);
    const onChange = (): void => engine.listener?.();
    try {
      for (const ref of refs) workloads.set(ref.service, await WatchedWorkload.open(kube, ref, onChange, context.log.child({ service: ref.service })));
    } catch (error) {
      await Promise.all([...workloads.values()].map((w) => w.close()));
      throw error;
    }
    return engine;
  }

  async observe(): Promise<Map<string, ActualState>> {
    const state = new Map<string, ActualState>();
    for (const [service, workload] of this.workloads) state.set(service, workload.state());
    return state;
  }

  /**
   * Scale-downs first, then scale-ups, so the pool is never overcommitted between the two; when a
   * scale-down fails, the scale-ups wait for the next tick.
   */
  async apply(targets: readonly ApplyTarget[]): Promise<void> {
    const changes = targets.flatMap(({ name, target }) => {
      const workload = this.workloads.get(name);
      if (!workload) this.warnUnknown(name);
      return workload ? [{ workload, target, down: target < workload.declared() }] : [];
    });
    for (const down of [true, false]) {
      const results = await Promise.allSettled(changes.filter((c) => c.down === down).map((c) => c.workload.scaleTo(c.target)));
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [toEngineError(r.reason, 'cannot scale')] : []));
      const [first] = failures;
      if (first) throw failures.length === 1 ? first : new EngineError(first.failure, ENGINE, failures.map((f) => f.message).join('; '));
    }
  }

  /** A service added after start (config reload, API) has no watched workload: say so once, loudly. */
  private warnUnknown(service: string): void {
    if (this.warnedUnknown.has(service)) return;
    this.warnedUnknown.add(service);
    this.log.warn({ event: 'unknown-service', service }, `kubernetes engine: service "${service}" was added after start and has no watched workload; restart microscale to scale it`);
  }

  watch(onChange: () => void): () => void {
    this.listener = onChange;
    return () => {
      this.listener = undefined;
    };
  }

  async close(): Promise<void> {
    this.listener = undefined;
    await Promise.all([...this.workloads.values()].map((w) => w.close()));
  }
}

export const kubernetesEngine = defineEngine({
  kind: 'kubernetes',
  status: 'real-tested',
  description: 'Deployments and StatefulSets through the scale subresource (kube-apiserver 1.20 here; in-cluster or KUBECONFIG)',
  schema: kubernetesSchema,
  serviceShape: kubernetesServiceShape,
  create: (config, services: readonly EngineService<KubernetesServiceOptions>[], context) => KubernetesEngine.create(config, services, context),
});
