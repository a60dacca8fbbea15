// The arbiter for a pool in resources (`capacity: {cpu: "8", memory: 16Gi}`): the same two steps as
// arbiter.ts, with every container counted by its size in every resource at once.
//
// 1. Allocation: every service held at its min (by priority, as far as they fit); then count targets by
//    priority, then `remainder` services, each taking what fits of what is left. A P1 container of 2 CPU
//    so displaces as many 0.5-CPU P2 containers as it needs, and no more. Within one priority the
//    services share by dominant resource fairness (DRF, the rule of YARN and Mesos): the next container
//    goes to the service whose share of its scarcest resource is smallest, ties to the first by name.
// 2. Transition: above its allocation a service stops down to it at once; below it, it starts only into
//    resources that are free now in every dimension (stopping containers still hold theirs), so a plan
//    never takes the pool over any resource.
import type { ArbiterService, Plan, PlanEntry, PoolUsage } from './types.js';
import { formatAmount, formatResources, type Resources } from './resources.js';

export interface Member {
  readonly service: ArbiterService;
  /** The size in the pool's resources, in the order of `names`. */
  readonly size: readonly number[];
  /** Share of the whole pool that one container takes in its scarcest resource (DRF's dominant share). */
  readonly weight: number;
  /** No size in some resource of the pool: held where it is, nothing started for it, counted as taking nothing. */
  readonly unsized?: boolean;
}

interface Group {
  readonly remainder: boolean;
  readonly priority: number;
  readonly members: readonly Member[];
}

const liveOf = (s: ArbiterService): number => s.actual.running + s.actual.starting;

function wantOf(s: ArbiterService): number {
  const wanted = s.desired.kind === 'remainder' ? s.max : s.desired.count;
  return Math.min(s.max, Math.max(s.min, wanted));
}

/** How many containers of `size` fit into `free`. */
function fitCount(size: readonly number[], free: readonly number[]): number {
  let count = Number.POSITIVE_INFINITY;
  for (let d = 0; d < size.length; d++) count = Math.min(count, Math.floor((free[d] ?? 0) / (size[d] ?? 1)));
  return Math.max(0, count);
}

function take(free: number[], size: readonly number[], count: number): void {
  for (let d = 0; d < size.length; d++) free[d] = (free[d] ?? 0) - (size[d] ?? 0) * count;
}

const add = (sum: number[], size: readonly number[], count: number): void => take(sum, size, -count);

/** A binary heap of member indexes by (key, index): the member next in line for a container. */
class FairQueue {
  private readonly heap: number[] = [];
  constructor(private readonly keys: Float64Array) {}
  private less(a: number, b: number): boolean {
    const ka = this.keys[a] ?? 0;
    const kb = this.keys[b] ?? 0;
    return ka < kb || (ka === kb && a < b);
  }
  push(index: number): void {
    const heap = this.heap;
    let at = heap.length;
    heap.push(index);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const above = heap[parent] ?? 0;
      if (!this.less(index, above)) break;
      heap[at] = above;
      at = parent;
    }
    heap[at] = index;
  }
  pop(): number | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && this.less(heap[right] ?? 0, heap[left] ?? 0) ? right : left;
      const below = heap[child] ?? 0;
      if (!this.less(below, last)) break;
      heap[at] = below;
      at = child;
    }
    heap[at] = last;
    return top;
  }
}

/** A member's dominant share after `count` containers: the queue's key (0 for none, even at an infinite weight). */
const shareOf = (count: number, weight: number): number => (count === 0 ? 0 : count * weight);

/** How many containers a member has when everything below the share `level` is granted: #{g >= 0 : share(g) < level}, at most `need`. */
function countBelow(level: number, weight: number, need: number): number {
  if (level <= 0) return 0;
  let count = Math.min(need, Number.isFinite(weight) ? Math.max(1, Math.ceil(level / weight)) : 1);
  // Settle float rounding with the very product the queue compares.
  while (count > 0 && shareOf(count - 1, weight) >= level) count--;
  while (count < need && shareOf(count, weight) < level) count++;
  return count;
}

function fitsAll(members: readonly Member[], counts: readonly number[], free: readonly number[]): boolean {
  for (let d = 0; d < free.length; d++) {
    let used = 0;
    for (let i = 0; i < members.length; i++) used += (counts[i] ?? 0) * (members[i]?.size[d] ?? 0);
    if (used > (free[d] ?? 0)) return false;
  }
  return true;
}

/**
 * Grants containers to members (at most each one's need) out of `free`, and takes them from `free`:
 * progressive filling, one container at a time to the member with the smallest dominant share so far
 * (ties to the earlier member); a member whose next container does not fit is done, as `free` only
 * shrinks. The same grants, faster: when every need fits they are granted at once; otherwise the share
 * level up to which everything fits is found by bisection and granted in one step (the one-at-a-time
 * process passes exactly through that state), and only the rest goes one container at a time.
 */
export function fillFairly(members: readonly Member[], needs: readonly number[], free: number[]): number[] {
  const n = members.length;
  let grants = needs.map((need) => Math.max(0, need));
  if (fitsAll(members, grants, free)) {
    members.forEach((m, i) => take(free, m.size, grants[i] ?? 0));
    return grants;
  }
  if (n === 1) {
    const member = members[0];
    grants = [member ? Math.min(needs[0] ?? 0, fitCount(member.size, free)) : 0];
    if (member) take(free, member.size, grants[0] ?? 0);
    return grants;
  }
  // Bisection on the share level; 30 halvings leave at most about one container per member to the queue.
  let low = 0;
  let high = Math.max(...members.map((m, i) => shareOf(needs[i] ?? 0, m.weight)));
  if (!Number.isFinite(high)) high = Number.MAX_VALUE;
  const counts = new Array<number>(n).fill(0);
  const at = (level: number): number[] => {
    for (let i = 0; i < n; i++) counts[i] = countBelow(level, members[i]?.weight ?? 0, needs[i] ?? 0);
    return counts;
  };
  for (let round = 0; round < 30 && high > low; round++) {
    const middle = low + (high - low) / 2;
    if (fitsAll(members, at(middle), free)) low = middle;
    else high = middle;
  }
  grants = [...at(low)];
  members.forEach((m, i) => take(free, m.size, grants[i] ?? 0));
  const keys = Float64Array.from(members, (m, i) => shareOf(grants[i] ?? 0, m.weight));
  const queue = new FairQueue(keys);
  for (let i = 0; i < n; i++) if ((grants[i] ?? 0) < (needs[i] ?? 0)) queue.push(i);
  for (let i = queue.pop(); i !== undefined; i = queue.pop()) {
    const member = members[i];
    if (!member || fitCount(member.size, free) < 1) continue;
    take(free, member.size, 1);
    const granted = (grants[i] ?? 0) + 1;
    grants[i] = granted;
    keys[i] = shareOf(granted, member.weight);
    if (granted < (needs[i] ?? 0)) queue.push(i);
  }
  return grants;
}

function groupsOf(services: readonly ArbiterService[], names: readonly string[], capacity: Resources): Group[] {
  const byKey = new Map<string, Member[]>();
  for (const service of services) {
    const unsized = names.some((name) => !((service.size?.[name] ?? 0) > 0));
    const size = names.map((name) => (unsized ? 0 : (service.size?.[name] ?? 0)));
    const weight = unsized
      ? 0
      : Math.max(
          ...size.map((amount, d) => {
            const total = capacity[names[d] ?? ''] ?? 0;
            return total > 0 ? amount / total : Number.POSITIVE_INFINITY;
          }),
        );
    const key = `${service.desired.kind === 'remainder' ? 1 : 0}:${service.priority}`;
    const list = byKey.get(key) ?? [];
    list.push(unsized ? { service, size, weight, unsized } : { service, size, weight });
    byKey.set(key, list);
  }
  return [...byKey.values()]
    .map((members) => ({
      remainder: members[0]?.service.desired.kind === 'remainder',
      priority: members[0]?.service.priority ?? 0,
      members: [...members].sort((a, b) => (a.service.name < b.service.name ? -1 : a.service.name > b.service.name ? 1 : 0)),
    }))
    .sort((a, b) => Number(a.remainder) - Number(b.remainder) || a.priority - b.priority);
}

function allocate(groups: readonly Group[], total: readonly number[]): Map<string, number> {
  const allocation = new Map<string, number>();
  const left = [...total];
  for (const group of groups) {
    for (const member of group.members) {
      const granted = member.unsized ? liveOf(member.service) : Math.min(member.service.min, fitCount(member.size, left));
      take(left, member.size, granted);
      allocation.set(member.service.name, granted);
    }
  }
  for (const group of groups) {
    const needs = group.members.map((m) => (m.unsized ? 0 : Math.max(0, wantOf(m.service) - (allocation.get(m.service.name) ?? 0))));
    const grants = fillFairly(group.members, needs, left);
    group.members.forEach((m, i) => allocation.set(m.service.name, (allocation.get(m.service.name) ?? 0) + (grants[i] ?? 0)));
  }
  return allocation;
}

/** The resources that keep one more container of `size` out of `free`, for the reasons. */
function short(size: readonly number[], free: readonly number[], names: readonly string[]): string {
  const lacking = names.filter((_, d) => (free[d] ?? 0) < (size[d] ?? 0));
  return lacking.length > 0 ? lacking.join(' and ') : 'room';
}

function describe(member: Member, allocation: number, target: number, free: readonly number[], names: readonly string[]): string {
  const s = member.service;
  const live = liveOf(s);
  const want = wantOf(s);
  const each = (): string => names.map((name, d) => `${formatAmount(name, member.size[d] ?? 0)} ${name}`).join(', ');
  const wanted = s.desired.kind === 'remainder' ? 'the rest of the pool' : `${want}`;
  if (member.unsized)
    return `holding ${live}: what one container takes in ${names.join(' and ')} is not known yet, so nothing is started for it`;
  if (target > live) return `start ${target - live} (${each()} each): wants ${wanted}, the pool has room`;
  if (target < live) {
    if (allocation < want) return `stop ${live - target}: pre-empted, the pool's resources go to higher priorities`;
    return `stop ${live - target}: wants ${wanted}`;
  }
  if (allocation > live) {
    const stopping = s.actual.stopping;
    return (
      `waiting to start ${allocation - live}: the pool's ${short(member.size, free, names)} is ` +
      `taken until stopping containers are gone${stopping ? ` (${stopping} of its own)` : ''}`
    );
  }
  return allocation < want
    ? `holding ${live}: the pool has no ${short(member.size, free, names)} left for ${each()} more`
    : `holding ${live}`;
}

/**
 * The arbiter on a pool in resources. Every service should carry a size in every resource of the pool;
 * one that does not (a workload whose requests were never read) is held where it is and never grown.
 */
export function arbitrateResources(services: readonly ArbiterService[], capacity: Resources): Plan {
  const names = Object.keys(capacity).sort();
  const total = names.map((name) => capacity[name] ?? 0);
  const groups = groupsOf(services, names, capacity);
  const allocation = allocate(groups, total);

  const free = [...total];
  for (const group of groups) for (const m of group.members) take(free, m.size, liveOf(m.service) + m.service.actual.stopping);
  const targets = new Map<string, number>();
  for (const group of groups) {
    const needs = group.members.map((m) => Math.max(0, (allocation.get(m.service.name) ?? 0) - liveOf(m.service)));
    const grants = fillFairly(group.members, needs, free);
    group.members.forEach((m, i) => {
      const live = liveOf(m.service);
      const alloc = allocation.get(m.service.name) ?? 0;
      targets.set(m.service.name, alloc < live ? alloc : live + (grants[i] ?? 0));
    });
  }

  const usage = { allocated: [...total].fill(0), planned: [...total].fill(0), used: [...total].fill(0) };
  const entries: PlanEntry[] = groups.flatMap((group) =>
    group.members.map((m) => {
      const alloc = allocation.get(m.service.name) ?? 0;
      const target = targets.get(m.service.name) ?? liveOf(m.service);
      add(usage.allocated, m.size, alloc);
      add(usage.planned, m.size, Math.max(target, liveOf(m.service)) + m.service.actual.stopping);
      add(usage.used, m.size, liveOf(m.service) + m.service.actual.stopping);
      return {
        name: m.service.name,
        priority: m.service.priority,
        allocation: alloc,
        replicas: target,
        current: liveOf(m.service),
        reason: describe(m, alloc, target, free, names),
      };
    }),
  );
  const byName = (vector: readonly number[]): Resources => Object.fromEntries(names.map((name, d) => [name, vector[d] ?? 0]));
  const resources: PoolUsage = {
    capacity: byName(total),
    used: byName(usage.used),
    allocated: byName(usage.allocated),
    planned: byName(usage.planned),
  };
  // In containers, the pool holds what it allocates at the current sizes.
  return { capacity: entries.reduce((sum, e) => sum + e.allocation, 0), entries, resources };
}

/** "cpu 8, memory 16Gi": a pool for messages. */
export const describePool = (capacity: Resources): string => formatResources(capacity, Object.keys(capacity).sort());
