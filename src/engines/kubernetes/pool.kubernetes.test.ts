// The agent on the real API server, as in the demo: a P1 and a P2 Deployment share a pool of 9. P1
// follows its demand, P2 takes what is left, and the pods of both never exceed the pool. Also measures
// the time from a decision to the Deployment's replicas being set on the server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListWatch, Watch, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { Agent } from '../../agent/agent.js';
import { parseConfig } from '../../agent/config-loader.js';
import { silentLogger } from '../../log/logger.js';
import { eventually } from '../../testing/services.js';
import { KubernetesEngine } from './kubernetes.js';
import type { KubernetesConfig } from './schema.js';
import { adminClients, createDeployment, needKubernetes, startFakeKubelet, testNamespace } from './testing/cluster.js';

const percentile = (values: readonly number[], p: number): number =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))] ?? NaN;

describe('a P1 and a P2 Deployment sharing a pool of 9', () => {
  const clients = adminClients();
  let ns: { name: string; remove: () => Promise<void> } | undefined;
  let stopKubelet = (): void => {};
  const stops: (() => Promise<void>)[] = [];

  before(async () => {
    if (!(await needKubernetes(undefined))) return;
    ns = await testNamespace(clients, 'ms-pool');
    await createDeployment(clients, ns.name, 'orders');
    await createDeployment(clients, ns.name, 'reports');
    stopKubelet = startFakeKubelet(ns.name, 300, 200);
  });
  after(async () => {
    for (const stop of stops.reverse()) await stop();
    stopKubelet();
    await ns?.remove();
  });

  it('follows P1 demand, gives P2 the rest, and never runs more than 9 pods', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    const namespace = ns.name;
    // Independent witnesses: every pod, and every change of spec.replicas, as the API server reports them.
    const pods = new ListWatch<V1Pod>(
      `/api/v1/namespaces/${namespace}/pods`,
      new Watch(clients.kubeConfig),
      () => clients.core.listNamespacedPod({ namespace }),
      false,
    );
    const deployments = new ListWatch<V1Deployment>(
      `/apis/apps/v1/namespaces/${namespace}/deployments`,
      new Watch(clients.kubeConfig),
      () => clients.apps.listNamespacedDeployment({ namespace }),
      false,
    );
    let mostPods = 0;
    pods.on(
      'change',
      () => (mostPods = Math.max(mostPods, pods.list().filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? '')).length)),
    );
    const replicasSetAt: { name: string; replicas: number; atMs: number }[] = [];
    deployments.on('update', (d) =>
      replicasSetAt.push({ name: d.metadata?.name ?? '', replicas: d.spec?.replicas ?? -1, atMs: Date.now() }),
    );
    await Promise.all([pods.start(), deployments.start()]);
    stops.push(async () => void (await Promise.all([pods.stop(), deployments.stop()])));

    const config = parseConfig({
      engine: { kind: 'kubernetes', namespace },
      capacity: 9,
      interval: '500ms',
      services: [
        { name: 'orders', priority: 1, deployment: 'orders', metric: { source: 'push', initial: 2 }, target: 'direct' },
        { name: 'reports', priority: 2, deployment: 'reports', target: 'remainder' },
      ],
    });
    const engine = await KubernetesEngine.create(
      config.engine as unknown as KubernetesConfig,
      config.services.map((s) => ({ name: s.name, stopGracePeriodMs: 0, options: s.engineOptions })),
      { log: silentLogger(), nowMs: Date.now },
      clients,
    );
    const agent = new Agent(config, { engine, log: silentLogger() });
    const decisions: { service: string; to: number; atMs: number }[] = [];
    agent.on('decision', (d) => decisions.push({ service: d.service, to: d.to, atMs: d.atMs }));
    await agent.start();
    stops.push(() => agent.stop());

    const running = async (orders: number, reports: number): Promise<boolean> =>
      eventually(
        async () => {
          const state = await engine.observe();
          return (
            state.get('orders')?.running === orders && state.get('reports')?.running === reports && state.get('reports')?.stopping === 0
          );
        },
        20_000,
        100,
      );
    assert.ok(await running(2, 7), 'did not settle at orders 2, reports 7');
    agent.pushMetric('orders', 7);
    assert.ok(await running(7, 2), 'P1 demand rose to 7: did not settle at orders 7, reports 2');
    agent.pushMetric('orders', 3);
    assert.ok(await running(3, 6), 'P1 demand fell to 3: did not settle at orders 3, reports 6');
    assert.ok(mostPods <= 9, `${mostPods} pods existed at once; the pool is 9`);
    assert.ok(
      agent.ticks.toArray().every((tick) => tick.used <= 9),
      'a tick counted more than 9 pods in use',
    );

    const latencies = decisions.flatMap((d) => {
      const set = replicasSetAt.find((r) => r.name === d.service && r.replicas === d.to && r.atMs >= d.atMs);
      return set ? [set.atMs - d.atMs] : [];
    });
    assert.ok(latencies.length >= 4, `expected at least 4 decisions matched to replica changes, got ${latencies.length}`);
    console.error(
      `# decision -> replicas set on the API server: n=${latencies.length}, median ${percentile(latencies, 0.5)}ms, p90 ${percentile(latencies, 0.9)}ms, max ${Math.max(...latencies)}ms; most pods at once ${mostPods}`,
    );
  });
});
