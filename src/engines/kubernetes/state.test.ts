import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { actualState, selectorString } from './state.js';

const pod = (state: 'pending' | 'ready' | 'deleting' | 'failed'): V1Pod => ({
  metadata: { name: 'p', ...(state === 'deleting' ? { deletionTimestamp: new Date() } : {}) },
  status: {
    phase: state === 'failed' ? 'Failed' : state === 'pending' ? 'Pending' : 'Running',
    conditions: state === 'ready' || state === 'deleting' ? [{ type: 'Ready', status: 'True' }] : [],
  },
});

describe('kubernetes actual state', () => {
  it('counts ready pods as running and the rest of the declared replicas as starting', () => {
    assert.deepEqual(actualState(5, [pod('ready'), pod('ready'), pod('pending')]), { running: 2, starting: 3, stopping: 0 });
  });

  it('counts pods being deleted as stopping, never as running', () => {
    assert.deepEqual(actualState(1, [pod('ready'), pod('deleting'), pod('deleting')]), { running: 1, starting: 0, stopping: 2 });
  });

  it('counts live pods beyond the declared replicas as stopping, right after a scale-down', () => {
    // The controller has not deleted them yet, but they still hold their place in the pool.
    assert.deepEqual(actualState(1, [pod('ready'), pod('ready'), pod('ready')]), { running: 1, starting: 0, stopping: 2 });
  });

  it('counts a StatefulSet scaling down one pod at a time exactly once each', () => {
    assert.deepEqual(actualState(1, [pod('ready'), pod('ready'), pod('deleting')]), { running: 1, starting: 0, stopping: 2 });
  });

  it('ignores finished pods', () => {
    assert.deepEqual(actualState(2, [pod('ready'), pod('failed')]), { running: 1, starting: 1, stopping: 0 });
  });

  it('is zero everywhere for a workload at zero with no pods', () => {
    assert.deepEqual(actualState(0, []), { running: 0, starting: 0, stopping: 0 });
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
