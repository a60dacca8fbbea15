// Shared by the kubernetes tests and `bench kubernetes`: admin clients for the real control plane
// (../shared/tools/k8s-control-plane), a throwaway namespace, and Deployments whose pods run on the real
// node (../shared/tools/k8s-node) as real containers.
import { existsSync } from 'node:fs';
import { KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { clientsFor, type KubeClients } from '../../engines/kubernetes/client.js';

export const KUBECONFIG_PATH = process.env.KUBECONFIG ?? '/var/run/microscale-k8s/kubeconfig';

/**
 * Clients with the admin credentials. Without a kubeconfig (no control plane on this machine) they point
 * at the default address and fail on use, so a test file still loads and needKubernetes() skips it loudly.
 */
export function adminClients(): KubeClients {
  const kubeConfig = new KubeConfig();
  if (existsSync(KUBECONFIG_PATH)) kubeConfig.loadFromFile(KUBECONFIG_PATH);
  else {
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'absent', server: `https://127.0.0.1:${process.env.K8S_APISERVER_PORT ?? 6443}`, skipTLSVerify: true }],
      users: [{ name: 'absent' }],
      contexts: [{ name: 'absent', cluster: 'absent', user: 'absent' }],
      currentContext: 'absent',
    });
  }
  return clientsFor(kubeConfig, 10_000);
}

/** The node k8s-node registers, and the scheduler name its pods opt in with. */
export const NODE_NAME = process.env.K8S_NODE_NAME ?? 'microscale-node';
export const NODE_SCHEDULER = process.env.K8S_NODE_SCHEDULER_NAME ?? 'microscale-node';

export interface RealPodOptions {
  readonly replicas?: number;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly terminationGracePeriodSeconds?: number;
}

/**
 * A Deployment whose pods run on the real node: schedulerName microscale-node, a local image
 * (busybox:latest, never pulled), `sleep` by default. busybox's sleep (PID 1) ignores TERM, so a pod
 * being deleted holds its container for exactly terminationGracePeriodSeconds.
 */
export function realDeploymentSpec(name: string, options: RealPodOptions = {}): V1Deployment {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: options.replicas ?? 0,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          schedulerName: NODE_SCHEDULER,
          terminationGracePeriodSeconds: options.terminationGracePeriodSeconds ?? 1,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          containers: [
            {
              name: 'worker',
              image: options.image ?? 'busybox:latest',
              imagePullPolicy: 'Never',
              command: [...(options.command ?? ['sleep', '3600'])],
            },
          ],
        },
      },
    },
  };
}

export async function createRealDeployment(
  clients: KubeClients,
  namespace: string,
  name: string,
  options: RealPodOptions = {},
): Promise<void> {
  await clients.apps.createNamespacedDeployment({ namespace, body: realDeploymentSpec(name, options) });
}

export interface TestNamespace {
  readonly name: string;
  /** Deletes the namespace and returns at once (its pods go away in the background). */
  remove(): Promise<void>;
  /**
   * Deletes the namespace and waits, up to `timeoutMs`, until none of its pods is left: on the real node
   * the kubelet tears pods down for seconds to a minute, and a test file that left that work behind slowed
   * the next file's pods (its 60 s bounds). Says so on stderr when the pods outlast the wait.
   */
  removeAndWait(timeoutMs?: number): Promise<void>;
}

/** A fresh namespace named prefix-<random>; delete it with the returned functions. */
export async function testNamespace(clients: KubeClients, prefix: string): Promise<TestNamespace> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await clients.core.createNamespace({ body: { metadata: { name, labels: { 'microscale-test': 'true' } } } });
  // The namespace's default ServiceAccount must exist before pods can be created in it.
  for (let i = 0; i < 100; i++) {
    try {
      await clients.core.readNamespacedServiceAccount({ name: 'default', namespace: name });
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const remove = async (): Promise<void> => void (await clients.core.deleteNamespace({ name }).catch(() => undefined));
  const removeAndWait = async (timeoutMs = 120_000): Promise<void> => {
    await remove();
    // The namespace controller gets to the pods only after a few seconds; ask for them at once (a Terminating
    // namespace takes no new pods, so their controllers cannot replace them).
    await clients.core.deleteCollectionNamespacedPod({ namespace: name }).catch(() => undefined);
    const started = Date.now();
    let left = -1;
    while (Date.now() - started < timeoutMs) {
      left = await clients.core.listNamespacedPod({ namespace: name }).then(
        (pods) => pods.items.length,
        () => -1,
      );
      if (left === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    console.error(`# namespace ${name}: ${left} pod(s) still there ${Math.round(timeoutMs / 1000)} s after its deletion`);
  };
  return { name, remove, removeAndWait };
}
