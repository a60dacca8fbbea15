// The kubernetes engine on the real API server: the shared conformance suite, then what only this
// engine does (refusing a workload an HPA scales, a missing workload, StatefulSets, watches).
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { after, before, describe, it } from 'node:test';
import { engineConformance } from '../testing/conformance.js';
import { EngineError } from '../../errors.js';
import { silentLogger } from '../../log/logger.js';
import { eventually } from '../../testing/services.js';
import { KubernetesEngine } from './kubernetes.js';
import type { KubernetesServiceOptions } from './schema.js';
import type { EngineService } from '../types.js';
import { adminClients, createDeployment, needKubernetes, startFakeKubelet, testNamespace } from './testing/cluster.js';

const context = { log: silentLogger(), nowMs: Date.now };
const config = { kind: 'kubernetes' as const, requestTimeout: 10_000 };

function services(namespace: string, entries: Record<string, KubernetesServiceOptions>): EngineService<KubernetesServiceOptions>[] {
  return Object.entries(entries).map(([name, options]) => ({ name, stopGracePeriodMs: 5000, options: { namespace, ...options } }));
}

engineConformance('kubernetes', {
  settleMs: 20_000,
  setup: async () => {
    if (!(await needKubernetes(undefined))) return undefined;
    const clients = adminClients();
    const ns = await testNamespace(clients, 'ms-conf');
    await createDeployment(clients, ns.name, 'alpha');
    await createDeployment(clients, ns.name, 'beta');
    const stopKubelet = startFakeKubelet(ns.name);
    const engine = await KubernetesEngine.create(
      config,
      services(ns.name, { a: { deployment: 'alpha' }, b: { deployment: 'beta' } }),
      context,
      clients,
    );
    return {
      engine,
      services: ['a', 'b'],
      cleanup: async () => {
        await engine.close();
        stopKubelet();
        await ns.remove();
      },
    };
  },
});

describe('kubernetes engine', () => {
  const clients = adminClients();
  let ns: { name: string; remove: () => Promise<void> } | undefined;
  let stopKubelet = (): void => {};

  before(async () => {
    if (!(await needKubernetes(undefined))) return;
    ns = await testNamespace(clients, 'ms-eng');
    stopKubelet = startFakeKubelet(ns.name, 200, 100);
  });
  after(async () => {
    stopKubelet();
    await ns?.remove();
  });

  it('refuses at start a workload that an HPA also scales, naming both', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    await createDeployment(clients, ns.name, 'contested');
    await clients.autoscaling.createNamespacedHorizontalPodAutoscaler({
      namespace: ns.name,
      body: {
        metadata: { name: 'contested-hpa' },
        spec: { maxReplicas: 5, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'contested' } },
      },
    });
    await assert.rejects(
      KubernetesEngine.create(config, services(ns.name, { orders: { deployment: 'contested' } }), context, clients),
      (error: unknown) => {
        assert.ok(error instanceof EngineError);
        assert.equal(error.failure, 'refused');
        assert.match(
          error.message,
          new RegExp(`Deployment ${ns!.name}/contested is also scaled by HorizontalPodAutoscaler ${ns!.name}/contested-hpa`),
        );
        return true;
      },
    );
  });

  it('says which workload is missing and how to fix it', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    await assert.rejects(
      KubernetesEngine.create(config, services(ns.name, { ghost: { deployment: 'no-such-thing' } }), context, clients),
      (error: unknown) => {
        assert.ok(error instanceof EngineError);
        assert.equal(error.failure, 'not-found');
        assert.match(error.message, /Deployment .*\/no-such-thing does not exist/);
        return true;
      },
    );
  });

  it('scales a StatefulSet and wakes the agent through its watch when pods become ready', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    await clients.apps.createNamespacedStatefulSet({
      namespace: ns.name,
      body: {
        metadata: { name: 'ledger' },
        spec: {
          replicas: 0,
          serviceName: 'ledger',
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: { app: 'ledger' } },
          template: { metadata: { labels: { app: 'ledger' } }, spec: { containers: [{ name: 'db', image: 'busybox:1.36' }] } },
        },
      },
    });
    const engine = await KubernetesEngine.create(config, services(ns.name, { ledger: { statefulSet: 'ledger' } }), context, clients);
    try {
      let wakes = 0;
      engine.watch(() => wakes++);
      await engine.apply([{ name: 'ledger', replicas: 2 }]);
      const right = (await engine.observe()).get('ledger');
      assert.equal((right?.running ?? 0) + (right?.starting ?? 0), 2);
      assert.ok(
        await eventually(async () => (await engine.observe()).get('ledger')?.running === 2, 15_000, 100),
        'the StatefulSet did not reach 2 ready',
      );
      assert.ok(wakes > 0, 'the watch never woke the agent');
    } finally {
      await engine.close();
    }
  });

  it('a reload adds, re-points and drops services: new workloads are watched and scaled, dropped ones left as they are', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    for (const name of ['r-one', 'r-two', 'r-three']) await createDeployment(clients, ns.name, name);
    const replicas = async (name: string) => (await clients.apps.readNamespacedDeployment({ name, namespace: ns!.name })).spec?.replicas;
    const engine = await KubernetesEngine.create(config, services(ns.name, { one: { deployment: 'r-one' } }), context, clients);
    try {
      await engine.apply([{ name: 'one', replicas: 1 }]);
      await engine.reconfigure(services(ns.name, { one: { deployment: 'r-one' }, two: { deployment: 'r-two' } }));
      await engine.apply([{ name: 'two', replicas: 2 }]);
      assert.equal(await replicas('r-two'), 2);
      assert.ok(
        await eventually(async () => (await engine.observe()).get('two')?.running === 2, 15_000, 100),
        'the added service was not watched',
      );
      // `one` dropped, `two` now scales r-three.
      await engine.reconfigure(services(ns.name, { two: { deployment: 'r-three' } }));
      await engine.apply([
        { name: 'one', replicas: 3 },
        { name: 'two', replicas: 1 },
      ]);
      assert.equal(await replicas('r-one'), 1, 'a dropped service was scaled');
      assert.equal(await replicas('r-two'), 2, 'the workload a service left was scaled');
      assert.equal(await replicas('r-three'), 1);
      assert.deepEqual([...(await engine.observe()).keys()], ['two']);
    } finally {
      await engine.close();
    }
  });

  it('a reload naming a missing workload, or one an HPA scales, is refused and changes nothing', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    await createDeployment(clients, ns.name, 'r-keep');
    await createDeployment(clients, ns.name, 'r-hpa');
    await clients.autoscaling.createNamespacedHorizontalPodAutoscaler({
      namespace: ns.name,
      body: {
        metadata: { name: 'r-hpa' },
        spec: { maxReplicas: 5, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'r-hpa' } },
      },
    });
    const engine = await KubernetesEngine.create(config, services(ns.name, { keep: { deployment: 'r-keep' } }), context, clients);
    try {
      await assert.rejects(
        engine.reconfigure(services(ns.name, { keep: { deployment: 'r-keep' }, ghost: { deployment: 'no-such' } })),
        (error: unknown) => {
          assert.ok(error instanceof EngineError);
          assert.equal(error.failure, 'not-found');
          assert.match(error.message, /no-such does not exist/);
          return true;
        },
      );
      await assert.rejects(
        engine.reconfigure(services(ns.name, { keep: { deployment: 'r-keep' }, other: { deployment: 'r-hpa' } })),
        /also scaled by HorizontalPodAutoscaler/,
      );
      assert.deepEqual([...(await engine.observe()).keys()], ['keep']);
      await engine.apply([
        { name: 'keep', replicas: 2 },
        { name: 'ghost', replicas: 2 },
        { name: 'other', replicas: 2 },
      ]);
      assert.equal(
        (await clients.apps.readNamespacedDeployment({ name: 'r-keep', namespace: ns.name })).spec?.replicas,
        2,
        'the kept service stopped working',
      );
      assert.equal(
        (await clients.apps.readNamespacedDeployment({ name: 'r-hpa', namespace: ns.name })).spec?.replicas,
        0,
        'a refused workload was scaled',
      );
    } finally {
      await engine.close();
    }
  });

  it('stops scaling a workload that an HPA takes over after start, says so once, and scales it again once the HPA is gone', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    await createDeployment(clients, ns.name, 'later');
    await createDeployment(clients, ns.name, 'calm');
    const lines: { event?: string; service?: string; msg?: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { event?: string }) });
    const replicas = async (name: string) => (await clients.apps.readNamespacedDeployment({ name, namespace: ns!.name })).spec?.replicas;
    const engine = await KubernetesEngine.create(
      { ...config, conflictCheckInterval: 200 },
      services(ns.name, { later: { deployment: 'later' }, calm: { deployment: 'calm' } }),
      { ...context, log },
      clients,
    );
    try {
      await engine.apply([{ name: 'later', replicas: 1 }]);
      await clients.autoscaling.createNamespacedHorizontalPodAutoscaler({
        namespace: ns.name,
        body: {
          metadata: { name: 'late-hpa' },
          spec: { maxReplicas: 5, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'later' } },
        },
      });
      assert.ok(
        await eventually(async () => lines.some((l) => l.event === 'autoscaler-conflict'), 10_000, 100),
        'the HPA created after start was not noticed',
      );
      await engine.apply([
        { name: 'later', replicas: 3 },
        { name: 'calm', replicas: 2 },
      ]);
      assert.equal(await replicas('later'), 1, 'scaled a workload an HPA now scales');
      assert.equal(await replicas('calm'), 2, 'the other service stopped being scaled');
      await new Promise((resolve) => setTimeout(resolve, 600));
      const conflicts = lines.filter((l) => l.event === 'autoscaler-conflict');
      assert.equal(conflicts.length, 1, 'the conflict should be said once, not at every check');
      assert.equal(conflicts[0]?.service, 'later');
      assert.match(conflicts[0]?.msg ?? '', /Deployment .*\/later is also scaled by HorizontalPodAutoscaler .*\/late-hpa/);
      await clients.autoscaling.deleteNamespacedHorizontalPodAutoscaler({ name: 'late-hpa', namespace: ns.name });
      assert.ok(
        await eventually(async () => lines.some((l) => l.event === 'autoscaler-conflict-cleared'), 10_000, 100),
        'the HPA going away was not noticed',
      );
      await engine.apply([{ name: 'later', replicas: 3 }]);
      assert.equal(await replicas('later'), 3);
    } finally {
      await engine.close();
    }
  });

  it('never touches a workload that is not in the config', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    await createDeployment(clients, ns.name, 'mine');
    await createDeployment(clients, ns.name, 'bystander', 1);
    const engine = await KubernetesEngine.create(config, services(ns.name, { mine: { deployment: 'mine' } }), context, clients);
    try {
      await engine.apply([
        { name: 'mine', replicas: 2 },
        { name: 'bystander', replicas: 4 },
      ]);
      assert.equal((await clients.apps.readNamespacedDeployment({ name: 'bystander', namespace: ns.name })).spec?.replicas, 1);
      assert.equal((await clients.apps.readNamespacedDeployment({ name: 'mine', namespace: ns.name })).spec?.replicas, 2);
      assert.deepEqual([...(await engine.observe()).keys()], ['mine']);
    } finally {
      await engine.close();
    }
  });
});
