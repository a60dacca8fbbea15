// `bench kubernetes`: the paired trials of one mode (tick or keyspace watch). In each, the floor's scale
// patch and the step's push are sent at the same instant, to the same kubelet, and each one's first pod
// Ready is timed from its own send (kubernetes-clock.ts); see kubernetes.ts for why they are paired.
import { loadavg } from 'node:os';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { Agent } from '../agent/agent.js';
import { parseConfig } from '../agent/config-loader.js';
import { KubernetesEngine } from '../engines/kubernetes/kubernetes.js';
import type { KubernetesConfig } from '../engines/kubernetes/schema.js';
import { silentLogger } from '../log/logger.js';
import { eventually } from '../util/eventually.js';
import type { Clock } from './kubernetes-clock.js';
import { adminClients, NODE_NAME } from './services/kubernetes.js';

export const REDIS_URL = process.env.MICROSCALE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const PER_CONTAINER = 50;
/**
 * Between trials, after the previous pods are gone: the kubelet's API client (kubeAPIQPS 5, burst 10)
 * has just spent its tokens on their teardown, and a pod status update costs it two requests (a GET and
 * a PATCH), so without a rest the next pods' statuses would go out one per 400 ms (see docs/kubernetes.md).
 */
export const REST_MS = 2000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** One paired trial: the floor's patch and the step's push sent at the same instant. */
export interface Pair {
  readonly trial: number;
  readonly first: 'floor' | 'step';
  /** Between the two sends (ms; both are issued in one synchronous turn, so ~0). */
  readonly sendSkewMs: number;
  /** How long the floor's patch and the step's push took to be acknowledged (the API server's; Redis's). */
  readonly floorAckMs: number;
  readonly stepAckMs: number;
  readonly writtenMs: number | null;
  readonly floorReadyMs: number;
  readonly stepReadyMs: number;
  /** step Ready - floor Ready, each from its own send. */
  readonly diffMs: number;
}

export interface Trials {
  written: number[];
  ready: number[];
  floor: number[];
  pairs: Pair[];
  /** Trials left out of the pairs, with why (a timeout, a pod on another node, sends too far apart). */
  discarded: string[];
  loadAtStart: number;
}

/** Two sends further apart than this do not make a pair (they are issued in one turn, so ~0 ms). */
const MAX_SEND_SKEW_MS = 5;

async function podsGone(namespace: string, app: string): Promise<boolean> {
  const clients = adminClients();
  return eventually(
    async () => (await clients.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items.length === 0,
    60_000,
    100,
  );
}

/**
 * One mode (tick or keyspace watch): `trials` paired trials. In each, the floor's scale patch (0 -> 2)
 * and the step's push go out in the same turn of the event loop, floor first in odd trials and step first
 * in even ones; both Deployments have the same pod template apart from the name (busybox sleep, a new
 * container per pod); the first Ready pod of each must be on the node.
 */
export async function trialsIn(namespace: string, clock: Clock, trials: number, watch: boolean, replicas: number): Promise<Trials> {
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
        target: { perContainer: PER_CONTAINER },
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
  const result: Trials = { written: [], ready: [], floor: [], pairs: [], discarded: [], loadAtStart: loadavg()[0] ?? 0 };
  const messages = Array.from({ length: replicas * PER_CONTAINER }, (_, n) => `m${n}`);
  try {
    await agent.start();
    for (let i = 0; i < trials; i++) {
      await Promise.all([podsGone(namespace, 'consumer'), podsGone(namespace, 'floor')]);
      // A rest (the kubelet's API client refills), then a random phase against the 500 ms tick and its 1 s relist.
      await sleep(REST_MS + Math.random() * 1000);
      const first: Pair['first'] = i % 2 === 0 ? 'floor' : 'step';
      const sent = { floor: 0, step: 0 };
      const acked = { floor: 0, step: 0 };
      const send = {
        floor: async (): Promise<void> => {
          sent.floor = Date.now();
          await clients.apps.patchNamespacedDeploymentScale({ name: 'floor', namespace, body: { spec: { replicas } } }, mergePatch);
          acked.floor = Date.now();
        },
        step: async (): Promise<void> => {
          sent.step = Date.now();
          await redis.rpush(key, ...messages);
          acked.step = Date.now();
        },
      };
      // Both calls start in this turn: the second is issued as soon as the first yields (before any I/O).
      const order: Pair['first'][] = first === 'floor' ? ['floor', 'step'] : ['step', 'floor'];
      await Promise.all(order.map((which) => send[which]()));
      const [writtenMs, stepReady, floorReady] = await Promise.all([
        clock.written('consumer', replicas, sent.step, 20_000),
        clock.firstReadyPod('consumer', sent.step, 60_000),
        clock.firstReadyPod('floor', sent.floor, 60_000),
      ]);
      if (writtenMs !== null) result.written.push(writtenMs);
      if (stepReady) result.ready.push(stepReady.ms);
      if (floorReady) result.floor.push(floorReady.ms);
      const skew = Math.abs(sent.step - sent.floor);
      const problem = !stepReady
        ? 'no consumer pod Ready within 60 s'
        : !floorReady
          ? 'no floor pod Ready within 60 s'
          : stepReady.node !== NODE_NAME || floorReady.node !== NODE_NAME
            ? `first Ready pods on ${stepReady.node} / ${floorReady.node}, not ${NODE_NAME}`
            : skew > MAX_SEND_SKEW_MS
              ? `sends ${skew} ms apart (> ${MAX_SEND_SKEW_MS})`
              : undefined;
      if (problem || !stepReady || !floorReady) result.discarded.push(`trial ${i + 1}: ${problem ?? 'incomplete'}`);
      else
        result.pairs.push({
          trial: i + 1,
          first,
          sendSkewMs: skew,
          floorAckMs: acked.floor - sent.floor,
          stepAckMs: acked.step - sent.step,
          writtenMs,
          floorReadyMs: floorReady.ms,
          stepReadyMs: stepReady.ms,
          diffMs: stepReady.ms - floorReady.ms,
        });
      const downMs = Date.now();
      await Promise.all([
        redis.del(key),
        clients.apps.patchNamespacedDeploymentScale({ name: 'floor', namespace, body: { spec: { replicas: 0 } } }, mergePatch),
      ]);
      await clock.written('consumer', 0, downMs, 20_000);
    }
  } finally {
    await redis.del(key);
    redis.disconnect();
    await agent.stop();
  }
  return result;
}
