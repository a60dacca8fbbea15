// How a Swarm service's tasks add up to an ActualState. Pure.
// running: desired running and running (Swarm holds a task in `starting` until its health check passes).
// starting: desired running, not yet running, plus replicas the orchestrator has not made tasks for.
// stopping: desired shutdown but not yet finished, plus live tasks above the replica count (a scale-down
// the orchestrator has not acted on yet): they hold their place in the pool until they are gone.
import type { ActualState } from '../../core/types.js';

export interface TaskInfo {
  readonly NodeID?: string;
  readonly DesiredState?: string;
  readonly Status?: { readonly State?: string };
}

const PENDING = new Set(['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);

export function swarmState(replicas: number, tasks: readonly TaskInfo[]): ActualState {
  let running = 0;
  let starting = 0;
  let stopping = 0;
  const nodes: Record<string, number> = {};
  for (const task of tasks) {
    const state = task.Status?.State ?? '';
    const alive = state === 'running' || PENDING.has(state);
    if (!alive) continue;
    if (task.DesiredState === 'running') {
      if (state === 'running') running++;
      else starting++;
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
  return total > 0 && Object.keys(nodes).length > 0 ? { running, starting, stopping, nodes } : { running, starting, stopping };
}
