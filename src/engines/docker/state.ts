// How a pool's containers add up to each service's ActualState. Pure.
// running: running, and healthy when the image has a health check. starting: created, restarting, not
// yet healthy, or a start still queued. stopping: asked to stop, exited or dead but not yet removed:
// they still hold their place in the pool until they are gone.
import type { ActualState } from '../../core/types.js';
import type { ContainerEntry } from './cache.js';

export type Phase = 'running' | 'starting' | 'stopping';

export function phaseOf(entry: ContainerEntry, stopRequested: boolean): Phase {
  if (stopRequested) return 'stopping';
  switch (entry.state) {
    case 'running':
    case 'paused':
      return entry.health === 'none' || entry.health === 'healthy' ? 'running' : 'starting';
    case 'created':
    case 'restarting':
      return 'starting';
    default: // exited, dead, removing
      return 'stopping';
  }
}

export function actualStates(
  services: readonly string[],
  entries: Iterable<ContainerEntry>,
  isStopping: (id: string) => boolean,
  pendingStarts: (service: string) => number,
  node: string,
): Map<string, ActualState> {
  const counts = new Map(services.map((s) => [s, { running: 0, starting: pendingStarts(s), stopping: 0 }]));
  for (const entry of entries) {
    const count = counts.get(entry.service);
    if (count) count[phaseOf(entry, isStopping(entry.id))]++;
  }
  return new Map(
    [...counts].map(([service, c]) => {
      const total = c.running + c.starting + c.stopping;
      return [service, total > 0 ? { ...c, nodes: { [node]: total } } : c];
    }),
  );
}

/** Which containers to stop first when scaling down: not yet running, then the newest. */
export function stopOrder(entries: readonly ContainerEntry[]): ContainerEntry[] {
  const rank = (e: ContainerEntry): number => (phaseOf(e, false) === 'starting' ? 0 : 1);
  return [...entries].sort((a, b) => rank(a) - rank(b) || b.createdMs - a.createdMs);
}
