// `bench kubernetes`: how fast microscale reacts on a real Kubernetes node (../shared/tools/k8s-node:
// a kubelet running pods as containers on the local Docker Engine), beside the node's own floor measured
// in the same run.
// - A queue step: 100 messages pushed at once onto a Redis list read by the `redis` source; a consumer
//   Deployment with target perContainer 50 (so 0 -> 2 replicas). Timed from the push to the Deployment's
//   spec.replicas written (seen by a watch of this process) and to the first new pod Ready (a watch of
//   the pods), once on the 500 ms tick alone and once with Redis keyspace notifications waking the agent.
// - The floor: a bare scale patch of another Deployment on the same node, 0 -> 2 like the step, to its
//   first pod Ready: what any autoscaler pays on this node once it has decided.
// - Both start at a random phase, 0-1 s after the previous pods are gone: the kubelet notices a started
//   container (so the pod's Ready) and a stopped one (so the pod's removal) on its 1 s relist, so a
//   floor started at once after a removal would sit at one fixed phase of that clock and the step at
//   another (see docs/kubernetes.md).
import { cpus, loadavg } from 'node:os';
import { ListWatch, PatchStrategy, setHeaderOptions, Watch, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { Agent } from '../agent/agent.js';
import { parseConfig } from '../agent/config-loader.js';
import { KubernetesEngine } from '../engines/kubernetes/kubernetes.js';
import type { KubernetesConfig } from '../engines/kubernetes/schema.js';
import { adminClients, createRealDeployment, NODE_NAME, testNamespace } from './services/kubernetes.js';
import { silentLogger } from '../log/logger.js';
import { eventually } from '../util/eventually.js';
import { percentile, redisProblem, withKeyspaceEvents } from './docker.js';
import type { BenchResult, BenchRow, Benchmark } from './types.js';

const REDIS_URL = process.env.MICROSCALE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MESSAGES = 100;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const isReady = (pod: V1Pod): boolean => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** When each Deployment's spec.replicas changed and each pod first became Ready, as this process's watches saw it. */
class Clock {
  readonly replicasAt: { name: string; replicas: number; atMs: number }[] = [];
  readonly readyAt: { deployment: string; pod: string; atMs: number }[] = [];
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
      this.readyAt.push({ deployment: pod.metadata?.labels?.app ?? '', pod: name, atMs: Date.now() });
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
    const find = (): number | undefined => this.readyAt.find((r) => r.deployment === deployment && r.atMs >= sinceMs)?.atMs;
    return (await eventually(() => find() !== undefined, timeoutMs, 5)) ? (find() ?? sinceMs) - sinceMs : null;
  }

  async close(): Promise<void> {
    await Promise.all(this.watches.map((w) => w.stop()));
  }
}

function row(metric: string, ours: readonly number[], baseline: readonly number[], expected: number, goal: string): BenchRow {
  const [p50, p95, b50, b95] = [percentile(ours, 50), percentile(ours, 95), percentile(baseline, 50), percentile(baseline, 95)];
  return {
    metric,
    trials: `${ours.length}/${expected}`,
    'p50 ms': p50,
    'p95 ms': p95,
    'floor p50 ms': b50,
    'floor p95 ms': b95,
    'p50 - floor p50 ms': p50 !== null && b50 !== null ? p50 - b50 : null,
    goal,
  };
}

interface Trials {
  written: number[];
  ready: number[];
  floor: number[];
}

async function podsGone(namespace: string, app: string): Promise<boolean> {
  const clients = adminClients();
  return eventually(
    async () => (await clients.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items.length === 0,
    60_000,
    100,
  );
}

/** One mode (tick or keyspace watch): `trials` queue steps, each preceded by one floor measurement. */
async function trialsIn(namespace: string, clock: Clock, trials: number, watch: boolean): Promise<Trials> {
  const clients = adminClients();
  const key = `microscale:bench:k8s:${namespace}:${watch ? 'watch' : 'tick'}`;
  const config = parseConfig({
    engine: { kind: 'kubernetes', namespace },
    capacity: 4,
    interval: '500ms',
    logLevel: 'silent',
    services: [
      {
        name: 'consumer',
        priority: 1,
        deployment: 'consumer',
        metric: { source: 'redis', url: REDIS_URL, key, watch },
        target: { perContainer: 50 },
      },
    ],
  });
  const redis = new Redis(REDIS_URL);
  await redis.del(key);
  const engine = await KubernetesEngine.create(
    config.engine as unknown as KubernetesConfig,
    config.services.map((s) => ({ name: s.name, stopGracePeriodMs: s.stopGracePeriodMs, options: s.engineOptions })),
    { log: silentLogger(), nowMs: Date.now },
    clients,
  );
  const agent = new Agent(config, { engine, log: silentLogger() });
  const result: Trials = { written: [], ready: [], floor: [] };
  try {
    await agent.start();
    for (let i = 0; i < trials; i++) {
      await podsGone(namespace, 'consumer');
      // The floor, on the same quiet node the trial gets, at a random phase of the kubelet's 1 s relist.
      await sleep(Math.random() * 1000);
      const floorStart = Date.now();
      await clients.apps.patchNamespacedDeploymentScale(
        { name: 'floor', namespace, body: { spec: { replicas: MESSAGES / 50 } } },
        mergePatch,
      );
      const floorMs = await clock.firstReady('floor', floorStart, 60_000);
      if (floorMs !== null) result.floor.push(floorMs);
      await clients.apps.patchNamespacedDeploymentScale({ name: 'floor', namespace, body: { spec: { replicas: 0 } } }, mergePatch);
      await podsGone(namespace, 'floor');
      await sleep(Math.random() * 1000); // a random phase against the 500 ms tick and the kubelet's 1 s relist
      const pushedMs = Date.now();
      await redis.rpush(key, ...Array.from({ length: MESSAGES }, (_, n) => `m${n}`));
      const writtenMs = await clock.written('consumer', MESSAGES / 50, pushedMs, 20_000);
      const readyMs = await clock.firstReady('consumer', pushedMs, 60_000);
      if (writtenMs !== null) result.written.push(writtenMs);
      if (readyMs !== null) result.ready.push(readyMs);
      await redis.del(key);
      await clock.written('consumer', 0, pushedMs, 20_000);
    }
  } finally {
    await redis.del(key);
    redis.disconnect();
    await agent.stop();
  }
  return result;
}

async function missing(): Promise<string | undefined> {
  try {
    const node = await adminClients().core.readNode({ name: NODE_NAME });
    if (!node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      return `node ${NODE_NAME} is not Ready; start it with ../shared/tools/k8s-node up`;
  } catch (error) {
    return `no Kubernetes node ${NODE_NAME} (${String(error).split('\n')[0]}); start ../shared/tools/k8s-control-plane up, then ../shared/tools/k8s-node up`;
  }
  return redisProblem();
}

export const kubernetesBenchmark: Benchmark = {
  name: 'kubernetes',
  description: 'real Kubernetes node: queue step to replicas written and to the first pod Ready, beside a bare scale patch',
  async run({ quick, args }): Promise<BenchResult> {
    const absent = await missing();
    if (absent) return { name: 'kubernetes', summary: 'skipped', rows: [], notes: [`SKIPPED: ${absent}`] };
    const trials = args.trials === undefined ? (quick ? 3 : 12) : Number(args.trials);
    const loadBefore = loadavg()[0] ?? 0;
    const clients = adminClients();
    const ns = await testNamespace(clients, 'ms-bench');
    const clock = new Clock();
    try {
      await createRealDeployment(clients, ns.name, 'consumer');
      await createRealDeployment(clients, ns.name, 'floor');
      await clock.open(ns.name);
      const tick = await trialsIn(ns.name, clock, trials, false);
      const admin = new Redis(REDIS_URL);
      const watched = await withKeyspaceEvents(admin, () => trialsIn(ns.name, clock, trials, true)).finally(() => admin.disconnect());
      const floor = [...tick.floor, ...watched.floor];
      return {
        name: 'kubernetes',
        summary: `latency on the real node ${NODE_NAME} (tick 500 ms), beside a bare scale patch (0 -> ${MESSAGES / 50}) -> first pod Ready measured in the same run`,
        rows: [
          row('step-to-replicas-written (tick)', tick.written, [], trials, 'p95 <= 600 ms'),
          row('step-to-replicas-written (keyspace watch)', watched.written, [], trials, 'p95 <= 150 ms'),
          // Each mode beside the floor measured between its own trials (the node's load drifts over a run).
          row('step-to-first-pod-Ready (tick)', tick.ready, tick.floor, trials, 'p50 <= floor + 300 ms'),
          row('step-to-first-pod-Ready (keyspace watch)', watched.ready, watched.floor, trials, 'p50 <= floor + 300 ms'),
          row(`floor: scale patch 0 -> ${MESSAGES / 50} -> first pod Ready (both modes)`, floor, floor, trials * 2, '-'),
        ],
        notes: [
          `step: ${MESSAGES} messages pushed at once onto a Redis list; consumer target perContainer 50 => 0 -> ${MESSAGES / 50} replicas; pods are busybox sleep on the real kubelet (schedulerName ${NODE_NAME}, imagePullPolicy Never)`,
          '(tick): keyspace notifications off, the push is seen at the next 500 ms tick; (keyspace watch): notify-keyspace-events Kl set for the run (restored after), the source wakes the agent at once',
          "written and Ready are when this process's watches saw them (the same watch delay for microscale and the floor)",
          `host load average (1 min) ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after, on ${cpus().length} cores: a shared machine makes every figure, floor included, slower`,
        ],
      };
    } finally {
      await clock.close();
      await ns.remove();
    }
  },
};
