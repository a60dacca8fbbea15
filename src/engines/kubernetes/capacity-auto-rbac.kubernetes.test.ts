// Each permission deploy/kubernetes/capacity-auto grants is needed, and an RBAC outage never shrinks a
// service. `microscale run` runs out of the cluster as the ServiceAccount (a kubeconfig made from its
// token secret, so what it may do is exactly the shipped base Role + whatever ClusterRole this test
// binds), with `capacity: auto`:
// - for every (verb, resource) the shipped capacity-auto ClusterRole grants, that grant minus it, and no
//   grant at all: the agent refuses to start, saying which verb on which resource was refused and what
//   to apply, and no replicas change;
// - with the full grant it computes the pool from the node and scales; the grant revoked while it runs
//   (its watches reconnect through a proxy that drops them) holds every service although the queue asks
//   for a pre-emption, says why and what to apply, and it resumes by itself once granted again.
// The services' pods never run (a scheduler no one runs): this is about what the agent may read and
// what it writes, and it leaves the real node alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuthorizationV1Api, KubeConfig, KubernetesObjectApi, type KubernetesObject, type V1PolicyRule } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { needService, eventually } from '../../testing/services.js';
import { REDIS_URL, redisCheck, uniqueName } from '../../bench/services/redis.js';
import { adminClients, ApiProxy, needNode, realDeploymentSpec, testNamespace, type TestNamespace } from './testing/cluster.js';
import { DEPLOY_DIR, shippedObjects } from './testing/manifests.js';

const POD_CPU_MILLI = 200;
const POD_MEMORY = '16Mi';

/** The shipped capacity-auto ClusterRole, one (apiGroup, resource, verb) per entry. */
function grantedPermissions(rules: readonly V1PolicyRule[]): { group: string; resource: string; verb: string }[] {
  return rules.flatMap((rule) =>
    (rule.apiGroups ?? ['']).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) => rule.verbs.map((verb) => ({ group, resource, verb }))),
    ),
  );
}

/** The promise's value, or `late` after `ms` (the timer cleared either way: a test file must not linger). */
async function within<T, L>(promise: Promise<T>, ms: number, late: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<L>((resolve) => (timer = setTimeout(() => resolve(late), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A running (or finished) `microscale run`: its output so far, and how it ended. */
interface AgentRun {
  output(): string;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

function runAgent(configFile: string): AgentRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', '-c', configFile, '--no-api'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    output: () => text,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const done = await within(
        exited.then(() => true),
        10_000,
        false,
      );
      if (!done) child.kill('SIGKILL');
    },
  };
}

describe('deploy/kubernetes/capacity-auto: every permission is needed, and an RBAC outage holds', () => {
  const admin = adminClients();
  const objects = KubernetesObjectApi.makeApiClient(admin.kubeConfig);
  const stops: (() => Promise<void>)[] = [];
  let ns: TestNamespace | undefined;
  let proxy: ApiProxy | undefined;
  let saKubeConfig: KubeConfig | undefined;
  let configFile = '';
  let redis: Redis | undefined;
  const queueKey = uniqueName('capacity-auto-rbac');
  // The shipped ClusterRole and binding, renamed per namespace (the cluster is shared).
  const [shippedRole, shippedBinding] = shippedObjects(`${DEPLOY_DIR}capacity-auto/`) as [
    KubernetesObject & { rules: V1PolicyRule[] },
    KubernetesObject & { roleRef: { name: string }; subjects: { namespace?: string }[] },
  ];

  const roleName = (): string => `${shippedRole.metadata?.name ?? ''}-${ns?.name ?? ''}`;
  const clusterRole = (rules: V1PolicyRule[]): KubernetesObject =>
    ({ ...shippedRole, metadata: { ...shippedRole.metadata, name: roleName() }, rules }) as KubernetesObject;
  const clusterRoleBinding = (): KubernetesObject =>
    ({
      ...shippedBinding,
      metadata: { ...shippedBinding.metadata, name: roleName() },
      roleRef: { ...shippedBinding.roleRef, name: roleName() },
      subjects: shippedBinding.subjects.map((s) => ({ ...s, namespace: ns?.name })),
    }) as KubernetesObject;
  const remove = async (object: KubernetesObject): Promise<void> => {
    await objects.delete(object).catch(() => undefined);
    await eventually(
      async () =>
        objects.read({ ...object, metadata: { name: object.metadata?.name ?? '' } }).then(
          () => false,
          () => true,
        ),
      10_000,
      100,
    );
  };
  /** Makes the ClusterRole hold exactly `rules` (bound to the ServiceAccount), or removes both with null. */
  const grant = async (rules: V1PolicyRule[] | null): Promise<void> => {
    await remove(clusterRoleBinding());
    await remove(clusterRole([]));
    if (rules === null) return;
    await objects.create(clusterRole(rules));
    await objects.create(clusterRoleBinding());
  };
  /** What the ServiceAccount may do cluster-wide, as the API server's authorizer answers it now. */
  const may = async (verb: string, resource: string, group = ''): Promise<boolean> => {
    assert.ok(saKubeConfig);
    const review = await saKubeConfig.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { verb, resource, group } } },
    });
    return review.status?.allowed === true;
  };
  const replicas = async (name: string): Promise<number> =>
    (await admin.apps.readNamespacedDeployment({ name, namespace: ns?.name ?? '' })).spec?.replicas ?? -1;

  before(async () => {
    if (!(await needNode(undefined)) || !(await needService(undefined, redisCheck))) return;
    ns = await testNamespace(admin, 'ms-rbac');
    const namespace = ns.name;
    stops.push(() => ns?.remove() ?? Promise.resolve()); // its pods never ran on the node: nothing to wait for
    stops.push(() => grant(null));
    // The base: the shipped ServiceAccount, Role and RoleBinding (not the agent's Deployment: it runs here).
    for (const object of shippedObjects()) {
      if (!['ServiceAccount', 'Role', 'RoleBinding'].includes(object.kind ?? '')) continue;
      const moved = JSON.parse(
        JSON.stringify(object).replace(/"namespace":"microscale"/g, `"namespace":"${namespace}"`),
      ) as KubernetesObject;
      await objects.create(moved);
    }
    // The workloads rbac.yaml names; their pods ask for a scheduler no one runs, so they stay Pending.
    for (const name of ['orders-consumer', 'reports']) {
      const spec = realDeploymentSpec(name, { replicas: 1 });
      const pod = spec.spec!.template.spec!;
      pod.schedulerName = 'microscale-test-no-scheduler';
      pod.containers[0]!.resources = { requests: { cpu: `${POD_CPU_MILLI}m`, memory: POD_MEMORY } };
      await admin.apps.createNamespacedDeployment({ namespace, body: spec });
    }
    // The ServiceAccount's token (its secret, made by the control plane) in a kubeconfig through the proxy.
    let token = '';
    let ca = '';
    await eventually(
      async () => {
        const secrets = await admin.core.listNamespacedSecret({ namespace, fieldSelector: 'type=kubernetes.io/service-account-token' });
        const secret = secrets.items.find((s) => s.metadata?.annotations?.['kubernetes.io/service-account.name'] === 'microscale');
        token = Buffer.from(secret?.data?.token ?? '', 'base64').toString();
        ca = secret?.data?.['ca.crt'] ?? '';
        return token !== '' && ca !== '';
      },
      20_000,
      200,
    );
    assert.ok(token && ca, `no token secret for ServiceAccount microscale in ${namespace}`);
    proxy = await new ApiProxy().start();
    stops.push(() => proxy?.close() ?? Promise.resolve());
    const dir = mkdtempSync(join(tmpdir(), 'ms-rbac-'));
    stops.push(async () => rmSync(dir, { recursive: true, force: true }));
    saKubeConfig = new KubeConfig();
    saKubeConfig.loadFromOptions({
      clusters: [{ name: 'test', server: `https://127.0.0.1:${proxy.port}`, caData: ca }],
      users: [{ name: 'microscale', token }],
      contexts: [{ name: 'microscale', cluster: 'test', user: 'microscale', namespace }],
      currentContext: 'microscale',
    });
    const kubeconfigFile = join(dir, 'kubeconfig');
    writeFileSync(kubeconfigFile, saKubeConfig.exportConfig(), { mode: 0o600 });
    redis = new Redis(REDIS_URL);
    stops.push(async () => {
      await redis?.del(queueKey);
      redis?.disconnect();
    });
    configFile = join(dir, 'microscale.yaml');
    writeFileSync(
      configFile,
      [
        'engine:',
        '  kind: kubernetes',
        `  kubeconfig: ${kubeconfigFile}`,
        `  namespace: ${namespace}`,
        '  requestTimeout: 2s',
        'capacity: auto',
        'interval: 500ms',
        'stateFile: off',
        'services:',
        '  - name: orders-consumer',
        '    deployment: orders-consumer',
        '    priority: 1',
        '    min: 1',
        `    metric: {source: redis, url: "${REDIS_URL}", key: "${queueKey}"}`,
        '    target: {perContainer: 50}',
        '  - name: reports',
        '    deployment: reports',
        '    priority: 2',
        '    target: remainder',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  it(
    'without any one permission the grant holds, the agent refuses to start, names it and the fix, and changes nothing',
    { timeout: 180_000 },
    async (t) => {
      if (!(await needNode(t)) || !(await needService(t, redisCheck))) return;
      assert.ok(ns && saKubeConfig, 'the setup in before() did not finish');
      const permissions = grantedPermissions(shippedRole.rules);
      assert.ok(permissions.length >= 4, `capacity-auto grants ${JSON.stringify(permissions)}`);
      const cases = [
        ...permissions.map((missing) => ({
          missing: [missing],
          rules: permissions.filter((p) => p !== missing).map((p) => ({ apiGroups: [p.group], resources: [p.resource], verbs: [p.verb] })),
        })),
        { missing: permissions, rules: null }, // the base alone: capacity-auto not applied at all
      ];
      for (const { missing, rules } of cases) {
        const name = rules === null ? 'capacity-auto not applied' : `capacity-auto without ${missing[0]?.verb} ${missing[0]?.resource}`;
        await grant(rules);
        // The authorizer follows the change within a moment: wait until it says exactly this grant.
        const settled = await eventually(
          async () => {
            for (const p of permissions) if ((await may(p.verb, p.resource, p.group)) === missing.includes(p)) return false;
            return true;
          },
          10_000,
          200,
        );
        assert.ok(settled, `${name}: the API server's authorizer did not settle on the grant`);
        const before = [await replicas('orders-consumer'), await replicas('reports')];
        const run = runAgent(configFile);
        const code = await within(run.exited, 60_000, 'running' as const);
        await run.stop();
        const output = run.output();
        assert.notEqual(code, 'running', `${name}: the agent is still running after 60 s; output:\n${output}`);
        assert.notEqual(code, 0, `${name}: the agent exited 0; output:\n${output}`);
        // The refusal names a refused verb on a refused resource (the first request each list makes), and the fix.
        const named = missing.some((p) => output.includes(`forbidden to ${p.verb} ${p.resource}`));
        assert.ok(named, `${name}: the error does not say "forbidden to <verb> <resource>" for what is missing; output:\n${output}`);
        assert.match(output, /kubectl apply -k deploy\/kubernetes\/capacity-auto/, `${name}: the error does not give the fix`);
        assert.match(output, /^error: /m, `${name}: no error line on stderr`);
        assert.deepEqual([await replicas('orders-consumer'), await replicas('reports')], before, `${name}: replicas changed`);
        console.error(
          `# ${name}: refused at start (exit ${code}): ${output
            .split('\n')
            .find((l) => l.startsWith('error: '))
            ?.slice(0, 400)}`,
        );
      }
    },
  );

  it(
    'with the full grant it scales; revoked while running it holds every service and says why; granted again it resumes',
    { timeout: 180_000 },
    async (t) => {
      if (!(await needNode(t)) || !(await needService(t, redisCheck))) return;
      assert.ok(ns && proxy && redis, 'the setup in before() did not finish');
      await grant(shippedRole.rules);
      assert.ok(
        await eventually(async () => (await may('watch', 'nodes')) && (await may('watch', 'pods')), 10_000, 200),
        'the full grant did not settle',
      );
      await redis.del(queueKey);
      const run = runAgent(configFile);
      stops.push(() => run.stop());
      const poolLine = (): { capacity?: { cpu?: number; memory?: number } } | undefined =>
        run
          .output()
          .split('\n')
          .flatMap((l) => {
            try {
              return [JSON.parse(l) as { event?: string; capacity?: { cpu?: number; memory?: number } }];
            } catch {
              return []; // not JSON, or a line still being written
            }
          })
          .find((l) => l.event === 'auto-capacity-nodes');
      // Works: the pool from the node, and reports (the remainder) takes what it leaves.
      const grew = await eventually(async () => poolLine() !== undefined && (await replicas('reports')) >= 2, 60_000, 250);
      assert.ok(
        grew,
        `with the full grant the agent did not compute a pool and grow reports (${await replicas('reports')}); output:\n${run.output()}`,
      );
      const slots = Math.floor((poolLine()?.capacity?.cpu ?? 0) / POD_CPU_MILLI);
      await eventually(async () => (await replicas('orders-consumer')) + (await replicas('reports')) >= slots, 20_000, 250);
      assert.equal(run.output().match(/forbidden/gi), null, `forbidden with the full grant:\n${run.output()}`);

      // The outage: the grant goes, the watches reconnect (the proxy drops them) and are refused; meanwhile
      // the queue asks for every slot for orders-consumer, which would pre-empt reports.
      const revokedAt = run.output().length;
      await remove(clusterRoleBinding());
      assert.ok(await eventually(async () => !(await may('watch', 'nodes')), 10_000, 200), 'the revocation did not settle');
      // An open watch outlives a revoked grant; the cut makes them reconnect (and the agent cannot write
      // while it lasts, so what it holds is what it had when its connections went).
      await proxy.cut();
      const held = [await replicas('orders-consumer'), await replicas('reports')];
      await redis.rpush(queueKey, ...Array.from({ length: 50 * (held[0]! + held[1]! + 2) }, (_, i) => `m${i}`));
      await proxy.restore();
      const samples: number[][] = [];
      const watchUntil = Date.now() + 10_000;
      while (Date.now() < watchUntil) {
        samples.push([await replicas('orders-consumer'), await replicas('reports')]);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const during = run.output().slice(revokedAt);
      assert.ok(
        samples.every((s) => s[0] === held[0] && s[1] === held[1]),
        `replicas changed while the grant was revoked (held ${held.join('+')}): ${samples.map((s) => s.join('+')).join(' ')}; output:\n${during}`,
      );
      assert.match(during, /forbidden to (list|watch) (nodes|pods)/, `no warning naming the refused verb and resource:\n${during}`);
      assert.match(during, /kubectl apply -k deploy\/kubernetes\/capacity-auto/, `the warning does not give the fix:\n${during}`);

      // Granted again: the watches come back by themselves and the agent acts on the queue.
      await objects.create(clusterRoleBinding());
      const resumed = await eventually(async () => (await replicas('orders-consumer')) > held[0]!, 30_000, 250);
      assert.ok(
        resumed,
        `the agent did not act again once granted (orders-consumer ${await replicas('orders-consumer')}); output:\n${run.output().slice(revokedAt)}`,
      );
      assert.match(run.output().slice(revokedAt), /watching (nodes|pods in every namespace) \(capacity: auto\) again/);
      console.error(
        `# capacity-auto revoked while running: held ${held.join('+')} for 10 s (${samples.length} samples) with the queue asking for ${held[0]! + held[1]! + 2}; granted again -> orders-consumer ${await replicas('orders-consumer')}, reports ${await replicas('reports')}`,
      );
      await run.stop();
    },
  );
});
