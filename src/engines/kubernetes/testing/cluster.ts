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
import { clientsFor, type KubeClients } from '../client.js';

export const KUBECONFIG_PATH = process.env.KUBECONFIG ?? '/var/run/microscale-k8s/kubeconfig';

export function sharedDir(): string {
  return process.env.MICROSCALE_SHARED ?? fileURLToPath(new URL('../../../../../shared', import.meta.url));
}

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

/** The node k8s-node registers, and the scheduler name its pods opt in with. */
export const NODE_NAME = process.env.K8S_NODE_NAME ?? 'microscale-node';
export const NODE_SCHEDULER = process.env.K8S_NODE_SCHEDULER_NAME ?? 'microscale-node';

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
          containers: [{ name: 'worker', image: options.image ?? 'busybox:latest', imagePullPolicy: 'Never', command: [...(options.command ?? ['sleep', '3600'])] }],
        },
      },
    },
  };
}

export async function createRealDeployment(clients: KubeClients, namespace: string, name: string, options: RealPodOptions = {}): Promise<void> {
  await clients.apps.createNamespacedDeployment({ namespace, body: realDeploymentSpec(name, options) });
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

/** A fresh namespace named prefix-<random>; delete it with the returned function. */
export async function testNamespace(clients: KubeClients, prefix: string): Promise<{ name: string; remove: () => Promise<void> }> {
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
  return { name, remove: async () => void (await clients.core.deleteNamespace({ name }).catch(() => undefined)) };
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
  const child: ChildProcess = spawn(process.execPath, [script, '--start-ms', String(startMs), '--stop-ms', String(stopMs), '--namespace', namespace, '--poll-ms', '100'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
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
