// What a restart and an outage look like to an operator: pushed values survive a restart (with their
// age), a failing source or engine is one line when it starts, a summary while it lasts and one
// `recovered` line, and a held service's reason is said once.
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from './config-loader.js';
import { EngineError } from '../errors.js';
import { SimEngine } from '../engines/sim/sim.js';
import type { Engine } from '../engines/types.js';
import { SUMMARY_EVERY_MS } from '../log/incidents.js';
import { silentLogger } from '../log/logger.js';
import type { Source } from '../sources/types.js';
import { Agent } from './agent.js';
import { defaultStateFile } from './push-memory.js';

interface LogLine {
  readonly level: number;
  readonly event?: string;
  readonly msg: string;
  readonly failures?: number;
}

function capture() {
  const lines: LogLine[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  return { log, lines, events: (event: string) => lines.filter((l) => l.event === event) };
}

const pushConfig = (maxAge = '1m') =>
  parseConfig({
    capacity: 10,
    interval: '1h', // ticks are driven by hand
    services: [
      { name: 'urgent', priority: 1, metric: { source: 'push', maxAge }, target: 'direct' },
      { name: 'background', priority: 2, target: 'remainder' },
    ],
  });

function simEngine(clock: { now: number }): SimEngine {
  return new SimEngine(
    { kind: 'sim', startLatency: 0, stopLatency: 0 },
    ['urgent', 'background'].map((name) => ({ name, stopGracePeriodMs: 0, options: {} })),
    { nowMs: () => clock.now },
  );
}

describe('agent restart: pushed values survive it', { timeout: 30_000 }, () => {
  it('decides from the last push at its first tick, and honours maxAge from the time of the push', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'microscale-state-'));
    const stateFile = join(dir, 'state.json');
    const clock = { now: 1_000_000 };
    try {
      const first = new Agent(pushConfig('30s'), { engine: simEngine(clock), log: silentLogger(), nowMs: () => clock.now, stateFile });
      await first.start();
      first.pushMetric('urgent', 7);
      await first.stop(); // the file was written before pushMetric returned (before the API answers)
      assert.deepEqual(JSON.parse(await readFile(stateFile, 'utf8')).pushed['metric/urgent'], { value: 7, atMs: 1_000_000 });

      clock.now += 10_000;
      const second = new Agent(pushConfig('30s'), { engine: simEngine(clock), log: silentLogger(), nowMs: () => clock.now, stateFile });
      await second.start();
      const urgent = second.ticks.toArray()[0]?.services.find((s) => s.name === 'urgent');
      assert.equal(urgent?.demand, 7, 'the first tick after the restart uses the value pushed before it');
      assert.equal(urgent?.stale, false);
      assert.equal(urgent?.planned, 7);
      await second.stop();

      clock.now += 25_000; // 35 s after the push: older than maxAge 30s
      const third = new Agent(pushConfig('30s'), { engine: simEngine(clock), log: silentLogger(), nowMs: () => clock.now, stateFile });
      await third.start();
      assert.equal(
        third.ticks.toArray()[0]?.services.find((s) => s.name === 'urgent')?.stale,
        true,
        'a value older than maxAge is not used, restart or not',
      );
      await third.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the last of many pushes in a file that stays short, and reads past a line cut short', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'microscale-state-'));
    const stateFile = join(dir, 'state.json');
    const clock = { now: 1_000_000 };
    const restarted = async () => {
      const { log, events } = capture();
      const agent = new Agent(pushConfig(), { engine: simEngine(clock), log, nowMs: () => clock.now, stateFile });
      await agent.start();
      const demand = agent.ticks.toArray()[0]?.services.find((s) => s.name === 'urgent')?.demand;
      await agent.stop();
      return { demand, warnings: events('state-file-error').length };
    };
    try {
      const first = new Agent(pushConfig(), { engine: simEngine(clock), log: silentLogger(), nowMs: () => clock.now, stateFile });
      await first.start();
      for (let value = 1; value <= 500; value++) {
        clock.now += 10;
        first.pushMetric('urgent', value);
      }
      await first.stop();
      const lines = (await readFile(stateFile, 'utf8')).trim().split('\n');
      assert.ok(lines.length <= 100, `the file grew to ${lines.length} lines for one value`);
      assert.deepEqual(await restarted(), { demand: 500, warnings: 0 });

      // A push line cut short (a full disk at the wrong moment) after a good one: the good one stands.
      const again = new Agent(pushConfig(), { engine: simEngine(clock), log: silentLogger(), nowMs: () => clock.now, stateFile });
      await again.start();
      again.pushMetric('urgent', 501);
      await again.stop();
      await appendFile(stateFile, '{"key":"metric/urgent","val');
      assert.deepEqual(await restarted(), { demand: 501, warnings: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('without a remembered value, holds the count it finds until the first push', async () => {
    const clock = { now: 0 };
    const engine = simEngine(clock);
    await engine.apply([
      { name: 'urgent', replicas: 4 },
      { name: 'background', replicas: 6 },
    ]);
    const agent = new Agent(pushConfig(), { engine, log: silentLogger(), nowMs: () => clock.now });
    await agent.start();
    const tick = agent.ticks.toArray()[0];
    assert.equal(tick?.services.find((s) => s.name === 'urgent')?.planned, 4, 'held at what runs, not 0');
    assert.equal(tick?.services.find((s) => s.name === 'background')?.planned, 6, 'the remainder does not grow into its room');
    await agent.stop();
  });

  it('a broken state file is one warning, never a failed start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'microscale-state-'));
    const stateFile = join(dir, 'state.json');
    await writeFile(stateFile, '{not json');
    const { log, events } = capture();
    const clock = { now: 0 };
    try {
      const agent = new Agent(pushConfig(), { engine: simEngine(clock), log, nowMs: () => clock.now, stateFile });
      await agent.start();
      assert.equal(events('state-file-error').length, 1);
      assert.match(events('state-file-error')[0]?.msg ?? '', /state\.json.*stateFile:/);
      await agent.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps one state file per config file under XDG_STATE_HOME by default', () => {
    assert.equal(
      defaultStateFile('/etc/microscale/prod.yaml', { XDG_STATE_HOME: '/var/lib/x' }),
      '/var/lib/x/microscale/etc_microscale_prod.yaml.state.json',
    );
    assert.notEqual(defaultStateFile('/a/microscale.yaml', {}), defaultStateFile('/b/microscale.yaml', {}));
  });
});

class FlakySource implements Source {
  fail = false;
  async read(): Promise<number> {
    if (this.fail) throw new Error('redis: connect ECONNREFUSED 127.0.0.1:6379');
    return 3;
  }
  async close(): Promise<void> {}
}

describe('agent logs: an outage is an incident, not a line per tick', { timeout: 30_000 }, () => {
  it('a source outage: one line when it starts, a summary a minute, one recovered line; the reason said once', async () => {
    const { log, events } = capture();
    const clock = { now: 0 };
    const source = new FlakySource();
    const config = parseConfig({
      capacity: 10,
      interval: '1h',
      services: [{ name: 'urgent', metric: { source: 'random' }, target: 'direct' }],
    });
    const engine = new SimEngine(
      { kind: 'sim', startLatency: 0, stopLatency: 0 },
      [{ name: 'urgent', stopGracePeriodMs: 0, options: {} }],
      { nowMs: () => clock.now },
    );
    const agent = new Agent(config, { engine, log, nowMs: () => clock.now, sources: new Map([['urgent', source]]) });
    await agent.start();
    source.fail = true;
    for (let i = 0; i < 130; i++) {
      clock.now += 500; // 65 s of ticks at 500 ms
      await agent.tickNow();
    }
    assert.equal(events('metric-error').length, 1, 'one line when the outage starts');
    assert.equal(events('metric-error-ongoing').length, 1, 'one summary after a minute');
    assert.ok((events('metric-error-ongoing')[0]?.failures ?? 0) >= 100, 'the summary counts the failed reads it stands for');
    const held = agent.ticks.toArray().at(-1)?.services[0];
    assert.equal(held?.planned, 3, 'held, never 0');
    assert.equal(held?.reason, 'metric unavailable: holding 3', 'the reason says holding once');
    source.fail = false;
    clock.now += 500;
    await agent.tickNow();
    assert.equal(agent.ticks.toArray().at(-1)?.services[0]?.stale, false, 'fresh at the first tick after the source is back');
    assert.equal(events('metric-error-recovered').length, 1);
    assert.match(
      events('metric-error-recovered')[0]?.msg ?? '',
      /recovered: metric for service "urgent" read again after 65\.0s \(130 failures\)/,
    );
    assert.equal(events('metric-error').length, 1);
    await agent.stop();
    assert.equal(SUMMARY_EVERY_MS, 60_000);
  });

  it('an engine outage: one error line, one recovered line, and an engine that says it is back ends the backoff', async () => {
    const { log, events } = capture();
    const clock = { now: 0 };
    let down = false;
    let notify: (() => void) | undefined;
    const inner = simEngine(clock);
    const engine: Engine = {
      observe: async () => {
        if (down) throw new EngineError('unreachable', 'test', 'connection refused');
        return inner.observe();
      },
      apply: (targets) => inner.apply(targets),
      watch: (onChange) => {
        notify = onChange;
        return () => undefined;
      },
      close: async () => undefined,
    };
    const agent = new Agent(pushConfig(), { engine, log, nowMs: () => clock.now });
    await agent.start();
    down = true;
    for (let i = 0; i < 20; i++) {
      clock.now += 500;
      await agent.tickNow();
    }
    assert.equal(events('engine-error').length, 1);
    const inBackoff = await (async () => {
      down = false;
      clock.now += 100;
      await agent.tickNow();
      return agent.ticks.toArray().at(-1)?.engineError ?? '';
    })();
    assert.match(inBackoff, /retrying in/, 'without a word from the engine, the backoff holds');
    notify?.();
    clock.now += 100;
    await agent.tickNow();
    assert.equal(agent.ticks.toArray().at(-1)?.engineError, null, 'the engine said it is back: read at once');
    assert.equal(events('engine-error-recovered').length, 1);
    await agent.stop();
  });
});
