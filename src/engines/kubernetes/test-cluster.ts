// Test helpers for the real control plane (../shared/tools/k8s-control-plane): find it or skip loudly,
// a throwaway namespace per test file, Deployments to scale, and the fake kubelet that marks pods Ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { needService } from '../../testing/services.js';
import { TcpProxy } from '../../testing/tcp-proxy.js';
import { clientsFor, type KubeClients } from './client.js';

export const KUBECONFIG_PATH = process.env.KUBECONFIG ?? '/var/run/microscale-k8s/kubeconfig';

export function sharedDir(): string {
  return process.env.MICROSCALE_SHARED ?? fileURLToPath(new URL('../../../../shared', import.meta.url));
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
