import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { autoPool, canRunOn, podRequests, templateProblem, workloadSize } from './requests.js';

const MI = 2 ** 20;
const spec = (containers: { cpu?: string; memory?: string; limitCpu?: string }[], extra: Partial<V1PodSpec> = {}): V1PodSpec => ({
  containers: containers.map((c, i) => ({
    name: `c${i}`,
    resources: {
      requests: { ...(c.cpu ? { cpu: c.cpu } : {}), ...(c.memory ? { memory: c.memory } : {}) },
      ...(c.limitCpu ? { limits: { cpu: c.limitCpu } } : {}),
    },
  })),
  ...extra,
});
const node = (
  name: string,
  cpu: string,
  memory: string,
  extra: {
    labels?: Record<string, string>;
    ready?: boolean;
    unschedulable?: boolean;
    taints?: { key: string; value?: string; effect: string }[];
  } = {},
): V1Node => ({
  metadata: { name, labels: extra.labels ?? {} },
  spec: { unschedulable: extra.unschedulable ?? false, taints: extra.taints ?? [] },
  status: { allocatable: { cpu, memory }, conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }] },
});
const pod = (uid: string, nodeName: string, podSpec: V1PodSpec, phase = 'Running'): V1Pod => ({
  metadata: { uid, name: uid },
  spec: { ...podSpec, nodeName },
  status: { phase },
});

describe('pod requests as the scheduler counts them', () => {
  it('adds the containers, takes the larger init container, adds the overhead, and reads a limit without a request as the request', () => {
    assert.deepEqual(
      podRequests(
        spec([
          { cpu: '250m', memory: '64Mi' },
          { cpu: '0.5', memory: '128Mi' },
        ]),
      ),
      { cpu: 750, memory: 192 * MI },
    );
    assert.deepEqual(podRequests(spec([{ cpu: '100m' }], { initContainers: [{ name: 'init', resources: { requests: { cpu: '1' } } }] })), {
      cpu: 1000,
    });
    assert.deepEqual(podRequests(spec([{ cpu: '100m' }], { overhead: { cpu: '50m' } })), { cpu: 150 });
    assert.deepEqual(podRequests(spec([{ limitCpu: '2' }])), { cpu: 2000 });
    assert.deepEqual(podRequests(spec([{}])), {});
  });

  it('sizes a workload at the larger of its template and its live pods, so a rollout is never under-counted', () => {
    const template = spec([{ cpu: '500m', memory: '64Mi' }]);
    const old = pod('old', 'n', spec([{ cpu: '1', memory: '32Mi' }]));
    assert.deepEqual(workloadSize(template, [old], ['cpu', 'memory']), { cpu: 1000, memory: 64 * MI });
    assert.deepEqual(workloadSize(template, [pod('done', 'n', spec([{ cpu: '4' }]), 'Succeeded')], ['cpu']), { cpu: 500 });
  });

  it('names the workload, the missing request and the fix', () => {
    assert.equal(
      templateProblem('Deployment ns/reports', spec([{ cpu: '500m' }]), ['cpu', 'memory']),
      "Deployment ns/reports requests no memory, but capacity counts cpu and memory; set resources.requests.memory in its pod template's containers (or use an integer capacity)",
    );
    assert.equal(
      templateProblem('Deployment ns/big', spec([{ cpu: '10' }]), ['cpu'], { cpu: 8000 }),
      'Deployment ns/big requests 10 cpu per pod, more than the whole pool (capacity.cpu: 8), so not one pod would ever start; lower its requests.cpu or raise capacity.cpu',
    );
    assert.equal(
      templateProblem('Deployment ns/ok', spec([{ cpu: '1', memory: '1Gi' }]), ['cpu', 'memory'], { cpu: 8000, memory: 2 ** 34 }),
      undefined,
    );
  });
});

describe('capacity: auto', () => {
  it('counts the Ready, schedulable nodes the pods may run on (nodeSelector, required affinity, taints)', () => {
    const plain = spec([{ cpu: '1' }]);
    assert.ok(canRunOn(plain, node('a', '4', '8Gi')));
    assert.ok(!canRunOn(plain, node('a', '4', '8Gi', { ready: false })));
    assert.ok(!canRunOn(plain, node('a', '4', '8Gi', { unschedulable: true })));
    assert.ok(!canRunOn(spec([{ cpu: '1' }], { nodeSelector: { pool: 'batch' } }), node('a', '4', '8Gi', { labels: { pool: 'web' } })));
    assert.ok(canRunOn(spec([{ cpu: '1' }], { nodeSelector: { pool: 'batch' } }), node('a', '4', '8Gi', { labels: { pool: 'batch' } })));
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1', 'z2'] }] }],
        },
      },
    };
    assert.ok(canRunOn(spec([{ cpu: '1' }], { affinity }), node('a', '4', '8Gi', { labels: { zone: 'z2' } })));
    assert.ok(!canRunOn(spec([{ cpu: '1' }], { affinity }), node('a', '4', '8Gi', { labels: { zone: 'z3' } })));
    const tainted = node('gpu', '4', '8Gi', { taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] });
    assert.ok(!canRunOn(plain, tainted));
    assert.ok(
      canRunOn(spec([{ cpu: '1' }], { tolerations: [{ key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }] }), tainted),
    );
    assert.ok(canRunOn(spec([{ cpu: '1' }], { tolerations: [{ operator: 'Exists' }] }), tainted));
  });

  it("is the allocatable of those nodes minus what other pods on them request; the services' own pods are not subtracted", () => {
    const nodes = [node('a', '4', '8Gi'), node('b', '2', '4Gi'), node('down', '16', '64Gi', { ready: false })];
    const other = pod('other', 'a', spec([{ cpu: '500m', memory: '1Gi' }]));
    const own = pod('own', 'a', spec([{ cpu: '1', memory: '1Gi' }]));
    const elsewhere = pod('elsewhere', 'down', spec([{ cpu: '8' }]));
    const finished = pod('finished', 'b', spec([{ cpu: '2' }]), 'Succeeded');
    const { capacity, nodes: counted } = autoPool(
      nodes,
      [other, own, elsewhere, finished],
      [spec([{ cpu: '1' }])],
      (p) => p.metadata?.uid === 'own',
    );
    assert.deepEqual(capacity, { cpu: 5500, memory: 11 * 2 ** 30 });
    assert.deepEqual(counted, ['a', 'b']);
  });
});
