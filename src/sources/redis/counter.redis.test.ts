// `arrivals: {source: redis, stream: S, counter: true}` on a real Redis 7: the stream's entries-added
// read right, and turned into messages/s by the agent's read path (config -> wiring -> readWithTimeout).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { parseConfig } from '../../agent/config-loader.js';
import { createSource } from '../../agent/wiring.js';
import type { ServiceConfig } from '../../config/schema.js';
import { silentLogger } from '../../log/logger.js';
import { needService } from '../../testing/services.js';
import { REDIS_URL, redisCheck, uniqueName } from '../../bench/services/redis.js';
import type { Source } from '../types.js';
import { checkRateAtPace, readArrivals as read } from '../testing/counter-pace.js';

/** The service of a config whose arrivals read `stream`'s counter, parsed as the agent parses it. */
function serviceFor(stream: string): ServiceConfig {
  const arrivals = { source: 'redis', url: REDIS_URL, stream, counter: true };
  const config = parseConfig(
    { capacity: 4, services: [{ name: 'orders', metric: { source: 'push' }, target: { sla: { queueLength: 500 } }, arrivals }] },
    {},
  );
  return config.services[0]!;
}

/** A source built the way the agent builds it. */
function arrivalsFor(stream: string): Source {
  const source = createSource(serviceFor(stream), { log: silentLogger(), nowMs: Date.now }, 'arrivals');
  assert.ok(source);
  return source;
}

describe('arrivals from a Redis stream counter (entries-added) on a real server', () => {
  let admin: Redis;
  const keys: string[] = [];
  before(async () => {
    admin = new Redis(REDIS_URL);
  });
  after(async () => {
    if (keys.length > 0 && admin.status === 'ready') await admin.del(...keys);
    admin.disconnect();
  });

  it('reads messages/s while a producer publishes at a known pace, ~0 after, "not yet" first', async (t) => {
    if (!(await needService(t, redisCheck))) return;
    const stream = uniqueName('counter');
    keys.push(stream);
    await admin.xadd(stream, '*', 'n', '0');
    const source = arrivalsFor(stream);
    try {
      const first = await read(source);
      assert.equal(first.ok, false, 'the first read has no rate yet');
      assert.ok(!first.ok && first.notYet, `not yet, not an error: ${JSON.stringify(first)}`);

      await checkRateAtPace(source, (from) => {
        const batch = admin.pipeline();
        for (let i = 0; i < 10; i++) batch.xadd(stream, '*', 'n', String(from + i));
        return batch.exec();
      });
    } finally {
      await source.close();
    }
  });

  it('reads entries-added (deleted entries still count), starts over when the stream is made again, and never reads 0 for a missing stream', async (t) => {
    if (!(await needService(t, redisCheck))) return;
    const stream = uniqueName('counter');
    keys.push(stream);
    for (let i = 0; i < 25; i++) await admin.xadd(stream, '*', 'n', String(i));
    const [firstId] = (await admin.xrange(stream, '-', '+', 'COUNT', 1))[0]!;
    await admin.xdel(stream, firstId); // XLEN 24, entries-added still 25
    await admin.xtrim(stream, 'MAXLEN', 10);
    // The raw counter, before it becomes a rate.
    const { redisSource } = await import('./redis.js');
    const raw = redisSource.create(serviceFor(stream).arrivals!, { service: 'orders', log: silentLogger(), nowMs: Date.now });
    try {
      assert.equal(await raw.read(AbortSignal.timeout(2000)), 25);
    } finally {
      await raw.close();
    }

    const source = arrivalsFor(stream);
    try {
      assert.ok((await read(source)).ok === false);
      await sleep(600);
      for (let i = 0; i < 6; i++) await admin.xadd(stream, '*', 'n', String(i));
      const rate = await read(source);
      assert.ok(rate.ok && rate.value > 0, JSON.stringify(rate));

      // Deleted and made again: entries-added restarts at 3, below 31. No negative rate: "not yet" again.
      await admin.del(stream);
      for (let i = 0; i < 3; i++) await admin.xadd(stream, '*', 'n', String(i));
      await sleep(600);
      const reset = await read(source);
      assert.ok(!reset.ok && reset.notYet, JSON.stringify(reset));
      assert.match(reset.message, /went back \(to 3\)/);

      // Gone: a failed read (an error the tick reports), never a rate of 0.
      await admin.del(stream);
      await sleep(600);
      const gone = await read(source);
      assert.ok(!gone.ok && !gone.notYet, JSON.stringify(gone));
      assert.match(gone.message, /redis source for service "orders"/);
    } finally {
      await source.close();
    }
  });
});
