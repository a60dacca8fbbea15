// The labels that mark what microscale owns on a Docker Engine (containers) or in a Swarm (services).
// microscale only ever lists, stops or removes things carrying all of `managed` and its own `pool`, so
// two agents with different pools can share one daemon without fighting.
export const LABEL = {
  managed: 'io.microscale.managed',
  service: 'io.microscale.service',
  pool: 'io.microscale.pool',
  /**
   * 'true' on a container created ahead of its start (a start that waits for room, prepared.ts). While
   * it is `created` it holds no place in the pool and belongs to the agent that made it: another agent
   * (or the same one restarted) must not start it, only remove it. Once started it is like any other.
   */
  prepared: 'io.microscale.prepared',
} as const;

export function ownedLabels(pool: string, service: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.pool]: pool, [LABEL.service]: service };
}

/** Label filters for list and events calls: everything of this pool (the daemon ANDs label filters). */
export function poolFilter(pool: string): string[] {
  return [`${LABEL.managed}=true`, `${LABEL.pool}=${pool}`];
}
