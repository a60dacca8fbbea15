// Pure: a workload's ActualState from its declared replicas and its pods. Counting from the pods (the
// same Ready condition a Deployment's readyReplicas counts, without the controller's lag) keeps every
// pod that holds a place in the pool counted exactly once, so the pool is never overcommitted.
import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import type { ActualState } from '../../core/types.js';
import { withMoment } from '../shared/moments.js';

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * When the pod became Ready, as the API server recorded it (the Ready condition's lastTransitionTime), ms.
 * The API keeps whole seconds, so this is the end of that second: never earlier than the moment itself,
 * at most a second later (the latency estimate then errs long, never short). Undefined when absent.
 */
export function readyAtMs(pod: V1Pod): number | undefined {
  const atMs = endOfSecondMs(pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime);
  return Number.isFinite(atMs) ? atMs : undefined;
}

function isFinished(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/**
 * True when actualState counts the pod (running, starting or stopping): its deletion from the API then
 * lowers the count, so when it was deleted is when a stop ended (podGone).
 */
export function holdsPlace(pod: V1Pod, nowMs: number): boolean {
  return pod.metadata?.deletionTimestamp ? !holdsNoContainer(pod) && !outlivedItsGrace(pod, nowMs) : !isFinished(pod);
}

/**
 * `goneAtMs` with `atMs`, the agent's clock when the watch reported the pod deleted from the API (its
 * containers ended and the kubelet confirmed: the moment it stops holding its place), when the pod as
 * last seen was counted (holdsPlace); else unchanged: a pod counted as nothing (finished, deleted while
 * stuck, or deleted while being created and past its grace) already left the count, and its deletion ends no stop. The recent ones are kept (withMoment).
 */
export function podGone(goneAtMs: readonly number[], lastSeen: V1Pod, atMs: number): readonly number[] {
  return holdsPlace(lastSeen, atMs) ? withMoment(goneAtMs, atMs) : goneAtMs;
}

/**
 * - running: ready pods, at most the declared replicas;
 * - starting: the rest of the declared replicas (pods not created yet, or not ready yet);
 * - stopping: pods being deleted, plus live pods beyond the declared replicas (about to be deleted).
 *   A pod being deleted holds its place until it is gone (its containers run out their grace period),
 *   except one that never got a container running: one stuck (a missing image, a command that cannot
 *   start) holds nothing, and one still being created holds nothing once its grace period is over
 *   (`nowMs`, the agent's clock, past its deletionTimestamp). A kubelet can take a minute to remove
 *   either, which would wedge the pool meanwhile.
 * - goneAtMs: when counted pods were deleted (podGone), as the engine kept them; runningAtMs: readyAtMs.
 */
export function actualState(
  declaredReplicas: number,
  pods: readonly V1Pod[],
  nowMs: number,
  goneAtMs: readonly number[] = [],
): ActualState {
  let live = 0;
  let ready = 0;
  let terminating = 0;
  const runningAtMs: number[] = [];
  for (const pod of pods) {
    if (!holdsPlace(pod, nowMs)) continue;
    if (pod.metadata?.deletionTimestamp) terminating++;
    else {
      live++;
      if (isReady(pod)) {
        ready++;
        const atMs = readyAtMs(pod);
        if (atMs !== undefined) runningAtMs.push(atMs);
      }
    }
  }
  const running = Math.min(ready, declaredReplicas);
  const problem = notReadyProblem(pods);
  return {
    running,
    starting: Math.max(0, declaredReplicas - running),
    stopping: terminating + Math.max(0, live - declaredReplicas),
    ...(problem ? { problem } : {}),
    ...(runningAtMs.length > 0 ? { runningAtMs: runningAtMs.sort((a, b) => a - b) } : {}),
    ...(goneAtMs.length > 0 ? { goneAtMs } : {}),
  };
}

/** Waiting reasons of a container that is on its way up: not a problem. */
const STARTING_REASONS = new Set(['ContainerCreating', 'PodInitializing']);

/**
 * True when the kubelet reports every container of the pod as waiting for a stuck reason (such as
 * ErrImageNeverPull or CrashLoopBackOff): none runs, none is on its way up. A pod it has not reported on
 * yet may be starting one, and one whose containers were running or just exited is still being torn
 * down (its sandbox too): those hold their place until the pod is gone.
 */
function holdsNoContainer(pod: V1Pod): boolean {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  if (statuses.length === 0 || statuses.length < (pod.spec?.containers.length ?? 0)) return false;
  return statuses.every((s) => s.state?.waiting?.reason !== undefined && !STARTING_REASONS.has(s.state.waiting.reason));
}

/**
 * True when a pod being deleted never had a container running (Pending, and the kubelet reports none
 * running or exited, now or before) and its grace period is over: the ReplicaSet deletes the pods still
 * being created first, and on the real node the kubelet took 40 s to remove three whose sandbox it was
 * creating (none ever ran) while the pre-empting service waited. A container the kubelet was still
 * starting when the deletion reached it is reported running once it runs, and then holds again.
 * deletionTimestamp is the end of the grace period, in the API's whole seconds: taken at the end of its second.
 */
function outlivedItsGrace(pod: V1Pod, nowMs: number): boolean {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const ran = statuses.some((s) => s.state?.running || s.state?.terminated || s.lastState?.running || s.lastState?.terminated);
  return pod.status?.phase === 'Pending' && !ran && nowMs > endOfSecondMs(pod.metadata?.deletionTimestamp);
}

/** The end of the whole second an API time names, ms (a Date, or the string the API sent); +Infinity when absent. */
function endOfSecondMs(time: unknown): number {
  const ms = time instanceof Date ? time.getTime() : typeof time === 'string' ? Date.parse(time) : Number.NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) * 1000 + 999 : Number.POSITIVE_INFINITY;
}

/** Why one live, not-Ready pod is stuck (the kubelet's or scheduler's reason and message), if it says. */
function stuckReason(pod: V1Pod): { reason: string; message: string } | undefined {
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled) return { reason: unscheduled.reason ?? 'Unschedulable', message: unscheduled.message ?? '' };
  for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && !STARTING_REASONS.has(waiting.reason)) {
      const last = status.lastState?.terminated;
      const exited = last
        ? `; last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}${last.message ? `: ${last.message.trim()}` : ''}`
        : '';
      return { reason: waiting.reason, message: `${waiting.message ?? ''}${exited}`.replace(/^; /, '') };
    }
    const terminated = status.state?.terminated;
    if (terminated && terminated.exitCode !== 0)
      return {
        reason: terminated.reason ?? 'Error',
        message: `exit code ${terminated.exitCode}${terminated.message ? `: ${terminated.message.trim()}` : ''}`,
      };
  }
  return undefined;
}

/**
 * One line on the live pods that are not Ready and say why (image missing, a command that fails,
 * unschedulable), grouped by reason with the first message of each; undefined when none is stuck.
 * Pods still being created are not stuck.
 */
export function notReadyProblem(pods: readonly V1Pod[]): string | undefined {
  const live = pods.filter((pod) => !pod.metadata?.deletionTimestamp && !isFinished(pod));
  const byReason = new Map<string, { count: number; message: string }>();
  for (const pod of live) {
    if (isReady(pod)) continue;
    const stuck = stuckReason(pod);
    if (!stuck) continue;
    const seen = byReason.get(stuck.reason);
    if (seen) seen.count++;
    else byReason.set(stuck.reason, { count: 1, message: stuck.message });
  }
  if (byReason.size === 0) return undefined;
  const stuckCount = [...byReason.values()].reduce((sum, r) => sum + r.count, 0);
  const reasons = [...byReason].map(
    ([reason, { count, message }]) => `${reason}${byReason.size > 1 ? ` x${count}` : ''}${message ? ` (${message})` : ''}`,
  );
  return `${stuckCount} of ${live.length} pods not Ready: ${reasons.join('; ')}`;
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
