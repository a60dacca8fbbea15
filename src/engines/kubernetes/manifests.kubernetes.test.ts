// deploy/kubernetes/ on the real API server: every manifest passes a server-side dry run, then is
// applied for real in a throwaway namespace; microscale's ServiceAccount, with only rbac.yaml's rules,
// can run the engine and leader election on the workloads named in the config, and nothing else.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  KubeConfig,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Deployment,
  type V1Role,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { parseConfigText } from '../../agent/config-loader.js';
import { silentLogger } from '../../log/logger.js';
import { eventually } from '../../testing/services.js';
import { clientsFor, statusOf, type KubeClients } from './client.js';
import { KubernetesEngine } from './kubernetes.js';
import { LeaseElector } from './leader.js';
import type { KubernetesServiceOptions } from './schema.js';
import { adminClients, createDeployment, needKubernetes, testNamespace } from './testing/cluster.js';

const deployDir = fileURLToPath(new URL('../../../deploy/kubernetes/', import.meta.url));

/** Every object in deploy/kubernetes/, moved from namespace "microscale" to `namespace`. */
function manifests(namespace: string): KubernetesObject[] {
  const files = readdirSync(deployDir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort();
  const text = files.map((f) => readFileSync(deployDir + f, 'utf8')).join('\n---\n');
  const moved = text.replace(/namespace: microscale\b/g, `namespace: ${namespace}`);
  return parseAllDocuments(moved)
    .map((d) => d.toJS() as KubernetesObject)
    .filter((o) => o?.kind);
}

function expectForbidden(what: string, call: () => Promise<unknown>): Promise<void> {
  return call().then(
    () => assert.fail(`the ServiceAccount could ${what}`),
    (error: unknown) => assert.equal(statusOf(error), 403, `${what}: expected 403 Forbidden, got ${String(statusOf(error) ?? error)}`),
  );
}

describe('deploy/kubernetes manifests and RBAC', () => {
  const admin = adminClients();
  let ns: { name: string; remove: () => Promise<void> } | undefined;
  let objects: KubernetesObject[] = [];
  let restricted: KubeClients | undefined;

  before(async () => {
    if (!(await needKubernetes(undefined))) return;
    ns = await testNamespace(admin, 'ms-rbac');
    objects = manifests(ns.name).filter((o) => o.kind !== 'Namespace');
  });
  after(async () => ns?.remove());

  it('passes a server-side dry run, every object including the Namespace', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    const api = KubernetesObjectApi.makeApiClient(admin.kubeConfig);
    const all = manifests(ns.name).map((o) =>
      o.kind === 'Namespace' ? { ...o, metadata: { ...o.metadata, name: `${ns!.name}-dry` } } : o,
    );
    assert.deepEqual(all.map((o) => o.kind).sort(), ['ConfigMap', 'Deployment', 'Namespace', 'Role', 'RoleBinding', 'ServiceAccount']);
    // The Namespace object is dry-run under a fresh name; the rest go into the test namespace.
    for (const object of all) await api.create(object, undefined, 'All');
  });

  it('applies for real; the Deployment probes /healthz and /readyz on 8321 and mounts the config', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    const api = KubernetesObjectApi.makeApiClient(admin.kubeConfig);
    for (const object of objects) await api.create(object);
    const deployment = await admin.apps.readNamespacedDeployment({ name: 'microscale', namespace: ns.name });
    const container = deployment.spec?.template.spec?.containers[0];
    assert.equal(container?.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(container?.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(container?.ports?.find((p) => p.name === 'api')?.containerPort, 8321);
    assert.equal(deployment.spec?.template.spec?.serviceAccountName, 'microscale');
    assert.equal(deployment.spec?.template.spec?.volumes?.find((v) => v.name === 'config')?.configMap?.name, 'microscale');
  });

  it('ships a valid config whose workloads are exactly the ones rbac.yaml names', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    const configMap = objects.find((o) => o.kind === 'ConfigMap') as V1ConfigMap;
    const config = parseConfigText(configMap.data?.['microscale.yaml'] ?? '', { RABBITMQ_PASSWORD: 'secret' });
    const named = config.services
      .map((s) => (s.engineOptions as KubernetesServiceOptions).deployment ?? (s.engineOptions as KubernetesServiceOptions).statefulSet)
      .sort();
    const role = objects.find((o) => o.kind === 'Role') as V1Role;
    for (const rule of (role.rules ?? []).filter((r) => r.apiGroups?.includes('apps')))
      assert.deepEqual([...(rule.resourceNames ?? [])].sort(), named);
    const deployment = objects.find((o) => o.kind === 'Deployment') as V1Deployment;
    assert.match(deployment.spec?.template.spec?.containers[0]?.args?.join(' ') ?? '', /run -c \/etc\/microscale\/microscale\.yaml/);
  });

  it('lets the ServiceAccount run the engine and leader election on the named workloads', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    for (const name of ['orders-consumer', 'reports', 'payroll']) await createDeployment(admin, ns.name, name);
    const token = await admin.core.createNamespacedServiceAccountToken({
      name: 'microscale',
      namespace: ns.name,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const cluster = admin.kubeConfig.getCurrentCluster();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'c', server: cluster?.server ?? '', skipTLSVerify: true }],
      users: [{ name: 'microscale', token: token.status?.token ?? '' }],
      contexts: [{ name: 'sa', cluster: 'c', user: 'microscale', namespace: ns.name }],
      currentContext: 'sa',
    });
    restricted = clientsFor(kubeConfig, 10_000);
    const services = ['orders-consumer', 'reports'].map((name) => ({ name, stopGracePeriodMs: 0, options: { deployment: name } }));
    const engine = await KubernetesEngine.create(
      { kind: 'kubernetes', requestTimeout: 10_000 },
      services,
      { log: silentLogger(), nowMs: Date.now },
      restricted,
    );
    try {
      await engine.apply([
        { name: 'orders-consumer', replicas: 2 },
        { name: 'reports', replicas: 1 },
      ]);
      assert.equal((await admin.apps.readNamespacedDeployment({ name: 'orders-consumer', namespace: ns.name })).spec?.replicas, 2);
      assert.equal((await engine.observe()).get('reports')?.starting, 1);
    } finally {
      await engine.close();
    }
    const elector = new LeaseElector({
      coordination: restricted.coordination,
      namespace: ns.name,
      name: 'microscale-leader',
      identity: 'sa',
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 300,
      log: silentLogger(),
    });
    elector.start();
    try {
      assert.ok(await eventually(() => elector.isLeader(), 5000), 'the ServiceAccount could not take the Lease');
      await new Promise((resolve) => setTimeout(resolve, 700));
      assert.ok(elector.isLeader(), 'the ServiceAccount could not renew the Lease');
    } finally {
      await elector.stop();
    }
  });

  it('forbids the ServiceAccount everything else', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns && restricted, 'the namespace or client from before() is missing');
    const { apps, core, coordination } = restricted;
    const namespace = ns.name;
    await expectForbidden('scale a workload not in its config', () =>
      apps.patchNamespacedDeploymentScale({ name: 'payroll', namespace, body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] }),
    );
    await expectForbidden('read a workload not in its config', () => apps.readNamespacedDeployment({ name: 'payroll', namespace }));
    await expectForbidden('list every Deployment', () => apps.listNamespacedDeployment({ namespace }));
    await expectForbidden('edit a workload it scales', () =>
      apps.patchNamespacedDeployment({ name: 'orders-consumer', namespace, body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] }),
    );
    await expectForbidden('delete a workload it scales', () => apps.deleteNamespacedDeployment({ name: 'orders-consumer', namespace }));
    await expectForbidden('create a Deployment', () => apps.createNamespacedDeployment({ namespace, body: { metadata: { name: 'x' } } }));
    await expectForbidden('delete pods', () => core.deleteCollectionNamespacedPod({ namespace }));
    await expectForbidden('read Secrets', () => core.listNamespacedSecret({ namespace }));
    await expectForbidden('read ConfigMaps', () => core.listNamespacedConfigMap({ namespace }));
    await expectForbidden('touch another Lease', () => coordination.readNamespacedLease({ name: 'someone-else', namespace }));
    await expectForbidden('delete its Lease', () => coordination.deleteNamespacedLease({ name: 'microscale-leader', namespace }));
    await expectForbidden('read another namespace', () => core.listNamespacedPod({ namespace: 'default' }));
    const rbac = restricted.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await expectForbidden('change its own Role', () => rbac.deleteNamespacedRole({ name: 'microscale', namespace }));
  });
});
