import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { arbitrate, shareFairly } from './arbiter.js';
import type { ArbiterService } from './types.js';
import { arbitraryServices, itHoldsWhateverThePool, service } from './testing/arbiter.js';

const targetOf = (plan: ReturnType<typeof arbitrate>, name: string): number | undefined =>
  plan.entries.find((e) => e.name === name)?.replicas;
const allocOf = (plan: ReturnType<typeof arbitrate>, name: string): number | undefined =>
  plan.entries.find((e) => e.name === name)?.allocation;

describe('arbiter: the classic demo', () => {
  it('gives priority 1 its demand and the remainder service the rest of the pool', () => {
    const plan = arbitrate([service('p1', 1, 5), service('p2', 2, 'remainder')], 9);
    assert.equal(targetOf(plan, 'p1'), 5);
    assert.equal(targetOf(plan, 'p2'), 4);
  });

  it('pre-empts the background service first, and starts the urgent one only once the pool has room', () => {
    // P2 fills the pool; P1's demand jumps to 7.
    const full = arbitrate([service('p1', 1, 7, 5), service('p2', 2, 'remainder', 4)], 9);
    assert.equal(targetOf(full, 'p2'), 2, 'p2 stops 2 at once');
    assert.equal(targetOf(full, 'p1'), 5, 'p1 waits: the 2 stopping containers still occupy the pool');
    assert.match(full.entries.find((e) => e.name === 'p2')?.reason ?? '', /pre-empted/);
    // Next tick: the two are stopping.
    const stopping = arbitrate(
      [service('p1', 1, 7, 5), service('p2', 2, 'remainder', 2, { actual: { running: 2, starting: 0, stopping: 2 } })],
      9,
    );
    assert.equal(targetOf(stopping, 'p1'), 5);
    assert.match(stopping.entries.find((e) => e.name === 'p1')?.reason ?? '', /waiting to start 2/);
    // Then they are gone.
    const free = arbitrate([service('p1', 1, 7, 5), service('p2', 2, 'remainder', 2)], 9);
    assert.equal(targetOf(free, 'p1'), 7);
    assert.equal(targetOf(free, 'p2'), 2);
  });

  it('lets the background service grow back when demand falls', () => {
    const plan = arbitrate([service('p1', 1, 2, 7), service('p2', 2, 'remainder', 2)], 9);
    assert.equal(targetOf(plan, 'p1'), 2);
    assert.equal(allocOf(plan, 'p2'), 7);
    assert.equal(targetOf(plan, 'p2'), 2, 'p2 waits for p1 to finish stopping');
  });

  it('hands the waiting starts to the engine as prepared starts, one per exit, in priority order', () => {
    const full = arbitrate([service('p1', 1, 7, 5), service('p2', 2, 'remainder', 4)], 9);
    assert.deepEqual(full.entries.find((e) => e.name === 'p1')?.prepare, { count: 2, afterExits: 0 });
    assert.equal(full.entries.find((e) => e.name === 'p2')?.prepare, undefined, 'a service stopping down prepares nothing');
    // The pool shrank to 7 while 9 are held: the first 2 exits free nothing, then p1's 1 start comes first.
    const shrunk = arbitrate([service('p1', 1, 6, 5), service('p2', 2, 'remainder', 4)], 7);
    assert.deepEqual(shrunk.entries.find((e) => e.name === 'p1')?.prepare, { count: 1, afterExits: 2 });
  });
});

describe('arbiter: mins, maxes and fairness', () => {
  it('holds every service at its min even when a higher priority wants everything', () => {
    const plan = arbitrate([service('urgent', 1, 20), service('batch', 2, 0, 0, { min: 2 })], 9);
    assert.equal(allocOf(plan, 'urgent'), 7);
    assert.equal(allocOf(plan, 'batch'), 2);
  });

  it('shares fairly and deterministically between services of the same priority', () => {
    const plan = arbitrate([service('b', 1, 9), service('a', 1, 9), service('c', 1, 9)], 10);
    assert.deepEqual(
      plan.entries.map((e) => [e.name, e.allocation]),
      [
        ['a', 4],
        ['b', 3],
        ['c', 3],
      ],
    );
  });

  it('shareFairly gives the small needs in full and splits the rest', () => {
    assert.deepEqual(shareFairly([1, 10, 10], 10), [1, 5, 4]);
    assert.deepEqual(shareFairly([9, 9, 9], 10), [4, 3, 3]);
    assert.deepEqual(shareFairly([5, 5], 0), [0, 0]);
    assert.deepEqual(shareFairly([2, 2], 10), [2, 2]);
  });
});

const anyServices = arbitraryServices();

const occupied = (services: readonly ArbiterService[]): number =>
  services.reduce((sum, s) => sum + s.actual.running + s.actual.starting + s.actual.stopping, 0);

describe('arbiter properties', () => {
  itHoldsWhateverThePool({
    services: anyServices,
    pool: fc.integer({ min: 1, max: 40 }),
    minsFit: (services, capacity) => services.reduce((sum, s) => sum + s.min, 0) <= capacity,
    heldFits: (services, capacity) => occupied(services) <= capacity,
  });

  it('never plans past the pool: starts only into room that is free now', () => {
    fc.assert(
      fc.property(anyServices, fc.integer({ min: 1, max: 40 }), (services, capacity) => {
        const plan = arbitrate(services, capacity);
        const before = occupied(services);
        // After the plan: stopping stays, stopped ones become stopping, targets are live.
        const after = services.reduce((sum, s) => {
          const live = s.actual.running + s.actual.starting;
          const target = plan.entries.find((e) => e.name === s.name)?.replicas ?? live;
          return sum + s.actual.stopping + Math.max(target, live);
        }, 0);
        assert.ok(after <= Math.max(capacity, before), `occupancy ${after} > pool ${capacity} (was ${before})`);
        const allocated = plan.entries.reduce((sum, e) => sum + e.allocation, 0);
        assert.ok(allocated <= capacity);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the most urgent service what it asked for when the pool allows', () => {
    fc.assert(
      fc.property(anyServices, fc.integer({ min: 1, max: 40 }), (services, capacity) => {
        const counted = services.filter((s) => s.desired.kind === 'count');
        fc.pre(counted.length > 0);
        const top = Math.min(...counted.map((s) => s.priority));
        const urgent = counted.filter((s) => s.priority === top);
        fc.pre(urgent.length === 1);
        const u = urgent[0]!;
        const want = Math.min(u.max, Math.max(u.min, u.desired.kind === 'count' ? u.desired.count : 0));
        const othersMin = services.filter((s) => s !== u).reduce((sum, s) => sum + s.min, 0);
        fc.pre(want + othersMin <= capacity);
        assert.equal(arbitrate(services, capacity).entries.find((e) => e.name === u.name)?.allocation, want);
      }),
      { numRuns: 500 },
    );
  });

  it('uses the whole pool when a remainder service can still grow', () => {
    fc.assert(
      fc.property(anyServices, fc.integer({ min: 1, max: 40 }), (services, capacity) => {
        fc.pre(services.reduce((sum, s) => sum + s.min, 0) <= capacity);
        const remainder = services.filter((s) => s.desired.kind === 'remainder');
        const plan = arbitrate(services, capacity);
        const allocated = plan.entries.reduce((sum, e) => sum + e.allocation, 0);
        const roomLeft = remainder.some((s) => (plan.entries.find((e) => e.name === s.name)?.allocation ?? 0) < s.max);
        if (remainder.length > 0 && roomLeft) assert.equal(allocated, capacity);
      }),
      { numRuns: 500 },
    );
  });

  it('never overcommits when the prepared starts begin on exits, and uses the room the exits free', () => {
    fc.assert(
      fc.property(anyServices, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 40 }), (services, capacity, exits) => {
        const plan = arbitrate(services, capacity);
        const held = occupied(services) + plan.entries.reduce((sum, e) => sum + Math.max(0, e.replicas - e.current), 0);
        // `exits` containers of the pool exit (stopping ones, or any that crash); each prepared start begins once its exit has come.
        const gone = Math.min(exits, held);
        const handedOff = plan.entries.reduce((sum, e) => {
          const prepare = e.prepare ?? { count: 0, afterExits: 0 };
          return sum + Math.max(0, Math.min(prepare.count, gone - prepare.afterExits));
        }, 0);
        const after = held - gone + handedOff;
        assert.ok(after <= Math.max(capacity, held - gone), `pool holds ${after} of ${capacity} after ${gone} exits`);
        if (held <= capacity) assert.ok(after <= capacity);
        const waiting = plan.entries.reduce((sum, e) => sum + (e.prepare?.count ?? 0), 0);
        if (gone >= held - capacity + waiting) assert.equal(handedOff, waiting, 'once enough room is freed, every waiting start has begun');
      }),
      { numRuns: 500 },
    );
  });
});
