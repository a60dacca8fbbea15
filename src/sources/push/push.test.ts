import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Agent } from '../../agent/agent.js';
import { createApiApp } from '../../api/app.js';
import { parseConfig } from '../../agent/config-loader.js';
import { SimEngine } from '../../engines/sim/sim.js';
import { SourceError } from '../../errors.js';
import { silentLogger } from '../../log/logger.js';
import { eventually } from '../../testing/services.js';
import { sourceConformance } from '../testing/conformance.js';
import { PushSource, pushSchema } from './push.js';

sourceConformance('push', {
  notApplicable: {
    unreachable: 'values are pushed to microscale: there is no server to reach',
    missing: 'there is no queue to be missing',
  },
  setup: async () => {
    let created: PushSource | undefined;
    return {
      create: (context) => (created = new PushSource(pushSchema.parse({ source: 'push' }), context)),
      setValue: async (value) => created?.accept(value),
      cleanup: async () => undefined,
    };
  },
});

function pushSource(metric: Record<string, unknown> = {}, clock = { now: 0 }) {
  return {
    clock,
    source: new PushSource(pushSchema.parse({ source: 'push', ...metric }), {
      service: 'orders',
      log: silentLogger(),
      nowMs: () => clock.now,
    }),
  };
}

describe('push source', () => {
  it('reads what was pushed last, and tells its watchers at once', async () => {
    const { source } = pushSource();
    let woken = 0;
    source.watch(() => woken++);
    source.accept(12);
    source.accept(40);
    assert.equal(await source.read(), 40);
    assert.equal(woken, 2);
  });

  it('holds until the first push (or reads initial:), and says how to push', async () => {
    await assert.rejects(
      pushSource().source.read(),
      (error: unknown) =>
        error instanceof SourceError && error.failure === 'not-found' && /\/api\/services\/orders\/metric/.test(error.message),
    );
    assert.equal(await pushSource({ initial: 3 }).source.read(), 3);
  });

  it('treats a value older than maxAge as an outage, so the service holds', async () => {
    const { source, clock } = pushSource({ maxAge: '30s' });
    source.accept(7);
    clock.now = 29_000;
    assert.equal(await source.read(), 7);
    clock.now = 31_000;
    await assert.rejects(
      source.read(),
      (error: unknown) => error instanceof SourceError && error.failure === 'timeout' && /pusher/.test(error.message),
    );
    const { source: forever, clock: later } = pushSource({ maxAge: 'off' });
    forever.accept(7);
    later.now = 10 * 86_400_000;
    assert.equal(await forever.read(), 7);
  });

  it('refuses a negative or non-finite value, keeping the last good one', async () => {
    const { source } = pushSource();
    source.accept(5);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => source.accept(bad), RangeError);
    assert.equal(await source.read(), 5);
  });

  it('has a strict metric block', () => {
    assert.equal(pushSchema.safeParse({ source: 'push', maxage: '1m' }).success, false);
    assert.equal(pushSchema.safeParse({ source: 'push', maxAge: 'soon' }).success, false);
    assert.deepEqual(pushSchema.parse({ source: 'push' }), { source: 'push', maxAge: 60_000 });
  });
});

describe('push through the API', () => {
  it('a POST to /api/services/{name}/metric brings a decision well before the next timer tick', async () => {
    const config = parseConfig({
      capacity: 9,
      interval: '1h', // no timer tick can explain a decision within the test
      minTickGap: '20ms',
      services: [{ name: 'orders', metric: { source: 'push', initial: 0 }, target: { perContainer: 10 }, max: 9 }],
    });
    const engine = new SimEngine(
      { kind: 'sim', startLatency: 0, stopLatency: 0 },
      [{ name: 'orders', stopGracePeriodMs: 0, options: {} }],
      { nowMs: Date.now },
    );
    const agent = new Agent(config, { engine, log: silentLogger() });
    const app = createApiApp({ agent, token: 'test-token', log: silentLogger() });
    try {
      await agent.start();
      const decided: number[] = [];
      agent.on('decision', (d) => decided.push(d.to));
      const response = await app.request('/api/services/orders/metric', {
        method: 'POST',
        headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' },
        body: JSON.stringify({ value: 45 }),
      });
      assert.equal(response.status, 200);
      assert.ok(await eventually(() => decided.includes(5), 2000), `decisions seen: ${decided.join(', ')}`);
    } finally {
      await agent.stop();
    }
  });
});
