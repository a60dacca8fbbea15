// `bench kubernetes`: when each Deployment's spec.replicas changed and each pod first became Ready, as
// this process's watches of the namespace saw them (the same watch delay for microscale and the floor).
import { ListWatch, Watch, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { eventually } from '../util/eventually.js';
import { adminClients } from './services/kubernetes.js';

const isReady = (pod: V1Pod): boolean => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** When each Deployment's spec.replicas changed and each pod first became Ready, as this process's watches saw it. */
export class Clock {
  readonly replicasAt: { name: string; replicas: number; atMs: number }[] = [];
  readonly readyAt: { deployment: string; pod: string; node: string; atMs: number }[] = [];
  private readonly seenReady = new Set<string>();
  private readonly watches: ListWatch<V1Deployment | V1Pod>[] = [];

  async open(namespace: string): Promise<void> {
    const clients = adminClients();
    const deployments = new ListWatch<V1Deployment>(
      `/apis/apps/v1/namespaces/${namespace}/deployments`,
      new Watch(clients.kubeConfig),
      () => clients.apps.listNamespacedDeployment({ namespace }),
      false,
    );
    deployments.on('update', (d) =>
      this.replicasAt.push({ name: d.metadata?.name ?? '', replicas: d.spec?.replicas ?? -1, atMs: Date.now() }),
    );
    const pods = new ListWatch<V1Pod>(
      `/api/v1/namespaces/${namespace}/pods`,
      new Watch(clients.kubeConfig),
      () => clients.core.listNamespacedPod({ namespace }),
      false,
    );
    const onPod = (pod: V1Pod): void => {
      const name = pod.metadata?.name ?? '';
      if (!isReady(pod) || this.seenReady.has(name)) return;
      this.seenReady.add(name);
      this.readyAt.push({ deployment: pod.metadata?.labels?.app ?? '', pod: name, node: pod.spec?.nodeName ?? '', atMs: Date.now() });
    };
    pods.on('add', onPod);
    pods.on('update', onPod);
    this.watches.push(deployments as ListWatch<V1Deployment | V1Pod>, pods as ListWatch<V1Deployment | V1Pod>);
    await Promise.all([deployments.start(), pods.start()]);
  }

  async written(name: string, replicas: number, sinceMs: number, timeoutMs: number): Promise<number | null> {
    const find = (): number | undefined =>
      this.replicasAt.find((r) => r.name === name && r.replicas === replicas && r.atMs >= sinceMs)?.atMs;
    return (await eventually(() => find() !== undefined, timeoutMs, 5)) ? (find() ?? sinceMs) - sinceMs : null;
  }

  async firstReady(deployment: string, sinceMs: number, timeoutMs: number): Promise<number | null> {
    return (await this.firstReadyPod(deployment, sinceMs, timeoutMs))?.ms ?? null;
  }

  /** The first pod of `deployment` Ready since `sinceMs`: how long after it, and on which node it runs. */
  async firstReadyPod(deployment: string, sinceMs: number, timeoutMs: number): Promise<{ ms: number; node: string } | null> {
    const find = (): { atMs: number; node: string } | undefined =>
      this.readyAt.find((r) => r.deployment === deployment && r.atMs >= sinceMs);
    if (!(await eventually(() => find() !== undefined, timeoutMs, 5))) return null;
    const found = find();
    return found ? { ms: found.atMs - sinceMs, node: found.node } : null;
  }

  async close(): Promise<void> {
    await Promise.all(this.watches.map((w) => w.stop()));
  }
}
