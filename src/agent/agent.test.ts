import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from './config-loader.js';
import type { ActualState } from '../core/types.js';
import { EngineError } from '../errors.js';
import { SimEngine } from '../engines/sim/sim.js';
import type { ApplyTarget, Engine, EngineService } from '../engines/types.js';
import { silentLogger } from '../log/logger.js';
import type { Source } from '../sources/types.js';
import { Agent } from './agent.js';

function config(extra: Record<string, unknown> = {}) {
  return parseConfig({
    capacity: 9,
    interval: '1h', // ticks are driven by hand in these tests
    services: [
      { name: 'urgent', priority: 1, metric: { source: 'random' }, target: 'direct' },
      { name: 'background', priority: 2, target: 'remainder' },
    ],
    ...extra,
  });
}

/** A source whose value the test sets; `fail` makes reads reject. */
class ManualSource implements Source {
  value = 0;
  fail = false;
  async read(): Promise<number> {
    if (this.fail) throw new Error('queue server unreachable');
    return this.value;
  }
  async close(): Promise<void> {}
}

/** The sim engine with a clock the test moves, and switches for outages. */
class TestEngine implements Engine {
  now = 0;
  down = false;
  applied: ApplyTarget[][] = [];
  inner = new SimEngine(
    { kind: 'sim', startLatency: 300, stopLatency: 200 },
    [
      { name: 'urgent', stopGracePeriodMs: 0, options: {} },
      { name: 'background', stopGracePeriodMs: 0, options: {} },
    ],
    { nowMs: () => this.now },
  );
  async observe(): Promise<Map<string, ActualState>> {
    if (this.down) throw new EngineError('unreachable', 'test', 'connection refused');
    return this.inner.observe();
  }
  async apply(targets: readonly ApplyTarget[]): Promise<void> {
    this.applied.push([...targets]);
    return this.inner.apply(targets);
  }
  refuseServices = false;
  told: string[][] = [];
  async reconfigure(services: readonly EngineService[]): Promise<void> {
    if (this.refuseServices) throw new EngineError('not-found', 'test', 'workload of "batch" does not exist');
    this.told.push(services.map((s) => s.name));
    return this.inner.reconfigure(services);
  }
  async close(): Promise<void> {}
}

function setup(options: { dryRun?: boolean } = {}) {
  const engine = new TestEngine();
  const source = new ManualSource();
  const agent = new Agent(config(), {
    engine,
    log: silentLogger(),
    nowMs: () => engine.now,
    sources: new Map([['urgent', source]]),
    dryRun: options.dryRun ?? false,
  });
  const tickAt = async (ms: number) => {
    engine.now = ms;
    await agent.tickNow();
    return agent.ticks.toArray().at(-1)!;
  };
  const byName = (tick: Awaited<ReturnType<typeof tickAt>>, name: string) => tick.services.find((s) => s.name === name)!;
  return { engine, source, agent, tickAt, byName };
}

describe('agent: the classic demo loop', () => {
  it('meets priority 1 demand as soon as containers can start, and keeps the pool full', async () => {
    const { engine, source, agent, tickAt, byName } = setup();
    source.value = 5;
    let tick = await tickAt(0);
    assert.equal(byName(tick, 'urgent').starting, 5);
    assert.equal(byName(tick, 'background').starting, 4);
    tick = await tickAt(500);
    assert.equal(byName(tick, 'urgent').running, 5);
    assert.equal(byName(tick, 'background').running, 4);
    source.value = 8; // demand jumps: background is pre-empted first
    tick = await tickAt(1000);
    assert.equal(byName(tick, 'background').stopping, 3);
    assert.equal(tick.used, 9, 'stopping containers still occupy the pool: never overcommitted');
    assert.equal(byName(tick, 'urgent').prepared, 3, 'the 3 starts that wait are prepared, outside the pool');
    assert.deepEqual(engine.applied.at(-1)?.find((t) => t.name === 'urgent')?.prepare, { count: 3, afterExits: 0 });
    const decided = agent.decisions.toArray().length;
    tick = await tickAt(1200); // the stops are done: urgent started at the exits, before this tick
    assert.equal(byName(tick, 'urgent').starting, 3);
    assert.equal(tick.used, 9);
    assert.equal(agent.decisions.toArray().length, decided, 'the engine started them; the tick had nothing to decide');
    tick = await tickAt(1700);
    assert.equal(byName(tick, 'urgent').running, 8);
    assert.equal(byName(tick, 'background').running, 1);
    assert.ok(agent.decisions.toArray().some((d) => d.service === 'background' && /pre-empted/.test(d.reason)));
    await agent.stop();
  });
});

describe('agent: outages never scale to zero', () => {
  it('holds a service at its last decision while its metric cannot be read, and marks it stale', async () => {
    const { source, agent, tickAt, byName } = setup();
    source.value = 6;
    await tickAt(0);
    await tickAt(500);
    source.fail = true;
    const tick = await tickAt(1000);
    assert.equal(byName(tick, 'urgent').stale, true);
    assert.equal(byName(tick, 'urgent').demand, null);
    assert.equal(byName(tick, 'urgent').running, 6);
    assert.match(tick.sourceErrors[0]?.message ?? '', /unreachable/);
    const later = await tickAt(5000);
    assert.equal(byName(later, 'urgent').running + byName(later, 'urgent').starting, 6);
    await agent.stop();
  });

  it('uses the fallback count when the service asks for one', async () => {
    const engine = new TestEngine();
    const source = new ManualSource();
    source.fail = true;
    const cfg = config({
      services: [
        { name: 'urgent', priority: 1, metric: { source: 'random' }, target: 'direct', onMetricError: { fallback: 3 } },
        { name: 'background', priority: 2, target: 'remainder' },
      ],
    });
    const agent = new Agent(cfg, { engine, log: silentLogger(), nowMs: () => engine.now, sources: new Map([['urgent', source]]) });
    await agent.tickNow();
    assert.equal(
      agent.ticks
        .toArray()
        .at(-1)
        ?.services.find((s) => s.name === 'urgent')?.planned,
      3,
    );
    await agent.stop();
  });

  it('changes nothing while the engine is unreachable, backs off, and resumes', async () => {
    const { engine, source, agent, tickAt, byName } = setup();
    source.value = 4;
    await tickAt(0);
    await tickAt(500);
    engine.down = true;
    source.value = 9;
    const applies = engine.applied.length;
    let tick = await tickAt(1000);
    assert.match(tick.engineError ?? '', /unreachable/);
    assert.equal(engine.applied.length, applies, 'nothing applied without knowing the actual state');
    tick = await tickAt(1200); // within the backoff: the engine is not even asked
    assert.match(tick.engineError ?? '', /retrying/);
    engine.down = false;
    tick = await tickAt(3000);
    assert.equal(tick.engineError, null);
    assert.equal(byName(tick, 'urgent').planned, 4, 'first the background stops; urgent waits for room');
    await agent.stop();
  });
});

describe('agent: control', () => {
  it('decides and logs but changes nothing in dry-run', async () => {
    const { engine, source, agent, tickAt } = setup({ dryRun: true });
    source.value = 5;
    const tick = await tickAt(0);
    assert.equal(engine.applied.length, 0);
    assert.ok(tick.decisions.length > 0 && tick.decisions.every((d) => d.dryRun));
    await agent.stop();
  });

  it('applies nothing while paused, and resumes', async () => {
    const { engine, source, agent, tickAt } = setup();
    agent.pause();
    source.value = 5;
    await tickAt(0);
    assert.equal(engine.applied.length, 0);
    agent.resume();
    await tickAt(100);
    assert.equal(engine.applied.length, 1);
    await agent.stop();
  });

  it('never runs two ticks at once', async () => {
    const { engine, agent } = setup();
    let inFlight = 0;
    let most = 0;
    const observe = engine.observe.bind(engine);
    engine.observe = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      return observe();
    };
    await Promise.all([agent.tickNow(), agent.tickNow(), agent.tickNow()]);
    assert.equal(most, 1);
    await agent.stop();
  });

  it('takes a new config, but refuses a change of engine', async () => {
    const { agent, tickAt } = setup();
    await tickAt(0);
    await assert.rejects(agent.reconfigure(config({ engine: { kind: 'sim', startLatency: '1s' } })), /restart/);
    assert.equal(agent.config.capacity, 9, 'the running config stays');
    await agent.reconfigure(config({ capacity: 5 }));
    const tick = await tickAt(1000);
    assert.equal(tick.capacity, 5);
    await agent.stop();
  });

  it('tells the engine of added services before the new config is in force, and keeps the running one if it cannot serve them', async () => {
    const { agent, engine, tickAt } = setup();
    await tickAt(0);
    const withBatch = parseConfig({
      capacity: 9,
      interval: '1h',
      services: [
        { name: 'urgent', priority: 1, metric: { source: 'random' }, target: 'direct' },
        { name: 'background', priority: 2, target: 'remainder' },
        { name: 'batch', priority: 3, target: 'remainder' },
      ],
    });
    engine.refuseServices = true;
    await assert.rejects(agent.reconfigure(withBatch), /"batch" does not exist/);
    assert.deepEqual(
      agent.config.services.map((s) => s.name),
      ['urgent', 'background'],
      'a refused reload changed the config',
    );
    engine.refuseServices = false;
    await agent.reconfigure(withBatch);
    assert.deepEqual(engine.told, [['urgent', 'background', 'batch']]);
    const tick = await tickAt(1000);
    assert.ok(tick.services.some((s) => s.name === 'batch'));
    // A change the engine does not see (capacity, priorities) does not bother it.
    await agent.reconfigure({ ...withBatch, capacity: 8 });
    assert.equal(engine.told.length, 1);
    await agent.stop();
  });

  it('refuses to add services on an engine that cannot change them while running, and says to restart', async () => {
    const engine = new TestEngine();
    const fixed: Engine = { observe: () => engine.observe(), apply: (t) => engine.apply(t), close: () => engine.close() };
    const agent = new Agent(config(), {
      engine: fixed,
      log: silentLogger(),
      nowMs: () => engine.now,
      sources: new Map([['urgent', new ManualSource()]]),
    });
    const more = parseConfig({
      capacity: 9,
      interval: '1h',
      services: [{ name: 'urgent', priority: 1, metric: { source: 'random' }, target: 'direct' }],
    });
    await assert.rejects(agent.reconfigure(more), /cannot change its services while running; restart microscale/);
    assert.equal(agent.config.services.length, 2);
    await agent.reconfigure(config({ capacity: 7 }));
    assert.equal(agent.config.capacity, 7);
    await agent.stop();
  });

  it('wakes for a pushed value only on services whose source accepts it', async () => {
    const { agent } = setup();
    assert.throws(() => agent.pushMetric('urgent', 3), /does not take pushed metrics/);
    assert.throws(() => agent.pushMetric('nosuch', 3), /not configured/);
    await agent.stop();
  });
});

describe('agent: pushes after a reload', () => {
  it('takes pushes for services a reload added or renamed at once, and refuses the ones it removed', async () => {
    const engine = new TestEngine();
    const pushFed = (names: readonly string[]) =>
      parseConfig({
        capacity: 9,
        interval: '1h',
        services: names.map((name, i) => ({ name, priority: 1 + i, metric: { source: 'push' }, target: { queueLength: 5 } })),
      });
    const agent = new Agent(pushFed(['orders', 'emails']), { engine, log: silentLogger(), nowMs: () => engine.now });
    try {
      agent.pushMetric('emails', 2);
      assert.throws(() => agent.pushMetric('invoices', 3), /service "invoices" is not configured; known: orders, emails/);
      // "emails" renamed "invoices", "refunds" added.
      await agent.reconfigure(pushFed(['orders', 'invoices', 'refunds']));
      assert.throws(() => agent.pushMetric('emails', 3), /service "emails" is not configured; known: orders, invoices, refunds/);
      agent.pushMetric('invoices', 7);
      agent.pushMetric('refunds', 11);
      await agent.tickNow();
      const demand = (name: string) =>
        agent.ticks
          .toArray()
          .at(-1)
          ?.services.find((s) => s.name === name)?.demand;
      assert.equal(demand('invoices'), 7);
      assert.equal(demand('refunds'), 11);
      // And back: a reload that removes a service refuses its pushes from then on.
      await agent.reconfigure(pushFed(['orders']));
      assert.throws(() => agent.pushMetric('refunds', 1), /not configured; known: orders$/);
    } finally {
      await agent.stop();
    }
  });
});

describe('agent: event-driven wake-ups survive a reconfigure', () => {
  it('watches a source rebuilt by a new config, and drops the watch of the one it replaced', async () => {
    const engine = new TestEngine();
    const watched = new Set<string>();
    const make = (name: string): Source => ({
      read: async () => 1,
      watch: () => {
        watched.add(name);
        return () => watched.delete(name);
      },
      close: async () => {},
    });
    const first = make('first');
    const agent = new Agent(config(), { engine, log: silentLogger(), nowMs: () => engine.now, sources: new Map([['urgent', first]]) });
    await agent.start();
    assert.deepEqual([...watched], ['first']);
    // A new metric block for "urgent": the agent builds a new source from the config and must watch it.
    const next = config({
      services: [
        { name: 'urgent', priority: 1, metric: { source: 'random', start: 4 }, target: 'direct' },
        { name: 'background', priority: 2, target: 'remainder' },
      ],
    });
    await agent.reconfigure(next);
    assert.ok(!watched.has('first'), 'the replaced source is still watched');
    await agent.stop();
  });
});

describe('agent: wake-ups', () => {
  it('keeps ticking through a storm of wake-ups: a wake never postpones a tick that is due', async () => {
    const engine = new TestEngine();
    let wakeAgent: () => void = () => {};
    const stormy: Source = {
      read: async () => 2,
      watch: (onChange) => {
        wakeAgent = onChange;
        return () => {};
      },
      close: async () => {},
    };
    const cfg = parseConfig({
      capacity: 9,
      interval: '100ms',
      minTickGap: '20ms',
      services: [
        { name: 'urgent', priority: 1, metric: { source: 'random' }, target: 'direct' },
        { name: 'background', priority: 2, target: 'remainder' },
      ],
    });
    const agent = new Agent(cfg, { engine, log: silentLogger(), sources: new Map([['urgent', stormy]]) });
    await agent.start();
    const storms = [setInterval(() => wakeAgent(), 1), setInterval(() => wakeAgent(), 1), setInterval(() => wakeAgent(), 0)];
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const storm of storms) clearInterval(storm);
    const ticks = agent.ticks.length;
    await agent.stop();
    assert.ok(ticks >= 5, `only ${ticks} ticks in 500 ms of wake-ups`);
    assert.ok(ticks <= 500 / 20 + 2, `${ticks} ticks in 500 ms: the minimum gap of 20 ms was not kept`);
  });
});

describe('agent: a wake during a tick', () => {
  it('gets a tick of its own once the running one ends, not one an interval later', async () => {
    const engine = new TestEngine();
    let release: () => void = () => {};
    const applying = new Promise<void>((resolve) => (release = resolve));
    let blocked = true;
    const apply = engine.apply.bind(engine);
    engine.apply = async (targets) => {
      if (blocked) await applying; // the first apply is slow: the push below comes after its tick's reads
      return apply(targets);
    };
    let wakeAgent: () => void = () => {};
    let value = 2;
    const pushed: Source = {
      read: async () => value,
      watch: (onChange) => {
        wakeAgent = onChange;
        return () => {};
      },
      close: async () => {},
    };
    const agent = new Agent(config(), { engine, log: silentLogger(), sources: new Map([['urgent', pushed]]) });
    const started = agent.start(); // interval 1h: only wake-ups tick
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = 5;
    wakeAgent();
    await new Promise((resolve) => setTimeout(resolve, 100)); // the wake's timer fires while the tick still applies
    blocked = false;
    release();
    await started;
    const sawFive = (): boolean => agent.ticks.toArray().some((t) => t.services.some((s) => s.name === 'urgent' && s.demand === 5));
    for (let waited = 0; waited < 2000 && !sawFive(); waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    const seen = sawFive();
    await agent.stop();
    assert.ok(seen, 'the value pushed during a tick waited for the next interval (1h)');
  });
});

describe('agent: the interval', () => {
  it('begins a tick one interval after the previous one began, not an interval after its slow reads ended', async () => {
    const engine = new TestEngine();
    const slow: Source = {
      read: () => new Promise((resolve) => setTimeout(() => resolve(2), 250)), // a polled source that answers in 250 ms
      close: async () => {},
    };
    const cfg = parseConfig({
      capacity: 9,
      interval: '400ms',
      services: [
        { name: 'urgent', priority: 1, metric: { source: 'random' }, target: 'direct' },
        { name: 'background', priority: 2, target: 'remainder' },
      ],
    });
    const agent = new Agent(cfg, { engine, log: silentLogger(), sources: new Map([['urgent', slow]]) });
    await agent.start();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await agent.stop();
    const starts = agent.ticks.toArray().map((t) => t.atMs);
    const gaps = starts.slice(1).map((at, i) => at - (starts[i] ?? at));
    assert.ok(gaps.length >= 2, `only ${starts.length} ticks in 1.5 s at a 400 ms interval`);
    // Counted from the end, the gap would be 400 + 250 = 650 ms.
    for (const gap of gaps) assert.ok(gap >= 390 && gap < 560, `ticks began ${gaps.join(', ')} ms apart; expected about 400`);
  });

  it('rests a full interval after a tick that took longer than the interval', async () => {
    const engine = new TestEngine();
    const observe = engine.observe.bind(engine);
    engine.observe = async () => {
      await new Promise((resolve) => setTimeout(resolve, 300)); // an engine slower than the 200 ms interval
      return observe();
    };
    const cfg = parseConfig({
      capacity: 9,
      interval: '200ms',
      services: [
        { name: 'urgent', priority: 1, metric: { source: 'random' }, target: 'direct' },
        { name: 'background', priority: 2, target: 'remainder' },
      ],
    });
    const agent = new Agent(cfg, { engine, log: silentLogger() });
    await agent.start();
    await new Promise((resolve) => setTimeout(resolve, 1300));
    await agent.stop();
    const ticks = agent.ticks.toArray();
    const rests = ticks.slice(1).map((t, i) => t.atMs - ((ticks[i]?.atMs ?? 0) + (ticks[i]?.durationMs ?? 0)));
    assert.ok(rests.length >= 1, `only ${ticks.length} ticks`);
    for (const rest of rests) assert.ok(rest >= 190, `rested only ${rests.join(', ')} ms between ticks; expected the 200 ms interval`);
  });
});

describe('agent: the history is bounded by service lines as well as by ticks', () => {
  /** An agent for `count` remainder services on the sim engine, ticked by hand. */
  function wide(count: number, extra: Record<string, unknown>, historySize?: number) {
    const services = Array.from({ length: count }, (_, i) => ({ name: `s${i}`, priority: 1, target: 'remainder' }));
    let now = 0;
    const engine = new SimEngine(
      { kind: 'sim', startLatency: 0, stopLatency: 0 },
      services.map((s) => ({ name: s.name, stopGracePeriodMs: 0, options: {} })),
      { nowMs: () => now },
    );
    const agent = new Agent(parseConfig({ capacity: 100, interval: '1h', services, ...extra }), {
      engine,
      log: silentLogger(),
      nowMs: () => now,
      ...(historySize !== undefined ? { historySize } : {}),
    });
    const ticks = async (n: number) => {
      for (let i = 0; i < n; i++) {
        now += 500;
        await agent.tickNow();
      }
      return agent.ticks.toArray().map((t) => t.seq);
    };
    return { agent, ticks };
  }

  it('drops the oldest ticks once the kept service lines exceed historyLines', async () => {
    const { agent, ticks } = wide(40, { historyLines: 100 }); // 40 lines a tick: two ticks fit, a third does not
    assert.deepEqual(await ticks(2), [1, 2]);
    assert.deepEqual(await ticks(1), [2, 3], 'the oldest tick went');
    assert.deepEqual(await ticks(4), [6, 7], 'the newest ticks stay, oldest first');
    await agent.stop();
  });

  it('always keeps the latest tick, even when one tick alone exceeds the budget', async () => {
    const { agent, ticks } = wide(40, { historyLines: 10 });
    assert.deepEqual(await ticks(3), [3]);
    await agent.stop();
  });

  it('still keeps at most historySize ticks when the lines fit', async () => {
    const { agent, ticks } = wide(40, { historyLines: 1_000_000 }, 3);
    assert.deepEqual(await ticks(5), [3, 4, 5]);
    await agent.stop();
  });

  it('keeps 200,000 lines by default, and applies a reloaded budget at the next tick', async () => {
    const { agent, ticks } = wide(40, {});
    assert.equal(agent.config.historyLines, 200_000);
    assert.equal((await ticks(6)).length, 6);
    const services = agent.config.services.map((s) => ({ name: s.name, priority: 1, target: 'remainder' as const }));
    await agent.reconfigure(parseConfig({ capacity: 100, interval: '1h', services, historyLines: 80 }));
    assert.deepEqual(await ticks(1), [6, 7]);
    await agent.stop();
  });
});
