import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceTick, TickRecord } from '../../agent/records.js';
import { columnName, DashboardModel, MAX_DECISIONS, RING_TICKS } from './model.js';
import { ColumnRing } from './ring-columns.js';

function service(name: string, priority: number, running: number, extra: Partial<ServiceTick> = {}): ServiceTick {
  return {
    name,
    priority,
    demand: running,
    arrivalRate: null,
    stale: false,
    target: { kind: 'direct' },
    desired: running,
    allocation: running,
    planned: running,
    running,
    starting: 0,
    stopping: 0,
    reason: 'r',
    ...extra,
  };
}

function tick(seq: number, services: ServiceTick[], decisions = 0, arrivalErrors: TickRecord['arrivalErrors'] = []): TickRecord {
  const atMs = 1_000_000 + seq * 500;
  return {
    seq,
    atMs,
    t: seq / 2,
    durationMs: 1,
    capacity: 9,
    used: 9,
    paused: false,
    dryRun: false,
    services,
    engineError: null,
    sourceErrors: [],
    arrivalErrors,
    decisions: Array.from({ length: decisions }, (_, i) => ({
      atMs,
      service: 'a',
      from: i,
      to: i + 1,
      reason: `d${seq}.${i}`,
      dryRun: false,
    })),
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
    ring.push(
      2,
      new Map([
        ['a', null],
        ['b', 5],
      ]),
    );
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
    assert.deepEqual(
      model.services.map((s) => s.name),
      ['a', 'b'],
    );
    assert.deepEqual(model.ring.window(0).column(columnName('a', 'running')), [6, 6]);
  });

  it('buffers the arrival rate of services with arrivals, a failed read as a gap, in the same fixed ring', () => {
    const model = new DashboardModel();
    const queue = { kind: 'queueLength', queueLength: 50 } as const;
    const orders = (arrivalRate: number | null) => service('orders', 1, 2, { target: queue, arrivalRate });
    model.declareArrivals(['orders']);
    model.add(tick(1, [orders(null), service('reports', 2, 1)], 0, [{ service: 'orders', message: 'no value pushed yet' }]));
    model.add(tick(2, [orders(47), service('reports', 2, 1)]));
    model.add(tick(3, [orders(null), service('reports', 2, 1)], 0, [{ service: 'orders', message: 'timed out' }]));
    model.add(tick(4, [orders(52.5), service('reports', 2, 1)]));
    const w = model.ring.window(0);
    assert.deepEqual(w.column(columnName('orders', 'arrivals')), [null, 47, null, 52.5]);
    assert.deepEqual(
      model.services.map((s) => [s.name, s.arrivals]),
      [
        ['orders', true],
        ['reports', false],
      ],
    );
    for (let seq = 5; seq <= RING_TICKS + 10; seq++) model.add(tick(seq, [orders(seq % 5 === 0 ? null : seq), service('reports', 2, 1)]));
    assert.equal(model.ring.length, RING_TICKS);
    const tail = model.ring.window(0).column(columnName('orders', 'arrivals')).slice(-5);
    assert.deepEqual(tail, [RING_TICKS + 6, RING_TICKS + 7, RING_TICKS + 8, RING_TICKS + 9, null]);
  });

  it('keeps a service without arrivals as it was, and finds arrivals a reload added from the ticks (a rate, or a failed read)', () => {
    const model = new DashboardModel();
    model.add(tick(1, [service('a', 1, 3)]));
    const before = model.services[0];
    assert.equal(before?.arrivals, false);
    model.add(tick(2, [service('a', 1, 3)]));
    assert.equal(model.services[0], before, 'the same info while nothing changes, so the card is kept');
    model.add(tick(3, [service('a', 1, 3, { arrivalRate: 12 })]));
    assert.equal(model.services[0]?.arrivals, true, 'a rate in a tick shows the service has arrivals');
    assert.deepEqual(model.ring.window(0).column(columnName('a', 'arrivals')), [null, null, 12]);
    const failing = new DashboardModel();
    failing.add(tick(1, [service('b', 1, 3)], 0, [{ service: 'b', message: 'unreachable' }]));
    assert.equal(failing.services[0]?.arrivals, true, 'so does a failed arrivals read');
  });
});
