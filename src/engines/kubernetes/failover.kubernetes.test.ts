// Two `microscale run` processes with leader election on the real API server: one acts, the other
// decides but does not act; the leader is killed with SIGKILL and the standby takes over (measured).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../testing/services.js';
import { adminClients, createDeployment, KUBECONFIG_PATH, needKubernetes, testNamespace } from './testing/cluster.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

interface Replica {
  readonly child: ChildProcess;
  /** Local time of each leader-election event in its log, by event name. */
  readonly events: Map<string, number>;
}

function startReplica(configFile: string, identity: string): Replica {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', '-c', configFile, '--no-api'], {
    cwd: repo,
    // Outside a cluster, `microscale run` finds the API server through KUBECONFIG.
    env: { ...process.env, KUBECONFIG: KUBECONFIG_PATH, POD_NAME: identity },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const events = new Map<string, number>();
  let buffer = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const event = (JSON.parse(line) as { event?: unknown }).event;
        if (typeof event === 'string' && !events.has(event)) events.set(event, Date.now());
      } catch {
        if (line.trim()) console.error(`[${identity}] ${line}`);
      }
    }
  });
  return { child, events };
}

describe('leader election between two microscale processes', () => {
  const clients = adminClients();
  let ns: { name: string; remove: () => Promise<void> } | undefined;
  let dir = '';
  const replicas: Replica[] = [];

  before(async () => {
    if (!(await needKubernetes(undefined))) return;
    ns = await testNamespace(clients, 'ms-ha');
    await createDeployment(clients, ns.name, 'worker');
    dir = mkdtempSync(join(tmpdir(), 'microscale-ha-'));
  });
  after(async () => {
    for (const { child } of replicas) child.kill('SIGKILL');
    await ns?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one replica acting; after SIGKILL of the leader the other takes over within 15 s', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    const configFile = join(dir, 'microscale.yaml');
    writeFileSync(
      configFile,
      [
        'engine:',
        '  kind: kubernetes',
        `  namespace: ${ns.name}`,
        '  leaderElection: {name: microscale-leader}',
        'capacity: 3',
        'interval: 500ms',
        'services:',
        '  - {name: worker, deployment: worker, target: remainder}',
        '',
      ].join('\n'),
    );
    const replicasOf = async (): Promise<number | undefined> =>
      (await clients.apps.readNamespacedDeployment({ name: 'worker', namespace: ns!.name })).spec?.replicas;

    const a = startReplica(configFile, 'replica-a');
    replicas.push(a);
    assert.ok(await eventually(() => a.events.has('leader'), 30_000, 100), 'the first replica never became the leader');
    assert.ok(
      await eventually(async () => (await replicasOf()) === 3, 10_000, 100),
      'the leader did not scale the Deployment to the pool (3)',
    );

    const b = startReplica(configFile, 'replica-b');
    replicas.push(b);
    assert.ok(await eventually(() => b.events.has('standby'), 30_000, 100), 'the second replica did not report itself a standby');
    // The standby decides but does not act: a change made by hand stays until a leader acts.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await clients.apps.patchNamespacedDeploymentScale({
      name: 'worker',
      namespace: ns.name,
      body: [{ op: 'replace', path: '/spec/replicas', value: 1 }],
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await replicasOf(), 1, "the standby acted while the old leader's Lease was still valid");

    assert.ok(await eventually(() => b.events.has('leader'), 20_000, 50), 'the standby never took over');
    const failoverMs = (b.events.get('leader') ?? 0) - killedAt;
    assert.ok(await eventually(async () => (await replicasOf()) === 3, 5_000, 50), 'the new leader did not act');
    const actedMs = Date.now() - killedAt;
    console.error(
      `# failover after SIGKILL: new leader after ${failoverMs}ms, Deployment corrected after ${actedMs}ms (leaseDuration 8s, retryPeriod 1s)`,
    );
    assert.ok(failoverMs <= 15_000, `failover took ${failoverMs}ms; must be within 15 s`);
  });
});
