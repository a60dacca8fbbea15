// The arbiter: who gets the pool. Pure: (services with desired and actual counts, capacity) → plan.
//
// 1. Allocation (where each service should end up): every service is held at its min; then services
//    with a count target, highest priority (lowest number) first, take what they want up to their max;
//    then `remainder` services, again by priority, fill what is left. Services at the same priority
//    share fairly (max-min), ties broken by name, so the same input always gives the same plan.
// 2. Transition (what to do now): a service above its allocation stops down to it at once; a service
//    below it may start only into room that is free now. Containers starting or stopping occupy the
//    pool, so a plan stops before it starts and never overcommits: an urgent service waits for what it
//    pre-empts to finish stopping.
// 3. Hand-off (what to do as room appears): each start that waits for room is handed to the engine as a
//    prepared start (PlanEntry.prepare) with the number of pool exits it must wait for, in the order of
//    the allocation. An engine that prepares (creates the container now) starts it on the exit event
//    itself, one start per exit past the pool's overcommit, so the pool never holds more than before the
//    exit: room is used the moment it appears, not at the next tick, and capacity is never exceeded.
import { arbitrateResources } from './resource-arbiter.js';
import type { ArbiterService, Capacity, Plan, PlanEntry } from './types.js';

interface Group {
  readonly remainder: boolean;
  readonly priority: number;
  readonly members: readonly ArbiterService[];
}

function wantOf(service: ArbiterService): number {
  const wanted = service.desired.kind === 'remainder' ? service.max : service.desired.count;
  return Math.min(service.max, Math.max(service.min, wanted));
}

function liveOf(service: ArbiterService): number {
  return service.actual.running + service.actual.starting;
}

function groupsInOrder(services: readonly ArbiterService[]): Group[] {
  // By priority, count targets and remainder services apart (no key string per service).
  const counted = new Map<number, ArbiterService[]>();
  const remainder = new Map<number, ArbiterService[]>();
  for (const service of services) {
    const byPriority = service.desired.kind === 'remainder' ? remainder : counted;
    const list = byPriority.get(service.priority);
    if (list) list.push(service);
    else byPriority.set(service.priority, [service]);
  }
  return [...counted.values(), ...remainder.values()]
    .map((members) => ({
      remainder: members[0]?.desired.kind === 'remainder',
      priority: members[0]?.priority ?? 0,
      members: [...members].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    }))
    .sort((a, b) => Number(a.remainder) - Number(b.remainder) || a.priority - b.priority);
}

/**
 * Max-min fair division of `available` units among `needs` (each gets at most its need).
 * Returns the grants in the same order as `needs`. Deterministic: ties go to the earlier entry.
 */
export function shareFairly(needs: readonly number[], available: number): number[] {
  // Find the water level: the share at which the needs below it are met in full and the rest are equal.
  const sorted = [...needs].sort((a, b) => a - b);
  let remaining = Math.max(0, available);
  let level = Number.POSITIVE_INFINITY;
  for (let i = 0; i < sorted.length; i++) {
    const need = sorted[i] ?? 0;
    const share = remaining / (sorted.length - i);
    if (need > share) {
      level = share;
      break;
    }
    remaining -= need;
  }
  const grants = needs.map((need) => Math.min(need, Math.floor(level)));
  let leftover = Math.max(0, available) - grants.reduce((sum, g) => sum + g, 0);
  for (let index = 0; index < needs.length && leftover > 0; index++) {
    if ((grants[index] ?? 0) < (needs[index] ?? 0)) {
      grants[index] = (grants[index] ?? 0) + 1;
      leftover--;
    }
  }
  return grants;
}

/** Each group's allocation, member by member (in the group's order). */
function allocate(groups: readonly Group[], capacity: number): number[][] {
  let left = capacity;
  // Mins first, highest priority first, so that if mins alone overcommit the pool the urgent ones win.
  const allocation = groups.map((group) =>
    group.members.map((service) => {
      const granted = Math.max(0, Math.min(service.min, left));
      left -= granted;
      return granted;
    }),
  );
  groups.forEach((group, g) => {
    const allocated = allocation[g] ?? [];
    const needs = group.members.map((s, i) => Math.max(0, wantOf(s) - (allocated[i] ?? 0)));
    const grants = shareFairly(needs, left);
    grants.forEach((grant, i) => {
      allocated[i] = (allocated[i] ?? 0) + grant;
      left -= grant;
    });
  });
  return allocation;
}

function describe(service: ArbiterService, allocation: number, target: number, capacity: number): string {
  const live = liveOf(service);
  const want = wantOf(service);
  const wanted = service.desired.kind === 'remainder' ? `the rest of the pool (max ${service.max})` : `${want}`;
  if (target > live) return `start ${target - live}: wants ${wanted}, pool of ${capacity} has room`;
  if (target < live) {
    if (allocation < want) return `stop ${live - target}: pre-empted, the pool of ${capacity} goes to higher priorities`;
    return `stop ${live - target}: wants ${wanted}`;
  }
  if (allocation > live) {
    const stopping = service.actual.stopping;
    return (
      `waiting to start ${allocation - live}: the pool of ${capacity} is full until stopping ` +
      `containers exit${stopping ? ` (${stopping} of its own)` : ''}; prepared, they start as they exit`
    );
  }
  return allocation < want ? `holding ${live}: pool of ${capacity} is fully used` : `holding ${live}`;
}

/** A pool in resources goes to resource-arbiter.ts; a number of containers is divided here. */
export function arbitrate(services: readonly ArbiterService[], capacity: Capacity): Plan {
  if (typeof capacity !== 'number') return arbitrateResources(services, capacity);
  const groups = groupsInOrder(services);
  const allocation = allocate(groups, capacity);

  const occupied = services.reduce((sum, s) => sum + liveOf(s) + s.actual.stopping, 0);
  let free = capacity - occupied;
  const targets = groups.map((group, g) => {
    const allocated = allocation[g] ?? [];
    const needs = group.members.map((s, i) => Math.max(0, (allocated[i] ?? 0) - liveOf(s)));
    const grants = shareFairly(needs, free);
    return group.members.map((s, i) => {
      const live = liveOf(s);
      const alloc = allocated[i] ?? 0;
      const grant = grants[i] ?? 0;
      free -= grant;
      return alloc < live ? alloc : live + grant;
    });
  });

  // `free` is now capacity minus what the pool holds after the plan (stops only move live to stopping).
  // Below zero (the pool shrank), that many exits free nothing.
  let promised = Math.max(0, -free);
  const entries: PlanEntry[] = groups.flatMap((group, g) =>
    group.members.map((s, i) => {
      const alloc = allocation[g]?.[i] ?? 0;
      const target = targets[g]?.[i] ?? liveOf(s);
      const waiting = Math.max(0, alloc - target);
      const current = liveOf(s);
      const reason = describe(s, alloc, target, capacity);
      if (waiting === 0) return { name: s.name, priority: s.priority, allocation: alloc, replicas: target, current, reason };
      const prepare = { count: waiting, afterExits: promised };
      promised += waiting;
      return { name: s.name, priority: s.priority, allocation: alloc, replicas: target, current, prepare, reason };
    }),
  );
  return { capacity, entries };
}
