// `kubernetes`: each service scales one Deployment or StatefulSet through its `scale` subresource.
// State comes from watches (informers), not a poll per tick; a change wakes the agent. Only the
// workloads named in the config are read or written, and one that an HPA or a KEDA ScaledObject also
// scales is refused, at start and when a reload adds it; one that gets such an autoscaler later is
// found by a periodic check and left alone until it is gone.
import type { ActualState } from '../../core/types.js';
import { ConfigError, EngineError, errorMessage } from '../../errors.js';
import { defineEngine, type ApplyTarget, type Engine, type EngineContext, type EngineService } from '../types.js';
import { connect, contextNamespaceOf, ENGINE, loadKubeConfig, readKubeconfigFile, toEngineError, type KubeClients } from './client.js';
import { leaderElectionFor } from './leader.js';
import { refuseSharedWorkloads, sharedWorkloads } from './conflicts.js';
import {
  describeWorkload,
  kubernetesSchema,
  kubernetesServiceShape,
  type KubernetesConfig,
  type KubernetesServiceOptions,
  type WorkloadRef,
} from './schema.js';
import { WatchedWorkload } from './workload.js';
import { KubernetesPool } from './resource-pool.js';
import type { Resources } from '../../core/resources.js';

const keyOf = (ref: WorkloadRef): string => `${ref.kind}/${ref.namespace}/${ref.name}`;

/** Each service's workload: `deployment:` or `statefulSet:` (default: a Deployment named like the service). */
export function workloadRefs(services: readonly EngineService<KubernetesServiceOptions>[], defaultNamespace: string): WorkloadRef[] {
  const problems: string[] = [];
  const refs = services.map((service, i): WorkloadRef => {
    const { deployment, statefulSet, namespace } = service.options;
    if (deployment && statefulSet)
      problems.push(
        `services[${i}]: give deployment or statefulSet, not both (got deployment: ${deployment}, statefulSet: ${statefulSet})`,
      );
    const kind = statefulSet && !deployment ? 'StatefulSet' : 'Deployment';
    return { service: service.name, kind, namespace: namespace ?? defaultNamespace, name: statefulSet ?? deployment ?? service.name };
  });
  const seen = new Map<string, string>();
  refs.forEach((ref, i) => {
    const key = keyOf(ref);
    const other = seen.get(key);
    if (other)
      problems.push(
        `services[${i}]: services "${other}" and "${ref.service}" both scale ${ref.kind} ${ref.namespace}/${ref.name}; ` +
          'one workload per service',
      );
    seen.set(key, ref.service);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return refs;
}

export class KubernetesEngine implements Engine {
  private listener: (() => void) | undefined;
  private readonly warnedUnknown = new Set<string>();
  private readonly workloads = new Map<string, WatchedWorkload>();
  /** Services whose workload another autoscaler took over after start: not scaled until it is gone. */
  private contested = new Map<string, string>();
  private conflictTimer: NodeJS.Timeout | undefined;
  private checking = false;
  /** The last problem logged per service (pods not becoming Ready), so each is said once, and its end too. */
  private readonly problems = new Map<string, string>();

  /** A pool in resources: sizes from the workloads, and the nodes for capacity auto. */
  private resourcePool: KubernetesPool | undefined;

  private constructor(
    private readonly kube: KubeClients,
    private readonly namespace: string,
    private readonly log: EngineContext['log'],
  ) {}

  static async create(
    config: Omit<KubernetesConfig, 'conflictCheckInterval'> & { readonly conflictCheckInterval?: number },
    services: readonly EngineService<KubernetesServiceOptions>[],
    context: EngineContext,
    clients?: KubeClients,
  ): Promise<KubernetesEngine> {
    const kube = clients ?? connect({ kubeconfig: config.kubeconfig, context: config.context, requestTimeout: config.requestTimeout });
    const engine = new KubernetesEngine(kube, config.namespace ?? kube.contextNamespace, context.log);
    if (context.pool) engine.resourcePool = await KubernetesPool.open(kube, context.pool, context.log);
    try {
      await engine.reconfigure(services);
    } catch (error) {
      await engine.resourcePool?.close();
      throw error;
    }
    engine.conflictTimer = setInterval(() => void engine.checkConflicts(), config.conflictCheckInterval ?? 30_000);
    engine.conflictTimer.unref();
    return engine;
  }

  /**
   * An HPA or ScaledObject created after start on a workload microscale scales: the two would fight over
   * its replicas. Stop scaling that service (its state is still read) and say so, until the other is gone.
   */
  async checkConflicts(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const found = await sharedWorkloads(
        this.kube,
        [...this.workloads.values()].map((w) => w.ref),
      );
      for (const [service, clash] of found) {
        if (this.contested.has(service)) continue;
        this.log.error(
          { event: 'autoscaler-conflict', service },
          `kubernetes engine: ${clash}; microscale stops scaling service "${service}" until the other autoscaler is deleted`,
        );
      }
      for (const service of this.contested.keys()) {
        if (!found.has(service))
          this.log.info(
            { event: 'autoscaler-conflict-cleared', service },
            `kubernetes engine: no other autoscaler on service "${service}" any more; scaling it again`,
          );
      }
      this.contested = found;
    } catch (error) {
      this.log.warn({ event: 'conflict-check-error' }, `kubernetes engine: cannot check for other autoscalers: ${errorMessage(error)}`);
    } finally {
      this.checking = false;
    }
  }

  /**
   * Serve exactly these services: the workloads of new services (or of services whose workload keys
   * changed) are checked for another autoscaler and opened first; only if all of them open are the
   * watches of removed or replaced ones closed. On any failure nothing changes.
   */
  async reconfigure(services: readonly EngineService<KubernetesServiceOptions>[]): Promise<void> {
    const refs = workloadRefs(services, this.namespace);
    const added = refs.filter((ref) => {
      const current = this.workloads.get(ref.service);
      return !current || keyOf(current.ref) !== keyOf(ref);
    });
    await refuseSharedWorkloads(this.kube, added);
    const opened = new Map<string, WatchedWorkload>();
    const onChange = (): void => this.listener?.();
    try {
      for (const ref of added)
        opened.set(ref.service, await WatchedWorkload.open(this.kube, ref, onChange, this.log.child({ service: ref.service })));
    } catch (error) {
      await Promise.all([...opened.values()].map((w) => w.close()));
      throw error;
    }
    const sizeProblems = this.resourcePool?.problems([...opened.values()]) ?? [];
    if (sizeProblems.length > 0) {
      await Promise.all([...opened.values()].map((w) => w.close()));
      throw new ConfigError(sizeProblems);
    }
    const wanted = new Set(refs.map((ref) => ref.service));
    const closing: Promise<void>[] = [];
    for (const [service, workload] of this.workloads) {
      if (wanted.has(service) && !opened.has(service)) continue;
      closing.push(workload.close());
      this.workloads.delete(service);
    }
    for (const [service, workload] of opened) {
      this.log.info(
        { event: 'workload-watched', service, stopGraceSeconds: workload.stopGraceSeconds() },
        `kubernetes engine: service "${service}" scales ${describeWorkload(workload.ref)}; ` +
          `its pods stop within ${workload.stopGraceSeconds()} s (terminationGracePeriodSeconds), counted in the pool until they are gone`,
      );
      this.workloads.set(service, workload);
      this.warnedUnknown.delete(service);
    }
    await Promise.all(closing);
  }

  async observe(): Promise<Map<string, ActualState>> {
    const state = new Map<string, ActualState>();
    for (const [service, workload] of this.workloads) {
      const actual = workload.state();
      state.set(service, this.resourcePool ? { ...actual, size: this.resourcePool.sizeOf(workload) } : actual);
      this.reportProblem(service, actual.problem);
    }
    return state;
  }

  /** Logs when a service's pods start or stop being stuck (the reason without its counts, so not every tick). */
  private reportProblem(service: string, problem: string | undefined): void {
    const key = problem?.replace(/^\d+ of \d+ pods not Ready: /, '').replace(/ x\d+/g, '');
    const before = this.problems.get(service);
    if (key === before) return;
    if (key === undefined) {
      this.problems.delete(service);
      this.log.info({ event: 'pods-ready-again', service }, `kubernetes engine: service "${service}": no pod is stuck any more`);
      return;
    }
    this.problems.set(service, key);
    this.log.warn(
      { event: 'pods-not-ready', service },
      `kubernetes engine: service "${service}": ${problem}; they hold their place in the pool until they are Ready or scaled away`,
    );
  }

  /**
   * Scale-downs first, then scale-ups, so the pool is never overcommitted between the two; when a
   * scale-down fails, the scale-ups wait for the next tick.
   */
  async apply(targets: readonly ApplyTarget[]): Promise<void> {
    const changes = targets.flatMap(({ name, replicas }) => {
      const workload = this.workloads.get(name);
      if (!workload) this.warnUnknown(name);
      return workload && !this.contested.has(name) ? [{ workload, replicas, down: replicas < workload.declared() }] : [];
    });
    for (const down of [true, false]) {
      const results = await Promise.allSettled(changes.filter((c) => c.down === down).map((c) => c.workload.scaleTo(c.replicas)));
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [toEngineError(r.reason, 'cannot scale')] : []));
      const [first] = failures;
      if (first) throw failures.length === 1 ? first : new EngineError(first.failure, ENGINE, failures.map((f) => f.message).join('; '));
    }
  }

  /** A target for a service this engine does not serve (not in the config it was given): say so once, loudly. */
  private warnUnknown(service: string): void {
    if (this.warnedUnknown.has(service)) return;
    this.warnedUnknown.add(service);
    this.log.warn(
      { event: 'unknown-service', service },
      `kubernetes engine: service "${service}" has no watched workload; it is not in the config this engine was given`,
    );
  }

  /** capacity: auto: what the nodes the services' pods can run on have left after other pods' requests. */
  poolCapacity(): Resources {
    if (!this.resourcePool)
      throw new EngineError('refused', ENGINE, 'capacity is not auto; the engine was not told of a pool in resources');
    return this.resourcePool.capacity([...this.workloads.values()]);
  }

  watch(onChange: () => void): () => void {
    this.listener = onChange;
    return () => {
      this.listener = undefined;
    };
  }

  async close(): Promise<void> {
    clearInterval(this.conflictTimer);
    this.listener = undefined;
    await Promise.all([...this.workloads.values()].map((w) => w.close()));
    await this.resourcePool?.close();
  }
}

export const kubernetesEngine = defineEngine({
  kind: 'kubernetes',
  status: 'real-tested',
  description: 'Deployments and StatefulSets through the scale subresource (kube-apiserver 1.20 here; in-cluster or KUBECONFIG)',
  schema: kubernetesSchema,
  ignoredKeys: {
    stopGracePeriod:
      "the pods' terminationGracePeriodSeconds in the workload's pod template holds (Kubernetes' default: 30 s); set it there. " +
      'A pod being stopped keeps its place in the pool until it is gone',
  },
  serviceShape: kubernetesServiceShape,
  sizes: 'workload',
  autoCapacity: true,
  leaderElection: (config, log) => leaderElectionFor(config, log),
  create: (config, services: readonly EngineService<KubernetesServiceOptions>[], context) =>
    KubernetesEngine.create(config, services, context),
  // The context's namespace is known only at start; services that leave it out share it all the same.
  checkServices: (config, services: readonly EngineService<KubernetesServiceOptions>[]) =>
    configProblems(() => workloadRefs(services, config.namespace ?? '(the context namespace)')),
  // With the kubeconfig read (a local file; in a cluster the service account's namespace file), a service that
  // names the context's namespace and one that leaves it out are seen on the same workload, as `create` sees them.
  checkServicesLocally: (config, services: readonly EngineService<KubernetesServiceOptions>[]) => {
    // A device, fifo or directory (or a huge file) is no kubeconfig on any machine: refused here, and never read whole.
    const file = config.kubeconfig === undefined ? undefined : readKubeconfigFile(config.kubeconfig);
    if (file && 'wrongFile' in file && file.wrongFile) return [`engine.kubeconfig: ${file.problem}`];
    if (config.namespace !== undefined || services.every((s) => s.options.namespace === undefined)) return [];
    let namespace: string;
    try {
      namespace = contextNamespaceOf(loadKubeConfig({ kubeconfig: config.kubeconfig, context: config.context }));
    } catch {
      return []; // no kubeconfig here (validate on a CI machine, say): `run` names what is missing when it connects
    }
    return configProblems(() => workloadRefs(services, namespace));
  },
});

function configProblems(check: () => unknown): string[] {
  try {
    check();
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}
