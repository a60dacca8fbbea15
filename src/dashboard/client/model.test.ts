import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceTick, TickRecord } from '../../agent/records.js';
import { columnName, DashboardModel, MAX_DECISIONS, RING_TICKS } from './model.js';
import { ColumnRing } from './ring-columns.js';

function service(name: string, priority: number, running: number, extra: Partial<ServiceTick> = {}): ServiceTick {
  return { name, priority, demand: running, arrivalRate: null, stale: false, target: { kind: 'direct' }, desired: running, allocation: running, planned: running, running, starting: 0, stopping: 0, reason: 'r', ...extra };
}

function tick(seq: number, services: ServiceTick[], decisions = 0): TickRecord {
  const atMs = 1_000_000 + seq * 500;
  return {
    seq, atMs, t: seq / 2, durationMs: 1, capacity: 9, used: 9, paused: false, dryRun: false, services, engineError: null, sourceErrors: [],
    arrivalErrors: [],
    decisions: Array.from({ length: decisions }, (_, i) => ({ atMs, service: 'a', from: i, to: i + 1, reason: `d${seq}.${i}`, dryRun: false })),
  };
}

describe('dashboard memory', () => {
  it('keeps a fixed number of rows: the oldest fall out, the window still reads in time order', () => {
    const ring = new ColumnRing(4);
    for (let i = 1; i <= 10; i++) ring.push(i, new Map([['v', i * 10]]));
    assert.equal(ring.length, 4);
    const all = ring.window(0);
    assert.deepEqual(all.x, [7, 8, 9, 10]);
    assert.deepEqual(all.column('v'), [70, 80, 90, 100]);
    assert.deepEqual(ring.window(9).x, [9, 10]);
  });

  it('shows gaps (null) where a series had no value, e.g. a failed read or a service added later', () => {
    const ring = new ColumnRing(8);
    ring.push(1, new Map([['a', 1]]));
    ring.push(2, new Map([['a', null], ['b', 5]]));
    ring.push(3, new Map([['b', 6]]));
    const w = ring.window(0);
    assert.deepEqual(w.column('a'), [1, null, null]);
    assert.deepEqual(w.column('b'), [null, 5, 6]);
    assert.deepEqual(w.column('never'), [null, null, null]);
  });

  it('holds at most RING_TICKS ticks and MAX_DECISIONS decisions however long it runs', () => {
    const model = new DashboardModel();
    for (let seq = 1; seq <= RING_TICKS + 500; seq++) model.add(tick(seq, [service('a', 1, seq % 9)], seq % 3 === 0 ? 1 : 0));
    assert.equal(model.ring.length, RING_TICKS);
    assert.equal(model.decisions.length, MAX_DECISIONS);
    assert.equal(model.decisions[0]?.reason, `d${RING_TICKS + 500 - ((RING_TICKS + 500) % 3)}.0`, 'newest first');
  });

  it('ignores ticks it has already seen (a reconnect replays them), and orders services by priority', () => {
    const model = new DashboardModel();
    assert.equal(model.add(tick(1, [service('b', 2, 3), service('a', 1, 6)], 1)), true);
    assert.equal(model.add(tick(2, [service('b', 2, 3), service('a', 1, 6)])), true);
    assert.equal(model.add(tick(2, [service('b', 2, 3), service('a', 1, 6)])), false);
    assert.equal(model.ring.length, 2);
    assert.equal(model.decisions.length, 1);
    assert.deepEqual(model.services.map((s) => s.name), ['a', 'b']);
    assert.deepEqual(model.ring.window(0).column(columnName('a', 'running')), [6, 6]);
  });
});
