// Pure: a workload's ActualState from its declared replicas and its pods. Counting from the pods (the
// same Ready condition a Deployment's readyReplicas counts, without the controller's lag) keeps every
// pod that holds a place in the pool counted exactly once, so the pool is never overcommitted.
import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import type { ActualState } from '../../core/types.js';

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function isFinished(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/**
 * - running: ready pods, at most the declared replicas;
 * - starting: the rest of the declared replicas (pods not created yet, or not ready yet);
 * - stopping: pods being deleted, plus live pods beyond the declared replicas (about to be deleted).
 */
export function actualState(declaredReplicas: number, pods: readonly V1Pod[]): ActualState {
  let live = 0;
  let ready = 0;
  let terminating = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) terminating++;
    else if (!isFinished(pod)) {
      live++;
      if (isReady(pod)) ready++;
    }
  }
  const running = Math.min(ready, declaredReplicas);
  return {
    running,
    starting: Math.max(0, declaredReplicas - running),
    stopping: terminating + Math.max(0, live - declaredReplicas),
  };
}

/** A label selector as the API's `labelSelector` query string (matchLabels and matchExpressions). */
export function selectorString(selector: V1LabelSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const { key, operator, values = [] } of selector?.matchExpressions ?? []) {
    if (operator === 'In') parts.push(`${key} in (${values.join(',')})`);
    else if (operator === 'NotIn') parts.push(`${key} notin (${values.join(',')})`);
    else if (operator === 'Exists') parts.push(key);
    else if (operator === 'DoesNotExist') parts.push(`!${key}`);
    else throw new Error(`unknown label selector operator "${operator}" on key "${key}"`);
  }
  return parts.join(',');
}
