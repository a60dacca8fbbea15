// How a pool's containers add up to each service's ActualState. Pure.
// running: running, and healthy when the image has a health check. starting: created, restarting, not
// yet healthy, or a start still queued. stopping: asked to stop and not yet exited: it holds its place.
// exited: exited, dead or being removed: it holds no place any more, whether or not it has been removed
// (removal goes on in the background). prepared: created ahead of its start (LABEL.prepared) and not yet
// started: it holds no place either, and is counted apart (ActualState.prepared).
import type { ActualState } from '../../core/types.js';
import type { ContainerEntry } from './cache.js';

export type Phase = 'running' | 'starting' | 'stopping' | 'exited' | 'prepared';

/** `startRequested`: a prepared container whose start has been asked for (it holds a place from then on). */
export function phaseOf(entry: ContainerEntry, stopRequested: boolean, startRequested = false): Phase {
  if (entry.state === 'exited' || entry.state === 'dead' || entry.state === 'removing') return 'exited';
  if (entry.prepared && entry.state === 'created' && !startRequested && !stopRequested) return 'prepared';
  if (stopRequested) return 'stopping';
  switch (entry.state) {
    case 'running':
    case 'paused':
      return entry.health === 'none' || entry.health === 'healthy' ? 'running' : 'starting';
    case 'created':
    case 'restarting':
      return 'starting';
    default: // a state this code does not know: counted as holding its place, to be safe
      return 'stopping';
  }
}

export function actualStates(
  services: readonly string[],
  entries: Iterable<ContainerEntry>,
  isStopping: (id: string) => boolean,
  pendingStarts: (service: string) => number,
  node: string,
  isStartRequested: (id: string) => boolean = () => false,
  preparedToCreate: (service: string) => number = () => 0,
): Map<string, ActualState> {
  const counts = new Map(
    services.map((s) => [s, { running: 0, starting: pendingStarts(s), stopping: 0, exited: 0, prepared: preparedToCreate(s) }]),
  );
  for (const entry of entries) {
    const count = counts.get(entry.service);
    if (count) count[phaseOf(entry, isStopping(entry.id), isStartRequested(entry.id))]++;
  }
  return new Map(
    [...counts].map(([service, { exited: _exited, prepared, ...c }]) => {
      const total = c.running + c.starting + c.stopping;
      return [service, { ...c, ...(total > 0 ? { nodes: { [node]: total } } : {}), ...(prepared > 0 ? { prepared } : {}) }];
    }),
  );
}

/** Which containers to stop first when scaling down: not yet running, then the newest. */
export function stopOrder(entries: readonly ContainerEntry[], isStartRequested: (id: string) => boolean = () => false): ContainerEntry[] {
  const rank = (e: ContainerEntry): number => (phaseOf(e, false, isStartRequested(e.id)) === 'starting' ? 0 : 1);
  return [...entries].sort((a, b) => rank(a) - rank(b) || b.createdMs - a.createdMs);
}
