// What the arbiter's tests share (arbiter.test.ts: a pool of containers; resource-arbiter.test.ts: a pool
// in resources): a service builder, the generator of random service tables, and the properties that hold
// whatever the pool is counted in.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { arbitrate } from '../arbiter.js';
import type { Resources } from '../resources.js';
import type { ArbiterService, Capacity, Plan } from '../types.js';

/** A service wanting `desired` containers (or the remainder), with `running` of them up; min 0, max 100. */
export const service = (
  name: string,
  priority: number,
  desired: number | 'remainder',
  running = 0,
  extra: Partial<ArbiterService> = {},
): ArbiterService => ({
  name,
  priority,
  min: 0,
  max: 100,
  desired: desired === 'remainder' ? { kind: 'remainder' } : { kind: 'count', count: desired },
  actual: { running, starting: 0, stopping: 0 },
  ...extra,
});

export const entryOf = (plan: Plan, name: string) => plan.entries.find((e) => e.name === name);

/** Up to 8 services of random priority, min, max, want and state; each of a random size when `size` is given. */
export function arbitraryServices(size?: fc.Arbitrary<Resources>): fc.Arbitrary<ArbiterService[]> {
  return fc
    .uniqueArray(
      fc.record({
        name: fc.stringMatching(/^[a-z]{1,6}$/),
        priority: fc.integer({ min: 1, max: 4 }),
        min: fc.integer({ min: 0, max: 3 }),
        extraMax: fc.integer({ min: 0, max: 15 }),
        desired: fc.oneof(fc.integer({ min: 0, max: 25 }), fc.constant('remainder' as const)),
        running: fc.integer({ min: 0, max: 8 }),
        starting: fc.integer({ min: 0, max: 3 }),
        stopping: fc.integer({ min: 0, max: 3 }),
        size: size ?? fc.constant(undefined),
      }),
      { selector: (s) => s.name, minLength: 1, maxLength: 8 },
    )
    .map((list) =>
      list.map(
        (s): ArbiterService => ({
          name: s.name,
          priority: s.priority,
          min: s.min,
          max: s.min + s.extraMax,
          desired: s.desired === 'remainder' ? { kind: 'remainder' } : { kind: 'count', count: s.desired },
          actual: { running: s.running, starting: s.starting, stopping: s.stopping },
          ...(s.size ? { size: s.size } : {}),
        }),
      ),
    );
}

/** A pool and what fits in it: the services' mins, and the containers they hold now. */
export interface PoolShape<P extends Capacity> {
  readonly services: fc.Arbitrary<ArbiterService[]>;
  readonly pool: fc.Arbitrary<P>;
  minsFit(services: readonly ArbiterService[], pool: P): boolean;
  heldFits(services: readonly ArbiterService[], pool: P): boolean;
}

/** The properties that hold whatever the pool is counted in: bounds, determinism, a fixed point. */
export function itHoldsWhateverThePool<P extends Capacity>(shape: PoolShape<P>): void {
  it('holds mins and maxes in every allocation when the mins fit the pool', () => {
    fc.assert(
      fc.property(shape.services, shape.pool, (services, pool) => {
        fc.pre(shape.minsFit(services, pool));
        const plan = arbitrate(services, pool);
        for (const s of services) {
          const entry = entryOf(plan, s.name);
          assert.ok(
            entry && entry.allocation >= s.min && entry.allocation <= s.max,
            `${s.name}: ${entry?.allocation} not in [${s.min}, ${s.max}]`,
          );
          assert.ok(entry.replicas <= s.max);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same plan for the same input, in any order', () => {
    fc.assert(
      fc.property(shape.services, shape.pool, (services, pool) => {
        const plan = arbitrate(services, pool);
        assert.deepEqual(arbitrate([...services].reverse(), pool), plan);
        assert.deepEqual(arbitrate(services, pool), plan);
      }),
      { numRuns: 300 },
    );
  });

  it('reaches a fixed point: a plan carried out gives no further change', () => {
    fc.assert(
      fc.property(shape.services, shape.pool, (services, pool) => {
        fc.pre(shape.heldFits(services, pool));
        let current = services;
        // Carry plans out (containers start and stop instantly) until nothing changes; it must settle fast.
        for (let round = 0; round < 3; round++) {
          const plan = arbitrate(current, pool);
          current = current.map((s) => ({ ...s, actual: { running: entryOf(plan, s.name)?.replicas ?? 0, starting: 0, stopping: 0 } }));
        }
        const settled = arbitrate(current, pool);
        for (const entry of settled.entries) assert.equal(entry.replicas, entry.current, `${entry.name} still changing: ${entry.reason}`);
        for (const entry of settled.entries) assert.equal(entry.replicas, entry.allocation);
      }),
      { numRuns: 500 },
    );
  });
}
