// One Deployment or StatefulSet that a service scales: its object and its pods, each kept by a watch,
// and its replicas set through the `scale` subresource (the only write microscale makes to it).
import {
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1Pod,
  type V1PodSpec,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import type { ActualState } from '../../core/types.js';
import { EngineError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { ENGINE, toEngineError, withRetry, type KubeClients } from './client.js';
import { describeWorkload, type WorkloadRef } from './schema.js';
import { actualState, podGone, selectorString } from './state.js';
import { WatchedList } from './watched-list.js';

type WorkloadObject = V1Deployment | V1StatefulSet;

/** How long apply waits for its own write to come back through the watch before it returns. */
const SEEN_TIMEOUT_MS = 2000;

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class WatchedWorkload {
  /**
   * When its counted pods were deleted, by the agent's clock at the watch's delete event (the recent
   * ones): when its stops ended, for the latency estimate. Not deletionTimestamp, which is when the
   * deletion was asked for (plus the grace period), not when the pod was gone.
   */
  private goneAtMs: readonly number[] = [];

  private constructor(
    readonly ref: WorkloadRef,
    private readonly clients: KubeClients,
    private readonly object: WatchedList<WorkloadObject>,
    private readonly pods: WatchedList<V1Pod>,
  ) {}

  /** Reads the workload (it must exist), then watches it and the pods its selector matches. */
  static async open(clients: KubeClients, ref: WorkloadRef, onChange: () => void, log: Logger): Promise<WatchedWorkload> {
    const { namespace, name, service } = ref;
    const isDeployment = ref.kind === 'Deployment';
    let found: WorkloadObject;
    try {
      found = isDeployment
        ? await clients.apps.readNamespacedDeployment({ name, namespace })
        : await clients.apps.readNamespacedStatefulSet({ name, namespace });
    } catch (error) {
      const failure = toEngineError(error, `cannot read ${describeWorkload(ref)}`, service);
      if (failure.failure !== 'not-found') throw failure;
      throw new EngineError(
        'not-found',
        ENGINE,
        `${describeWorkload(ref)} does not exist; ` +
          `create it, or fix the service's ${isDeployment ? 'deployment' : 'statefulSet'}/namespace keys`,
        service,
      );
    }
    const labelSelector = selectorString(found.spec?.selector);
    if (!labelSelector)
      throw new EngineError(
        'refused',
        ENGINE,
        `${describeWorkload(ref)} has an empty selector; microscale cannot tell its pods apart`,
        service,
      );
    const fieldSelector = `metadata.name=${name}`;
    const object = new WatchedList<WorkloadObject>({
      kubeConfig: clients.kubeConfig,
      path: `/apis/apps/v1/namespaces/${namespace}/${isDeployment ? 'deployments' : 'statefulsets'}`,
      list: () =>
        isDeployment
          ? clients.apps.listNamespacedDeployment({ namespace, fieldSelector })
          : clients.apps.listNamespacedStatefulSet({ namespace, fieldSelector }),
      fieldSelector,
      onChange,
      log,
      what: describeWorkload(ref),
    });
    let onDeleted = (_pod: V1Pod): void => undefined;
    const pods = new WatchedList<V1Pod>({
      kubeConfig: clients.kubeConfig,
      path: `/api/v1/namespaces/${namespace}/pods`,
      list: () => clients.core.listNamespacedPod({ namespace, labelSelector }),
      labelSelector,
      onChange,
      onDeleted: (pod) => onDeleted(pod),
      log,
      what: `pods of ${describeWorkload(ref)}`,
    });
    const workload = new WatchedWorkload(ref, clients, object, pods);
    onDeleted = (pod) => {
      workload.goneAtMs = podGone(workload.goneAtMs, pod, Date.now());
    };
    try {
      await Promise.all([object.start(), pods.start()]);
    } catch (error) {
      await workload.close();
      throw toEngineError(error, `cannot watch ${describeWorkload(ref)} and its pods`, service);
    }
    return workload;
  }

  /** spec.replicas as the watch last saw it (Kubernetes defaults it to 1). */
  declared(): number {
    const found = this.object.get(this.ref.name, this.ref.namespace);
    if (!found)
      throw new EngineError(
        'not-found',
        ENGINE,
        `${describeWorkload(this.ref)} was deleted; holding until it exists again`,
        this.ref.service,
      );
    return found.spec?.replicas ?? 1;
  }

  /**
   * How long a pod of this workload may take to stop, from its pod template (terminationGracePeriodSeconds,
   * Kubernetes' default 30 s): what holds on Kubernetes instead of microscale's stopGracePeriod. A pod being
   * deleted stays counted as stopping (holding its place in the pool) until it is gone.
   */
  stopGraceSeconds(): number {
    return this.object.get(this.ref.name, this.ref.namespace)?.spec?.template?.spec?.terminationGracePeriodSeconds ?? 30;
  }

  /** Throws while either watch is down, so the agent holds instead of acting on a stale count. */
  state(): ActualState {
    for (const list of [this.object, this.pods]) {
      if (!list.healthy)
        throw new EngineError(
          'unreachable',
          ENGINE,
          `lost the watch of ${describeWorkload(this.ref)}: ${list.lastError}`,
          this.ref.service,
        );
    }
    return actualState(this.declared(), this.pods.items(), Date.now(), this.goneAtMs);
  }

  /** Sets spec.replicas through the scale subresource, then waits until the watch shows it. */
  async scaleTo(replicas: number): Promise<void> {
    if (this.declared() === replicas) return;
    const { name, namespace, service } = this.ref;
    const body = { spec: { replicas } };
    await withRetry(
      `cannot scale ${describeWorkload(this.ref)} to ${replicas}`,
      () =>
        this.ref.kind === 'Deployment'
          ? this.clients.apps.patchNamespacedDeploymentScale({ name, namespace, body }, mergePatch)
          : this.clients.apps.patchNamespacedStatefulSetScale({ name, namespace, body }, mergePatch),
      service,
    );
    // Level-triggered: observe() reads the watch's cache, so wait (briefly) for the write to arrive there.
    const deadline = Date.now() + SEEN_TIMEOUT_MS;
    while (this.safeDeclared() !== replicas && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** The pod template's spec, as the watch last saw it. */
  template(): V1PodSpec | undefined {
    return this.object.get(this.ref.name, this.ref.namespace)?.spec?.template?.spec;
  }

  /** Its pods, as the watch last saw them. */
  podList(): readonly V1Pod[] {
    return this.pods.items();
  }

  private safeDeclared(): number | undefined {
    return this.object.get(this.ref.name, this.ref.namespace)?.spec?.replicas;
  }

  async close(): Promise<void> {
    await Promise.all([this.object.stop(), this.pods.stop()]);
  }
}
