// Test helpers for the real control plane (../shared/tools/k8s-control-plane): find it or skip loudly,
// a throwaway namespace per test file, Deployments to scale, and the fake kubelet that marks pods Ready;
// and for the real node (../shared/tools/k8s-node): find it or skip loudly, Deployments whose pods run
// there as real containers, and those containers as the Docker Engine lists them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import Docker from 'dockerode';
import { KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { needService } from '../../../testing/services.js';
import { TcpProxy } from '../../../testing/tcp-proxy.js';
import type { KubeClients } from '../client.js';
import { adminClients, KUBECONFIG_PATH, NODE_NAME } from '../../../bench/services/kubernetes.js';

export {
  adminClients,
  createRealDeployment,
  KUBECONFIG_PATH,
  NODE_NAME,
  NODE_SCHEDULER,
  realDeploymentSpec,
  testNamespace,
  type RealPodOptions,
  type TestNamespace,
} from '../../../bench/services/kubernetes.js';

export function sharedDir(): string {
  return process.env.MICROSCALE_SHARED ?? fileURLToPath(new URL('../../../../../shared', import.meta.url));
}

/** True when the API server answers; otherwise skips loudly (fails under MICROSCALE_REQUIRE_SERVICES=1). */
export async function needKubernetes(t: TestContext | undefined): Promise<boolean> {
  return needService(t, {
    what: `a Kubernetes API server (kubeconfig ${KUBECONFIG_PATH})`,
    howToStart: '../shared/tools/k8s-control-plane up',
    probe: async () => {
      if (!existsSync(KUBECONFIG_PATH)) return false;
      await adminClients().core.listNamespace({ limit: 1 });
      return true;
    },
  });
}

/**
 * True when the real node is Ready (its kubelet runs pods as containers on the local Docker Engine);
 * otherwise skips loudly (fails under MICROSCALE_REQUIRE_SERVICES=1). Checks the API server first.
 */
export async function needNode(t: TestContext | undefined): Promise<boolean> {
  if (!(await needKubernetes(t))) return false;
  return needService(t, {
    what: `a Kubernetes node "${NODE_NAME}" running real pods on the Docker Engine`,
    howToStart: '../shared/tools/k8s-node up',
    probe: async () => {
      const node = await adminClients().core.readNode({ name: NODE_NAME });
      const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      if (!ready) return false;
      await new Docker().ping();
      return true;
    },
  });
}

/**
 * The application containers (not the pods' infra containers) the Docker Engine runs for a namespace,
 * as the kubelet's dockershim labels them: one entry per container, with its Deployment's app label.
 */
export async function dockerPodContainers(namespace: string, docker = new Docker()): Promise<{ id: string; pod: string; state: string }[]> {
  const found = await docker.listContainers({
    all: false,
    filters: { label: [`io.kubernetes.pod.namespace=${namespace}`, 'io.kubernetes.docker.type=container'] },
  });
  return found.map((c) => ({ id: c.Id, pod: c.Labels['io.kubernetes.pod.name'] ?? '', state: c.State }));
}

export function deploymentSpec(name: string, replicas = 0): V1Deployment {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 5, containers: [{ name: 'worker', image: 'busybox:1.36', command: ['sleep', 'infinity'] }] },
      },
    },
  };
}

export async function createDeployment(clients: KubeClients, namespace: string, name: string, replicas = 0): Promise<void> {
  await clients.apps.createNamespacedDeployment({ namespace, body: deploymentSpec(name, replicas) });
}

/** Starts ../shared/tools/k8s-fake-kubelet on one namespace; kill it with the returned function. */
export function startFakeKubelet(namespace: string, startMs = 300, stopMs = 200): () => void {
  const script = `${sharedDir()}/tools/k8s-fake-kubelet`;
  const child: ChildProcess = spawn(
    process.execPath,
    [script, '--start-ms', String(startMs), '--stop-ms', String(stopMs), '--namespace', namespace, '--poll-ms', '100'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return () => void child.kill('SIGKILL');
}

/**
 * A TCP proxy in front of the API server, to stage an outage for one client only: cut() drops every
 * connection and stops listening (connections are refused), restore() listens on the same port again.
 */
export class ApiProxy extends TcpProxy {
  constructor() {
    super(Number(process.env.K8S_APISERVER_PORT ?? 6443), 'refuse');
  }

  /** A kubeconfig that reaches the API server through this proxy, with the admin token. */
  kubeConfig(namespace: string): KubeConfig {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'proxied', server: `https://127.0.0.1:${this.port}`, skipTLSVerify: true }],
      users: [{ name: 'admin', token: 'admintoken' }],
      contexts: [{ name: 'proxied', cluster: 'proxied', user: 'admin', namespace }],
      currentContext: 'proxied',
    });
    return kubeConfig;
  }
}
