// A pool in resources on Kubernetes: each service's container size is its workload's pod requests
// (requests.ts), checked against the pool when the workload is opened; with `capacity: auto` the nodes
// and every pod in the cluster are kept by watches, and the pool is what the nodes the services' pods
// can run on have left after the other pods' requests.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { formatResources, type Resources } from '../../core/resources.js';
import { EngineError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { EnginePool } from '../types.js';
import { ENGINE, toEngineError, type KubeClients } from './client.js';
import { autoPool, templateProblem, workloadSize } from './requests.js';
import { describeWorkload } from './schema.js';
import { WatchedList } from './watched-list.js';
import type { WatchedWorkload } from './workload.js';

/** What to do when the nodes or the pods cannot be listed or watched (a 403): the grant it needs, and how. */
export const CAPACITY_AUTO_FIX =
  'capacity: auto needs list and watch on nodes and on pods in every namespace (read only): ' +
  'apply deploy/kubernetes/capacity-auto (kubectl apply -k deploy/kubernetes/capacity-auto), or give capacity as {cpu, memory}';

/** The nodes and the live pods of the whole cluster, for `capacity: auto`. */
interface ClusterWatch {
  readonly nodes: WatchedList<V1Node>;
  readonly pods: WatchedList<V1Pod>;
}

export class KubernetesPool {
  private readonly lastGood = new Map<string, Resources>();
  private readonly warned = new Set<string>();
  private lastNodes = '';

  private constructor(
    readonly pool: EnginePool,
    private readonly log: Logger,
    private readonly cluster: ClusterWatch | undefined,
  ) {}

  /** With auto, lists and watches the nodes and every live pod (needs list/watch on both, cluster-wide). */
  static async open(clients: KubeClients, pool: EnginePool, log: Logger): Promise<KubernetesPool> {
    if (!pool.auto) return new KubernetesPool(pool, log, undefined);
    const fieldSelector = 'status.phase!=Succeeded,status.phase!=Failed';
    const quiet = (): void => {}; // the tick's interval picks these up: a busy cluster must not wake the agent on every pod
    const nodes = new WatchedList<V1Node>({
      kubeConfig: clients.kubeConfig,
      path: '/api/v1/nodes',
      list: () => clients.core.listNode(),
      onChange: quiet,
      log,
      what: 'nodes (capacity: auto)',
      forbiddenFix: CAPACITY_AUTO_FIX,
    });
    const pods = new WatchedList<V1Pod>({
      kubeConfig: clients.kubeConfig,
      path: '/api/v1/pods',
      list: () => clients.core.listPodForAllNamespaces({ fieldSelector }),
      fieldSelector,
      onChange: quiet,
      log,
      what: 'pods in every namespace (capacity: auto)',
      forbiddenFix: CAPACITY_AUTO_FIX,
    });
    // Both, to name every refused grant at once (RBAC grants list and watch, nodes and pods, apart).
    const started = await Promise.allSettled([nodes.start(), pods.start()]);
    const failed = started.flatMap((result, i) =>
      result.status === 'rejected' ? [{ list: i === 0 ? nodes : pods, error: result.reason as unknown }] : [],
    );
    if (failed.length > 0) {
      await Promise.all([nodes.stop(), pods.stop()]);
      const forbidden = failed.filter((f) => f.list.forbidden);
      if (forbidden.length > 0)
        throw new EngineError('auth', ENGINE, `${forbidden.map((f) => f.list.lastError).join('; ')}; ${CAPACITY_AUTO_FIX}`);
      const failure = toEngineError(failed[0]?.error, 'capacity: auto lists and watches nodes and pods in every namespace');
      throw new EngineError(failure.failure, ENGINE, `${failure.message}; or give capacity as {cpu, memory}`);
    }
    return new KubernetesPool(pool, log, { nodes, pods });
  }

  /** Every workload among these whose pods cannot be counted in the pool, one line each with the fix. */
  problems(workloads: readonly WatchedWorkload[]): string[] {
    return workloads.flatMap((w) => {
      const problem = templateProblem(
        `service "${w.ref.service}": ${describeWorkload(w.ref)}`,
        w.template(),
        this.pool.resources,
        this.pool.capacity,
      );
      return problem ? [problem] : [];
    });
  }

  /**
   * What one container of the workload takes now. Should its template lose a request the pool counts,
   * the last good size holds (said once), so the pool is never counted without it.
   */
  sizeOf(workload: WatchedWorkload): Resources {
    const service = workload.ref.service;
    const size = workloadSize(workload.template(), workload.podList(), this.pool.resources);
    const complete = this.pool.resources.every((name) => (size[name] ?? 0) > 0);
    if (complete) {
      this.lastGood.set(service, size);
      this.warned.delete(service);
      return size;
    }
    const last = this.lastGood.get(service);
    const problem =
      templateProblem(describeWorkload(workload.ref), workload.template(), this.pool.resources) ?? 'its requests are incomplete';
    if (!last) throw new EngineError('refused', ENGINE, problem, service);
    if (!this.warned.has(service)) {
      this.warned.add(service);
      this.log.warn(
        { event: 'requests-missing', service },
        `kubernetes engine: ${problem}; counting its pods at the last size it stated (${formatResources(last)})`,
      );
    }
    return last;
  }

  /** capacity: auto, now. Throws while either watch is down. */
  capacity(workloads: readonly WatchedWorkload[]): Resources {
    if (!this.cluster) throw new EngineError('refused', ENGINE, 'capacity is not auto');
    // While either is down (the API server gone, or the grant revoked: a 403), no pool: the agent holds
    // every service rather than act on a stale or partial one.
    for (const list of [this.cluster.nodes, this.cluster.pods]) {
      if (!list.healthy)
        throw new EngineError(
          list.forbidden ? 'auth' : 'unreachable',
          ENGINE,
          `lost the watch of ${list === this.cluster.nodes ? 'the nodes' : 'the pods'}: ` +
            `${list.lastError}${list.forbidden ? `; ${CAPACITY_AUTO_FIX}` : ''}`,
        );
    }
    const own = new Set(workloads.flatMap((w) => w.podList().map((pod) => pod.metadata?.uid ?? '')));
    const { capacity, nodes } = autoPool(
      this.cluster.nodes.items(),
      this.cluster.pods.items(),
      workloads.map((w) => w.template()),
      (pod) => own.has(pod.metadata?.uid ?? ''),
    );
    const seen = nodes.join(',');
    if (seen !== this.lastNodes) {
      this.lastNodes = seen;
      this.log.info(
        { event: 'auto-capacity-nodes', nodes, capacity },
        `kubernetes engine: capacity auto counts ${nodes.length} node${nodes.length === 1 ? '' : 's'} ` +
          `(${nodes.join(', ') || "none Ready that the services' pods can run on"}): ` +
          `${formatResources(capacity, ['cpu', 'memory'])} after other pods' requests`,
      );
    }
    return capacity;
  }

  async close(): Promise<void> {
    if (this.cluster) await Promise.all([this.cluster.nodes.stop(), this.cluster.pods.stop()]);
  }
}
