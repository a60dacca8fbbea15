// The `arrivals:` metric in the live agent: read with the metrics, handed to the controller as
// feed-forward, never holding the service when it fails, rebuilt on reload only when its block changed.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from './config-loader.js';
import { SimEngine } from '../engines/sim/sim.js';
import type { Source } from '../sources/types.js';
import { eventually } from '../testing/services.js';
import { Agent } from './agent.js';

const QUEUE_TARGET = 20;

/** `arrivals: null`: the service has no arrivals block. */
function config(arrivals: Record<string, unknown> | null = { source: 'push' }, extra: Record<string, unknown> = {}) {
  return parseConfig({
    capacity: 9,
    interval: '1h', // ticks are driven by hand
    services: [
      {
        name: 'orders',
        priority: 1,
        metric: { source: 'push' },
        target: { queueLength: QUEUE_TARGET },
        controller: { ratePerContainer: 10 },
        ...(arrivals ? { arrivals } : {}),
        ...extra,
      },
      { name: 'reports', priority: 2, target: 'remainder' },
    ],
  });
}

interface LogLine {
  readonly level: number;
  readonly event?: string;
  readonly service?: string;
  readonly msg: string;
}

const WARN = 40;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** An agent on the sim engine with a clock the test moves, its sources built from the config, its log kept. */
function setup(cfg = config(), options: { arrivalSources?: ReadonlyMap<string, Source> } = {}) {
  let now = 0;
  const lines: LogLine[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  const engine = new SimEngine(
    { kind: 'sim', startLatency: 300, stopLatency: 200 },
    cfg.services.map((s) => ({ name: s.name, stopGracePeriodMs: 0, options: {} })),
    { nowMs: () => now },
  );
  const agent = new Agent(cfg, { engine, log, nowMs: () => now, ...options });
  stops.push(() => agent.stop());
  const tickAt = async (ms: number) => {
    now = ms;
    await agent.tickNow();
    const tick = agent.ticks.toArray().at(-1);
    assert.ok(tick);
    const orders = tick.services.find((s) => s.name === 'orders');
    assert.ok(orders);
    return { tick, orders };
  };
  const warnings = (event: string) => lines.filter((l) => l.level === WARN && l.event === event);
  return { agent, tickAt, warnings, lines };
}

/** A source whose value the test sets, and which says whether it was closed. */
class ManualSource implements Source {
  closed = false;
  constructor(public value: number) {}
  async read(): Promise<number> {
    return this.value;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('agent: arrivals as feed-forward', () => {
  it('gives the controller the pushed arrival rate: an empty queue with 50 msg/s arriving gets 5 containers at once', async () => {
    const { agent, tickAt } = setup();
    agent.pushMetric('orders', 0);
    agent.pushArrivals('orders', 50);
    const { orders } = await tickAt(0);
    assert.equal(orders.arrivalRate, 50);
    assert.equal(orders.stale, false);
    assert.ok(orders.desired >= 5, `desired ${orders.desired}: 50 msg/s at 10 msg/s per container needs 5`);
    assert.equal(orders.planned, orders.desired, 'the pool has room for all of them');

    // The same service without arrivals sees only an empty queue and asks for nothing.
    const queueOnly = setup(config(null));
    queueOnly.agent.pushMetric('orders', 0);
    const alone = await queueOnly.tickAt(0);
    assert.equal(alone.orders.arrivalRate, null);
    assert.ok(alone.orders.desired < 5, `queue-only asked for ${alone.orders.desired}`);
  });

  it('goes on from the queue alone when the arrivals cannot be read, with one arrivals-error line, and takes them up again', async () => {
    const { agent, tickAt, warnings } = setup();
    agent.pushMetric('orders', 100); // nothing pushed to /arrivals yet: that read fails
    const { tick, orders } = await tickAt(0);
    assert.equal(orders.stale, false, 'a failed arrivals read must not hold the service');
    assert.equal(orders.arrivalRate, null);
    assert.ok(orders.desired >= 1, `a queue of 100 over a target of ${QUEUE_TARGET} still asks for containers`);
    assert.deepEqual(tick.sourceErrors, [], 'the metric itself was read');
    assert.deepEqual(
      tick.arrivalErrors.map((e) => e.service),
      ['orders'],
      'the tick record (API, dashboard) shows the failed arrivals read',
    );
    const lines = warnings('arrivals-error');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.service, 'orders');
    assert.match(
      lines[0]?.msg ?? '',
      /push source for service "orders": not-found: nothing pushed yet; POST \{"value": N\} to \/api\/services\/orders\/arrivals/,
    );
    assert.equal(warnings('metric-error').length, 0);

    agent.pushArrivals('orders', 30);
    const later = await tickAt(500);
    assert.equal(later.orders.arrivalRate, 30);
    assert.deepEqual(later.tick.arrivalErrors, []);
    assert.equal(warnings('arrivals-error').length, 1, 'no new error once the arrivals read again');
  });

  for (const [what, value] of [
    ['a negative rate', -5],
    ['a non-finite rate', Number.NaN],
  ] as const) {
    it(`treats ${what} as a failed arrivals read`, async () => {
      const { agent, tickAt, warnings } = setup(config(), { arrivalSources: new Map([['orders', new ManualSource(value)]]) });
      agent.pushMetric('orders', 0);
      const { orders } = await tickAt(0);
      assert.equal(orders.arrivalRate, null);
      assert.equal(orders.stale, false);
      assert.match(
        warnings('arrivals-error')[0]?.msg ?? '',
        /arrivals for service "orders": bad-response: (a negative arrival rate \(-5\)|not a finite number \(NaN\))/,
      );
    });
  }

  it('refuses pushed arrivals for a service without arrivals: {source: push}, and bad values', async () => {
    const { agent } = setup(config({ source: 'prometheus', query: 'sum(rate(orders_published_total[15s]))' }));
    assert.throws(
      () => agent.pushArrivals('orders', 5),
      /service "orders" does not take pushed arrivals \(its arrivals source is prometheus\); give it arrivals: \{source: push\}/,
    );
    assert.throws(() => agent.pushArrivals('reports', 5), /service "reports" does not take pushed arrivals \(it has no arrivals: block\)/);
    assert.throws(() => agent.pushArrivals('nosuch', 5), /not configured/);
    const pushed = setup();
    assert.throws(
      () => pushed.agent.pushArrivals('orders', -1),
      (error: unknown) => error instanceof RangeError && /arrivals for service "orders": expected a finite number >= 0/.test(error.message),
    );
  });

  it('wakes the agent for a tick when arrivals are pushed', async () => {
    const { agent } = setup();
    agent.pushMetric('orders', 0);
    await agent.start();
    const ticks = agent.ticks.length;
    agent.pushArrivals('orders', 40);
    // The interval is an hour: only the push can tick (waited for, not a fixed 200 ms that a loaded machine can miss).
    assert.ok(await eventually(() => agent.ticks.length > ticks, 5000), 'the push did not wake the agent');
  });
});

describe('agent: arrivals on reload', () => {
  it('rebuilds the arrivals source only when its block changed', async () => {
    const { agent, tickAt } = setup();
    agent.pushMetric('orders', 0);
    agent.pushArrivals('orders', 50);
    assert.equal((await tickAt(0)).orders.arrivalRate, 50);

    await agent.reconfigure(config({ source: 'push' }, { priority: 2 }));
    assert.equal((await tickAt(500)).orders.arrivalRate, 50, 'an unchanged arrivals block keeps its source (and the value pushed to it)');

    await agent.reconfigure(config({ source: 'push', initial: 30 }));
    assert.equal((await tickAt(1000)).orders.arrivalRate, 30, 'a changed block gets a new source');

    await agent.reconfigure(config(null));
    assert.equal((await tickAt(1500)).orders.arrivalRate, null);
    assert.throws(() => agent.pushArrivals('orders', 10), /it has no arrivals: block/);

    await agent.reconfigure(config({ source: 'push', initial: 20 }));
    assert.equal((await tickAt(2000)).orders.arrivalRate, 20, 'arrivals added back on reload are read');
  });

  it('closes the arrivals source of a service whose arrivals, or which, the new config removes', async () => {
    const kept = new ManualSource(40);
    const { agent, tickAt } = setup(config(), { arrivalSources: new Map([['orders', kept]]) });
    agent.pushMetric('orders', 0);
    await agent.reconfigure(config({ source: 'push' }, { max: 8 }));
    assert.equal(kept.closed, false, 'an unchanged block keeps its source open');
    assert.equal((await tickAt(0)).orders.arrivalRate, 40);
    await agent.reconfigure(config(null));
    assert.equal(kept.closed, true, 'removed arrivals are closed');

    const other = new ManualSource(40);
    const second = setup(config(), { arrivalSources: new Map([['orders', other]]) });
    await second.agent.reconfigure(parseConfig({ capacity: 9, services: [{ name: 'reports', target: 'remainder' }] }));
    assert.equal(other.closed, true, 'the arrivals of a removed service are closed');
  });
});
