// How a Swarm service's tasks add up to an ActualState. Pure.
// running: desired running and running (Swarm holds a task in `starting` until its health check passes).
// starting: desired running, not yet running, plus replicas the orchestrator has not made tasks for.
// stopping: desired shutdown but not yet finished, plus live tasks above the replica count (a scale-down
// the orchestrator has not acted on yet): they hold their place in the pool until they are gone.
// The moments (for the latency estimate, core/latency.ts): a task's Status.Timestamp is when it entered
// its current state, on the manager's clock. A running task desired running gives when it became
// running (runningAtMs); a task told to stop that is now shutdown / complete / failed gives when it was
// gone (goneAtMs). Swarm removes a scaled-down task soon after it ends (under a second here), so a stop
// no read saw ended has no moment and is timed to the read, as is any task with no or a bad timestamp.
import type { ActualState } from '../../core/types.js';

export interface TaskInfo {
  readonly NodeID?: string;
  readonly DesiredState?: string;
  readonly Status?: { readonly State?: string; readonly Timestamp?: string };
}

const PENDING = new Set(['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);
const ENDED = new Set(['shutdown', 'complete', 'failed']);

/** A task's Status.Timestamp in ms, or undefined when absent or not a time after 1970 (Go's zero time is year 1). */
export function taskMomentMs(task: TaskInfo): number | undefined {
  const text = task.Status?.Timestamp;
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

export function swarmState(replicas: number, tasks: readonly TaskInfo[]): ActualState {
  let running = 0;
  let starting = 0;
  let stopping = 0;
  const nodes: Record<string, number> = {};
  const runningAtMs: number[] = [];
  const goneAtMs: number[] = [];
  for (const task of tasks) {
    const state = task.Status?.State ?? '';
    const alive = state === 'running' || PENDING.has(state);
    if (!alive) {
      const atMs = task.DesiredState !== 'running' && ENDED.has(state) ? taskMomentMs(task) : undefined;
      if (atMs !== undefined) goneAtMs.push(atMs);
      continue;
    }
    if (task.DesiredState === 'running') {
      if (state === 'running') {
        running++;
        const atMs = taskMomentMs(task);
        if (atMs !== undefined) runningAtMs.push(atMs);
      } else starting++;
    } else stopping++;
    const node = (task.NodeID ?? 'unknown').slice(0, 12);
    nodes[node] = (nodes[node] ?? 0) + 1;
  }
  starting += Math.max(0, replicas - running - starting);
  let excess = running + starting - replicas;
  const fromStarting = Math.min(Math.max(excess, 0), starting);
  starting -= fromStarting;
  excess -= fromStarting;
  const fromRunning = Math.max(excess, 0);
  running -= fromRunning;
  stopping += fromStarting + fromRunning;
  const total = running + starting + stopping;
  return {
    running,
    starting,
    stopping,
    ...(total > 0 && Object.keys(nodes).length > 0 ? { nodes } : {}),
    ...(runningAtMs.length > 0 ? { runningAtMs: runningAtMs.sort((a, b) => a - b) } : {}),
    ...(goneAtMs.length > 0 ? { goneAtMs: goneAtMs.sort((a, b) => a - b) } : {}),
  };
}
