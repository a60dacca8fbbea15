// Refuses, at start or when a reload adds it, a workload that another autoscaler also scales: an HPA (any autoscaling version;
// they are one object served at several versions, so autoscaling/v1 lists them all) or a KEDA
// ScaledObject. Two autoscalers on one workload fight over its replicas.
import { EngineError } from '../../errors.js';
import { ENGINE, statusOf, toEngineError, type KubeClients } from './client.js';
import { describeWorkload, type WorkloadRef } from './schema.js';

interface ScaleTargetRef {
  readonly kind?: string | undefined;
  readonly name?: string | undefined;
}

interface Scaler {
  readonly namespace: string;
  readonly what: string;
  readonly target: ScaleTargetRef;
}

function targets(ref: WorkloadRef, target: ScaleTargetRef): boolean {
  // A ScaledObject's scaleTargetRef.kind defaults to Deployment.
  return target.name === ref.name && (target.kind ?? 'Deployment') === ref.kind;
}

async function hpas(clients: KubeClients, namespace: string): Promise<Scaler[]> {
  try {
    const list = await clients.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace });
    return list.items.map((hpa) => ({
      namespace,
      what: `HorizontalPodAutoscaler ${namespace}/${hpa.metadata?.name ?? '?'}`,
      target: hpa.spec?.scaleTargetRef ?? {},
    }));
  } catch (error) {
    throw toEngineError(
      error,
      `cannot check namespace ${namespace} for HorizontalPodAutoscalers (microscale refuses to share a workload with one)`,
    );
  }
}

async function scaledObjects(clients: KubeClients, namespace: string): Promise<Scaler[]> {
  try {
    const list = (await clients.custom.listNamespacedCustomObject({
      group: 'keda.sh',
      version: 'v1alpha1',
      namespace,
      plural: 'scaledobjects',
    })) as {
      items?: { metadata?: { name?: string }; spec?: { scaleTargetRef?: ScaleTargetRef } }[];
    };
    return (list.items ?? []).map((so) => ({
      namespace,
      what: `KEDA ScaledObject ${namespace}/${so.metadata?.name ?? '?'}`,
      target: so.spec?.scaleTargetRef ?? {},
    }));
  } catch (error) {
    // 404: KEDA's CRD is not installed, so there are no ScaledObjects.
    if (statusOf(error) === 404) return [];
    throw toEngineError(
      error,
      `cannot check namespace ${namespace} for KEDA ScaledObjects (microscale refuses to share a workload with one)`,
    );
  }
}

/** Every workload another autoscaler also scales: service → what scales it ("Deployment ns/x is also scaled by ..."). */
export async function sharedWorkloads(clients: KubeClients, workloads: readonly WorkloadRef[]): Promise<Map<string, string>> {
  const namespaces = [...new Set(workloads.map((w) => w.namespace))];
  const scalers = (
    await Promise.all(namespaces.map(async (ns) => [...(await hpas(clients, ns)), ...(await scaledObjects(clients, ns))]))
  ).flat();
  const shared = new Map<string, string>();
  for (const ref of workloads) {
    const others = scalers
      .filter((scaler) => scaler.namespace === ref.namespace && targets(ref, scaler.target))
      .map((scaler) => scaler.what);
    if (others.length > 0) shared.set(ref.service, `${describeWorkload(ref)} is also scaled by ${others.join(' and ')}`);
  }
  return shared;
}

/** Throws EngineError('refused') naming every workload another autoscaler also scales. */
export async function refuseSharedWorkloads(clients: KubeClients, workloads: readonly WorkloadRef[]): Promise<void> {
  const clashes = [...(await sharedWorkloads(clients, workloads))].map(([service, clash]) => `service "${service}": ${clash}`);
  if (clashes.length > 0) {
    throw new EngineError(
      'refused',
      ENGINE,
      `${clashes.join('; ')}. Two autoscalers on one workload fight over its replicas: ` +
        "delete the other autoscaler, or remove the service from microscale's config",
    );
  }
}
