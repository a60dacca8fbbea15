// `arrivals: {source: nats, stream: S, counter: true}` on a real NATS JetStream: the stream's last
// sequence read right, and turned into messages/s by the agent's read path (config -> wiring -> read).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from '../../agent/config-loader.js';
import { createSource } from '../../agent/wiring.js';
import type { MetricConfig, ServiceConfig } from '../../config/schema.js';
import { silentLogger } from '../../log/logger.js';
import { needService } from '../../testing/services.js';
import { JetStreamFixture, NATS_URL, natsCheck } from '../../bench/services/nats.js';
import type { Source } from '../types.js';
import { checkRateAtPace, readArrivals as read } from '../testing/counter-pace.js';
import { natsSource } from './nats.js';

/** The service of a config whose arrivals read `stream`'s counter, parsed as the agent parses it. */
function serviceFor(stream: string): ServiceConfig {
  const arrivals = { source: 'nats', url: NATS_URL, stream, counter: true };
  const config = parseConfig(
    { capacity: 4, services: [{ name: 'orders', metric: { source: 'push' }, target: { sla: { queueLength: 500 } }, arrivals }] },
    {},
  );
  return config.services[0]!;
}

const arrivalsBlock = (stream: string): MetricConfig => serviceFor(stream).arrivals!;

/** A source built the way the agent builds it. */
function arrivalsFor(stream: string): Source {
  const source = createSource(serviceFor(stream), { log: silentLogger(), nowMs: Date.now }, 'arrivals');
  assert.ok(source);
  return source;
}

describe('arrivals from a NATS JetStream stream counter (last sequence) on a real server', () => {
  let fixture: JetStreamFixture;
  before(async () => {
    if (await needService(undefined, natsCheck)) fixture = await JetStreamFixture.open();
  });
  after(async () => fixture?.close());

  it('reads messages/s while a producer publishes at a known pace, 0 after, "not yet" first', async (t) => {
    if (!(await needService(t, natsCheck))) return;
    const source = arrivalsFor(fixture.stream);
    try {
      const first = await read(source);
      assert.ok(!first.ok && first.notYet, `the first read has no rate yet: ${JSON.stringify(first)}`);
      await checkRateAtPace(source, (from) =>
        Promise.all(Array.from({ length: 10 }, (_, i) => fixture.client.publish(`${fixture.subject}.job`, `job-${from + i}`))),
      );
    } finally {
      await source.close();
    }
  });

  it('reads the last sequence (a purge keeps it), starts over when the stream is made again, never reads 0 for a missing stream', async (t) => {
    if (!(await needService(t, natsCheck))) return;
    const other = await JetStreamFixture.open();
    try {
      for (let i = 0; i < 25; i++) await other.client.publish(`${other.subject}.job`, `job-${i}`);
      await other.manager.streams.purge(other.stream); // no messages left; 25 were added
      const raw = natsSource.create(arrivalsBlock(other.stream), { service: 'orders', log: silentLogger(), nowMs: Date.now });
      try {
        assert.equal(await raw.read(AbortSignal.timeout(2000)), 25);
      } finally {
        await raw.close();
      }

      const source = arrivalsFor(other.stream);
      try {
        assert.ok((await read(source)).ok === false);
        await sleep(600);
        for (let i = 0; i < 6; i++) await other.client.publish(`${other.subject}.job`, `job-${i}`);
        const rate = await read(source);
        assert.ok(rate.ok && rate.value > 0, JSON.stringify(rate));

        // Deleted and made again: the last sequence restarts at 3, below 31. No negative rate: "not yet" again.
        await other.manager.streams.delete(other.stream);
        await other.manager.streams.add({ name: other.stream, subjects: [`${other.subject}.>`] });
        for (let i = 0; i < 3; i++) await other.client.publish(`${other.subject}.job`, `job-${i}`);
        await sleep(600);
        const reset = await read(source);
        assert.ok(!reset.ok && reset.notYet, JSON.stringify(reset));
        assert.match(reset.message, /went back \(to 3\)/);

        // Gone: a failed read (an error the tick reports), never a rate of 0.
        await other.manager.streams.delete(other.stream);
        await sleep(600);
        const gone = await read(source);
        assert.ok(!gone.ok && !gone.notYet, JSON.stringify(gone));
        assert.match(gone.message, /nats source for service "orders"/);
      } finally {
        await source.close();
      }
    } finally {
      await other.close();
    }
  });
});
