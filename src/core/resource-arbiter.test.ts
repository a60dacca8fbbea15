import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { arbitrate } from './arbiter.js';
import { fillFairly, type Member } from './resource-arbiter.js';
import type { Resources } from './resources.js';
import type { ArbiterService, Plan } from './types.js';
import { arbitraryServices, entryOf, itHoldsWhateverThePool, service as sized } from './testing/arbiter.js';

const GI = 2 ** 30;
const service = (
  name: string,
  priority: number,
  desired: number | 'remainder',
  size: Resources,
  running = 0,
  extra: Partial<ArbiterService> = {},
): ArbiterService => sized(name, priority, desired, running, { max: 1000, size, ...extra });

describe('arbiter on a pool in resources', () => {
  const pool = { cpu: 8000, memory: 16 * GI };
  const big = { cpu: 2000, memory: 1 * GI };
  const small = { cpu: 500, memory: 1 * GI };

  it('gives P1 its 2-CPU containers and the 0.5-CPU remainder service what is left', () => {
    const plan = arbitrate([service('p1', 1, 2, big), service('p2', 2, 'remainder', small)], pool);
    assert.equal(entryOf(plan, 'p1')?.replicas, 2);
    assert.equal(entryOf(plan, 'p2')?.replicas, 8, '4 CPU left = 8 containers of 0.5 CPU');
    assert.deepEqual(plan.resources?.planned, { cpu: 8000, memory: 10 * GI });
  });

  it('pre-empts as many 0.5-CPU P2 containers as one more 2-CPU P1 container needs, and no more', () => {
    // P1 runs 2 (4 CPU), P2 fills the rest with 8 (4 CPU). P1 wants 3: it needs 2 more CPU = 4 P2 containers.
    const full = arbitrate([service('p1', 1, 3, big, 2), service('p2', 2, 'remainder', small, 8)], pool);
    assert.equal(entryOf(full, 'p2')?.replicas, 4, 'p2 stops exactly 4');
    assert.equal(entryOf(full, 'p1')?.replicas, 2, 'p1 waits: the stopping containers still hold their CPU');
    assert.match(entryOf(full, 'p2')?.reason ?? '', /pre-empted/);
    const stopping = arbitrate(
      [service('p1', 1, 3, big, 2), service('p2', 2, 'remainder', small, 4, { actual: { running: 4, starting: 0, stopping: 4 } })],
      pool,
    );
    assert.equal(entryOf(stopping, 'p1')?.replicas, 2);
    assert.match(entryOf(stopping, 'p1')?.reason ?? '', /waiting to start 1: the pool's cpu is taken/);
    const gone = arbitrate([service('p1', 1, 3, big, 2), service('p2', 2, 'remainder', small, 4)], pool);
    assert.equal(entryOf(gone, 'p1')?.replicas, 3);
    assert.equal(entryOf(gone, 'p2')?.replicas, 4);
  });

  it('is bound by whichever resource runs out first', () => {
    // 16 containers of 0.25 CPU fit the CPU, but at 2Gi each only 8 fit the memory.
    const plan = arbitrate([service('memory-hungry', 1, 'remainder', { cpu: 250, memory: 2 * GI })], pool);
    assert.equal(entryOf(plan, 'memory-hungry')?.allocation, 8);
  });

  it('lets a small lower-priority container use what a big higher-priority one cannot', () => {
    // 7 CPU for P1's 2-CPU containers: 3 fit, 1 CPU is left, which two 0.5-CPU P2 containers use.
    const plan = arbitrate([service('p1', 1, 10, big), service('p2', 2, 'remainder', small)], { cpu: 7000, memory: 16 * GI });
    assert.equal(entryOf(plan, 'p1')?.allocation, 3);
    assert.equal(entryOf(plan, 'p2')?.allocation, 2);
  });

  it('shares one priority by dominant resource: a CPU-heavy and a memory-heavy service get equal shares of their scarce resource', () => {
    const plan = arbitrate(
      [service('cpu-heavy', 1, 100, { cpu: 1000, memory: GI / 4 }), service('mem-heavy', 1, 100, { cpu: 125, memory: 2 * GI })],
      pool,
    );
    // DRF: each container takes 1/8 of its scarce resource, so they alternate: 7 each (7/8 of the CPU for
    // one, 7/8 of the memory for the other) until the next 1-CPU container no longer fits (7.875 CPU used).
    assert.equal(entryOf(plan, 'cpu-heavy')?.allocation, 7);
    assert.equal(entryOf(plan, 'mem-heavy')?.allocation, 7);
    assert.deepEqual(plan.resources?.allocated, { cpu: 7875, memory: 15.75 * GI });
  });
});

const RESOURCES = ['cpu', 'memory'] as const;
const arbitrarySize = fc.record({
  cpu: fc.integer({ min: 1, max: 8 }).map((n) => n * 250),
  memory: fc.integer({ min: 1, max: 8 }).map((n) => n * 512),
});
const arbitraryPool = fc.record({ cpu: fc.integer({ min: 250, max: 16_000 }), memory: fc.integer({ min: 512, max: 32_768 }) });
const anyServices = arbitraryServices(arbitrarySize);

/** Σ count(s) × size(s), in one resource. */
const total = (services: readonly ArbiterService[], resource: string, count: (s: ArbiterService) => number): number =>
  services.reduce((sum, s) => sum + count(s) * (s.size?.[resource] ?? 0), 0);
const wantOf = (s: ArbiterService): number => Math.min(s.max, Math.max(s.min, s.desired.kind === 'remainder' ? s.max : s.desired.count));
const fitsOneMore = (s: ArbiterService, free: Readonly<Record<string, number>>): boolean =>
  RESOURCES.every((r) => (s.size?.[r] ?? 0) <= (free[r] ?? 0));
const allocation = (plan: Plan, s: ArbiterService): number => entryOf(plan, s.name)?.allocation ?? 0;
const minsFit = (services: readonly ArbiterService[], pool: Resources): boolean =>
  RESOURCES.every((r) => total(services, r, (s) => s.min) <= (pool[r] ?? 0));
/** Orders services as the arbiter serves them: count targets by priority, then remainder services by priority. */
const rank = (s: ArbiterService): number => (s.desired.kind === 'remainder' ? 100 : 0) + s.priority;

describe('arbiter on a pool in resources: properties', () => {
  itHoldsWhateverThePool({
    services: anyServices,
    pool: arbitraryPool,
    minsFit,
    heldFits: (services, pool) =>
      RESOURCES.every((r) => total(services, r, (s) => s.actual.running + s.actual.starting + s.actual.stopping) <= (pool[r] ?? 0)),
  });

  it('never plans past the pool in any resource: starts only into what is free now', () => {
    fc.assert(
      fc.property(anyServices, arbitraryPool, (services, pool) => {
        const plan = arbitrate(services, pool);
        for (const r of RESOURCES) {
          const before = total(services, r, (s) => s.actual.running + s.actual.starting + s.actual.stopping);
          const after = total(
            services,
            r,
            (s) => s.actual.stopping + Math.max(entryOf(plan, s.name)?.replicas ?? 0, s.actual.running + s.actual.starting),
          );
          assert.ok(after <= Math.max(pool[r], before), `${r}: ${after} taken after the plan, pool ${pool[r]} (was ${before})`);
          assert.ok(total(services, r, (s) => allocation(plan, s)) <= pool[r], `${r}: allocations exceed the pool`);
          assert.equal(plan.resources?.planned[r], after);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('respects priorities: a service short of its want could not get one more container by taking from lower priorities', () => {
    fc.assert(
      fc.property(anyServices, arbitraryPool, (services, pool) => {
        fc.pre(minsFit(services, pool));
        const plan = arbitrate(services, pool);
        for (const s of services.filter((x) => allocation(plan, x) < wantOf(x))) {
          // Give every service served after s only its min: the pool left must still not fit one more of s.
          const free = Object.fromEntries(
            RESOURCES.map((r) => [r, pool[r] - total(services, r, (x) => (rank(x) <= rank(s) ? allocation(plan, x) : x.min))]),
          );
          assert.ok(
            !fitsOneMore(s, free),
            `${s.name} (P${s.priority}) is short of ${wantOf(s)} at ${allocation(plan, s)}, yet lower priorities hold room for one more`,
          );
        }
      }),
      { numRuns: 500 },
    );
  });

  it('fills what is left: no service below its want could take one more container from what is unallocated', () => {
    fc.assert(
      fc.property(anyServices, arbitraryPool, (services, pool) => {
        fc.pre(minsFit(services, pool));
        const plan = arbitrate(services, pool);
        const free = Object.fromEntries(RESOURCES.map((r) => [r, pool[r] - total(services, r, (x) => allocation(plan, x))]));
        for (const s of services) {
          if (allocation(plan, s) < wantOf(s))
            assert.ok(
              !fitsOneMore(s, free),
              `${s.name} could grow into ${JSON.stringify(free)} but was given ${allocation(plan, s)} of ${wantOf(s)}`,
            );
        }
      }),
      { numRuns: 500 },
    );
  });

  it('is the integer arbiter when every container takes one unit of one resource', () => {
    fc.assert(
      fc.property(anyServices, fc.integer({ min: 1, max: 40 }), (services, capacity) => {
        const counted = arbitrate(
          services.map(({ size: _size, ...rest }) => rest),
          capacity,
        );
        const asResources = arbitrate(
          services.map((s) => ({ ...s, size: { slots: 1 } })),
          { slots: capacity },
        );
        assert.deepEqual(
          asResources.entries.map(({ reason: _r, ...e }) => e),
          // Prepared starts (PlanEntry.prepare) exist only on a pool counted in containers, where a freed slot fits any container.
          counted.entries.map(({ reason: _r, prepare: _p, ...e }) => e),
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('fillFairly: the fast path and the level jump give exactly what one container at a time gives', () => {
  /**
   * The definition: one container at a time to the smallest dominant share, ties to the earlier member;
   * a member that no longer fits is done.
   */
  function oneAtATime(members: readonly Member[], needs: readonly number[], free: number[]): number[] {
    const grants = needs.map(() => 0);
    const done = needs.map((need) => need <= 0);
    for (;;) {
      let next = -1;
      members.forEach((m, i) => {
        if (done[i]) return;
        const share = (grants[i] ?? 0) === 0 ? 0 : (grants[i] ?? 0) * m.weight;
        const best = next < 0 ? Infinity : (grants[next] ?? 0) === 0 ? 0 : (grants[next] ?? 0) * (members[next]?.weight ?? 0);
        if (next < 0 || share < best) next = i;
      });
      if (next < 0) return grants;
      const size = members[next]?.size ?? [];
      if (size.some((amount, d) => amount > (free[d] ?? 0))) {
        done[next] = true;
        continue;
      }
      size.forEach((amount, d) => (free[d] = (free[d] ?? 0) - amount));
      grants[next] = (grants[next] ?? 0) + 1;
      if ((grants[next] ?? 0) >= (needs[next] ?? 0)) done[next] = true;
    }
  }

  it('matches the definition on many shapes, including large needs', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            cpu: fc.integer({ min: 1, max: 2000 }),
            memory: fc.integer({ min: 1, max: 4096 }),
            need: fc.integer({ min: 0, max: 300 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.record({ cpu: fc.integer({ min: 0, max: 200_000 }), memory: fc.integer({ min: 0, max: 400_000 }) }),
        (rows, pool) => {
          const total = [pool.cpu, pool.memory];
          const members: Member[] = rows.map((r, i) => ({
            service: service(`s${i}`, 1, r.need, { cpu: r.cpu, memory: r.memory }),
            size: [r.cpu, r.memory],
            weight: Math.max(pool.cpu > 0 ? r.cpu / pool.cpu : Infinity, pool.memory > 0 ? r.memory / pool.memory : Infinity),
          }));
          const needs = rows.map((r) => r.need);
          const fastFree = [...total];
          const slowFree = [...total];
          assert.deepEqual(fillFairly(members, needs, fastFree), oneAtATime(members, needs, slowFree));
          assert.deepEqual(fastFree, slowFree);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('arbiter on a pool in resources: a service whose size is not known', () => {
  it('is held where it is and never grown, and the others divide the pool', () => {
    const plan = arbitrate(
      [service('known', 1, 'remainder', { cpu: 1000, memory: GI }), { ...service('new', 1, 5, { cpu: 1000 }), size: { cpu: 1000 } }],
      { cpu: 4000, memory: 8 * GI },
    );
    assert.equal(entryOf(plan, 'new')?.replicas, 0);
    assert.match(entryOf(plan, 'new')?.reason ?? '', /not known yet/);
    assert.equal(entryOf(plan, 'known')?.allocation, 4);
  });
});
