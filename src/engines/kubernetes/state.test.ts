import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { actualState, notReadyProblem, podGone, selectorString } from './state.js';

/** The agent's clock in these tests; pods being deleted are within their grace period unless a test says otherwise. */
const NOW_MS = Date.parse('2026-12-01T07:30:00Z');
const IN_GRACE = new Date(NOW_MS + 30_000);

const pod = (state: 'pending' | 'ready' | 'deleting' | 'failed'): V1Pod => ({
  metadata: { name: 'p', ...(state === 'deleting' ? { deletionTimestamp: IN_GRACE } : {}) },
  status: {
    phase: state === 'failed' ? 'Failed' : state === 'pending' ? 'Pending' : 'Running',
    conditions: state === 'ready' || state === 'deleting' ? [{ type: 'Ready', status: 'True' }] : [],
  },
});

describe('kubernetes actual state', () => {
  it('counts ready pods as running and the rest of the declared replicas as starting', () => {
    assert.deepEqual(actualState(5, [pod('ready'), pod('ready'), pod('pending')], NOW_MS), { running: 2, starting: 3, stopping: 0 });
  });

  it('counts pods being deleted as stopping, never as running', () => {
    assert.deepEqual(actualState(1, [pod('ready'), pod('deleting'), pod('deleting')], NOW_MS), { running: 1, starting: 0, stopping: 2 });
  });

  it('counts live pods beyond the declared replicas as stopping, right after a scale-down', () => {
    // The controller has not deleted them yet, but they still hold their place in the pool.
    assert.deepEqual(actualState(1, [pod('ready'), pod('ready'), pod('ready')], NOW_MS), { running: 1, starting: 0, stopping: 2 });
  });

  it('counts a StatefulSet scaling down one pod at a time exactly once each', () => {
    assert.deepEqual(actualState(1, [pod('ready'), pod('ready'), pod('deleting')], NOW_MS), { running: 1, starting: 0, stopping: 2 });
  });

  it('ignores finished pods', () => {
    assert.deepEqual(actualState(2, [pod('ready'), pod('failed')], NOW_MS), { running: 1, starting: 1, stopping: 0 });
  });

  it("says when each ready pod became Ready (the API's whole second, taken at its end), oldest first", () => {
    const readySince = (time: string): V1Pod => ({
      metadata: { name: 'p' },
      // As the API sends it: client.ts hands the JSON on as parsed, so the time is a string.
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: time as unknown as Date }] },
    });
    const state = actualState(3, [readySince('2026-12-01T07:30:05Z'), readySince('2026-12-01T07:30:02Z'), pod('pending')], NOW_MS);
    assert.deepEqual(state.runningAtMs, [Date.parse('2026-12-01T07:30:02.999Z'), Date.parse('2026-12-01T07:30:05.999Z')]);
    // No moment without a lastTransitionTime, nor for a pod that is not Ready.
    assert.equal(actualState(2, [pod('ready'), pod('pending')], NOW_MS).runningAtMs, undefined);
  });

  it('keeps the moment a pod it counted was deleted as when a stop ended, and reports them oldest first', () => {
    // A Running pod being deleted, a pending one (never Running, still holding its place) deleted.
    let gone = podGone([], pod('deleting'), 5_000);
    gone = podGone(gone, pod('pending'), 4_000);
    assert.deepEqual(gone, [4_000, 5_000]);
    assert.deepEqual(actualState(0, [], NOW_MS, gone).goneAtMs, [4_000, 5_000]);
    assert.equal('goneAtMs' in actualState(0, [], NOW_MS), false);
  });

  it('keeps no moment for a pod it did not count (finished, or deleted while stuck), and only the recent ones', () => {
    const stuck: V1Pod = { ...waiting('ErrImageNeverPull'), metadata: { name: 'w', deletionTimestamp: new Date() } };
    assert.deepEqual(podGone([], pod('failed'), 1_000), []);
    assert.deepEqual(podGone([], stuck, 1_000), []);
    let gone: readonly number[] = [];
    for (let ms = 1; ms <= 100; ms++) gone = podGone(gone, pod('ready'), ms);
    assert.equal(gone.length, 64);
    assert.equal(gone.at(-1), 100);
  });

  it('is zero everywhere for a workload at zero with no pods', () => {
    assert.deepEqual(actualState(0, [], NOW_MS), { running: 0, starting: 0, stopping: 0 });
  });
});

const waiting = (reason: string, message?: string, lastExit?: number): V1Pod => ({
  metadata: { name: 'w' },
  status: {
    phase: 'Pending',
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'False' },
    ],
    containerStatuses: [
      {
        name: 'worker',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: lastExit === undefined ? 0 : 3,
        state: { waiting: { reason, ...(message ? { message } : {}) } },
        ...(lastExit === undefined ? {} : { lastState: { terminated: { exitCode: lastExit, reason: 'Error' } } }),
      },
    ],
  },
});

describe('pods not becoming Ready, per service', () => {
  it('names the reason and message the kubelet gives, and how many pods it holds', () => {
    const problem = notReadyProblem([
      pod('ready'),
      waiting('ErrImageNeverPull', 'Container image "nope:1" is not present with pull policy of Never'),
      waiting('ErrImageNeverPull', 'same'),
    ]);
    assert.equal(problem, '2 of 3 pods not Ready: ErrImageNeverPull (Container image "nope:1" is not present with pull policy of Never)');
    assert.equal(actualState(3, [waiting('ErrImageNeverPull')], NOW_MS).problem, '1 of 1 pods not Ready: ErrImageNeverPull');
  });

  it('gives the last exit code of a container that keeps failing, and counts each reason apart', () => {
    const problem = notReadyProblem([
      waiting('CrashLoopBackOff', 'back-off 10s restarting failed container', 127),
      {
        ...waiting('x'),
        status: {
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available' }],
        },
      },
    ]);
    assert.equal(
      problem,
      '2 of 2 pods not Ready: CrashLoopBackOff x1 (back-off 10s restarting failed container; last exit code 127 (Error)); Unschedulable x1 (0/1 nodes are available)',
    );
  });

  it('does not hold the pool for a pod being deleted that never got a container running', () => {
    const deleting = (p: V1Pod): V1Pod => ({ ...p, metadata: { ...p.metadata, deletionTimestamp: IN_GRACE } });
    assert.deepEqual(
      actualState(0, [deleting(waiting('ErrImageNeverPull')), deleting(waiting('CrashLoopBackOff', 'back-off', 1))], NOW_MS),
      {
        running: 0,
        starting: 0,
        stopping: 0,
      },
    );
    // Still being created, or not reported on yet: it may be starting a container, so it holds its place.
    assert.equal(actualState(0, [deleting(waiting('ContainerCreating')), deleting(pod('pending'))], NOW_MS).stopping, 2);
  });

  it('stops holding the pool for a pod deleted while being created once its grace period is over', () => {
    // The ReplicaSet deletes pods still being created first; on the real node the kubelet took 40 s to remove
    // three whose sandbox it was creating (none ever ran), and the pre-empting service waited all that time.
    const ended = (p: V1Pod, endsAt: string): V1Pod => ({
      ...p,
      metadata: { ...p.metadata, deletionTimestamp: endsAt as unknown as Date },
    });
    const created = [ended(waiting('ContainerCreating'), '2026-12-01T07:29:59Z'), ended(pod('pending'), '2026-12-01T07:29:58Z')];
    assert.equal(actualState(0, created, NOW_MS).stopping, 0);
    // Within the grace period (the API's whole second, taken at its end) a container it was starting may run: it holds.
    assert.equal(actualState(0, [ended(waiting('ContainerCreating'), '2026-12-01T07:30:00Z')], NOW_MS).stopping, 1);
    // One that ran, or runs now, holds until it is gone (its teardown: the stop ends when it is deleted from the API).
    const ran = (state: 'running' | 'exited'): V1Pod => {
      const base = ended(waiting('ContainerCreating'), '2026-12-01T07:29:50Z');
      const [status] = base.status!.containerStatuses!;
      const now = state === 'running' ? { running: {} } : { terminated: { exitCode: 137 } };
      return {
        ...base,
        status: { ...base.status!, phase: state === 'running' ? 'Running' : 'Pending', containerStatuses: [{ ...status!, state: now }] },
      };
    };
    assert.equal(actualState(0, [ran('running'), ran('exited'), ended(pod('ready'), '2026-12-01T07:29:50Z')], NOW_MS).stopping, 3);
  });

  it('says nothing of pods still being created, pods being deleted, or ready pods', () => {
    assert.equal(notReadyProblem([waiting('ContainerCreating'), pod('pending'), pod('deleting'), pod('ready')]), undefined);
    assert.equal('problem' in actualState(2, [waiting('ContainerCreating'), pod('ready')], NOW_MS), false);
  });
});

describe('label selector string', () => {
  it('joins matchLabels and matchExpressions the way the API parses them', () => {
    const text = selectorString({
      matchLabels: { app: 'orders', tier: 'worker' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'staging'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'zone', operator: 'Exists' },
        { key: 'team', operator: 'NotIn', values: ['x'] },
      ],
    });
    assert.equal(text, 'app=orders,tier=worker,env in (prod,staging),!canary,zone,team notin (x)');
  });
});
