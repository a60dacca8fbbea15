import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from 'amqplib';
import { SourceError } from '../../errors.js';
import { metricProblems } from '../../testing/config-problems.js';
import { eventually, needService } from '../../testing/services.js';
import { conformanceContext, sourceConformance } from '../testing/conformance.js';
import { TcpProxy } from '../../testing/tcp-proxy.js';
import { freePort } from '../testing/servers.js';
import { assertWakesOnReturn } from '../testing/wake-on-return.js';
import { AMQP_URL, MANAGEMENT_URL, managementCheck, RabbitAdmin, rabbitmqCheck, uniqueQueue } from '../../bench/services/rabbitmq.js';
import { HttpJsonSource, httpSchema } from '../http/http.js';
import { RabbitmqSource } from './rabbitmq.js';
import { rabbitmqSchema } from './schema.js';

const source = (metric: Record<string, unknown>, service = 'conformance') =>
  new RabbitmqSource(rabbitmqSchema.parse({ source: 'rabbitmq', url: AMQP_URL, ...metric }), { ...conformanceContext, service });
const isFailure = (failure: string, pattern?: RegExp) => (error: unknown) =>
  error instanceof SourceError && error.failure === failure && (pattern === undefined || pattern.test(error.message));

sourceConformance('rabbitmq', {
  setup: async () => {
    if (!(await needService(undefined, rabbitmqCheck))) return undefined;
    const admin = await RabbitAdmin.open();
    const queue = uniqueQueue('conformance');
    const closedPort = await freePort();
    return {
      create: (context) => new RabbitmqSource(rabbitmqSchema.parse({ source: 'rabbitmq', url: AMQP_URL, queue }), context),
      setValue: (value) => admin.fill(queue, value),
      createUnreachable: (context) =>
        new RabbitmqSource(rabbitmqSchema.parse({ source: 'rabbitmq', url: `amqp://guest:guest@127.0.0.1:${closedPort}`, queue }), context),
      createMissing: (context) =>
        new RabbitmqSource(rabbitmqSchema.parse({ source: 'rabbitmq', url: AMQP_URL, queue: `${queue}.missing` }), context),
      cleanup: () => admin.close([queue]),
    };
  },
});

describe('rabbitmq source on a real broker', () => {
  let admin: RabbitAdmin;
  const queues: string[] = [];
  const queue = (prefix: string) => {
    const name = uniqueQueue(prefix);
    queues.push(name);
    return name;
  };
  before(async () => {
    if (await needService(undefined, rabbitmqCheck)) admin = await RabbitAdmin.open();
  });
  after(async () => admin?.close(queues));

  it('reads again after a missing queue appears (the broker closed its channel)', async (t) => {
    if (!(await needService(t, rabbitmqCheck))) return;
    const name = queue('late');
    const s = source({ queue: name });
    try {
      await assert.rejects(s.read(AbortSignal.timeout(2000)), isFailure('not-found', new RegExp(name.replace(/\./g, '\\.'))));
      await admin.fill(name, 3);
      assert.equal(await s.read(AbortSignal.timeout(2000)), 3);
    } finally {
      await s.close();
    }
  });

  it("one service's missing queue does not fail another service's read on the same broker", async (t) => {
    if (!(await needService(t, rabbitmqCheck))) return;
    const good = queue('good');
    await admin.fill(good, 4);
    const sources = [source({ queue: good }, 'good'), source({ queue: `${good}.missing` }, 'typo')];
    try {
      for (let round = 0; round < 3; round++) {
        const [ok, missing] = await Promise.allSettled(sources.map((s) => s.read(AbortSignal.timeout(2000))));
        assert.deepEqual(ok, { status: 'fulfilled', value: 4 });
        assert.equal(missing?.status, 'rejected');
      }
    } finally {
      await Promise.all(sources.map((s) => s.close()));
    }
  });

  it('reports a refused password as auth, without the password', async (t) => {
    if (!(await needService(t, rabbitmqCheck))) return;
    const url = new URL(AMQP_URL);
    const s = source({ url: `amqp://${url.host}`, username: 'guest', password: 'wrong-s3cret', queue: 'x' });
    try {
      await assert.rejects(
        s.read(AbortSignal.timeout(3000)),
        (error: unknown) => isFailure('auth')(error) && !/s3cret/.test((error as Error).message),
      );
    } finally {
      await s.close();
    }
  });

  it('counts unacked messages through the management API', async (t) => {
    if (!(await needService(t, rabbitmqCheck)) || !(await needService(t, managementCheck))) return;
    const name = queue('unacked');
    await admin.fill(name, 37);
    const consumer = await connect(AMQP_URL);
    const channel = await consumer.createChannel();
    await channel.prefetch(5);
    await channel.consume(name, () => undefined, { noAck: false }); // holds 5 unacked
    const readyOnly = source({ queue: name });
    const both = source({ queue: name, management: MANAGEMENT_URL });
    try {
      assert.ok(await eventually(async () => (await readyOnly.read(AbortSignal.timeout(2000))) === 32, 3000), 'AMQP sees 32 ready');
      // The management API's stats refresh every 5 s.
      assert.ok(await eventually(async () => (await both.read(AbortSignal.timeout(2000))) === 37, 12_000, 500), 'ready 32 + unacked 5');
    } finally {
      await consumer.close();
      await Promise.all([readyOnly.close(), both.close()]);
    }
  });

  it('gives the publish rate to an arrivals: block as the README shows (http source, management API message_stats.publish_details.rate)', async (t) => {
    // Without it an sla target has the queue alone, and an empty queue hides how far the arrivals are under
    // what runs (docs/simulator.md, "Queue only"): with RabbitMQ's management API that is never needed.
    if (!(await needService(t, rabbitmqCheck)) || !(await needService(t, managementCheck))) return;
    const name = queue('arrivals');
    await admin.channel.assertQueue(name, { durable: false });
    const arrivals = new HttpJsonSource(
      httpSchema.parse({
        source: 'http',
        url: `${MANAGEMENT_URL}/api/queues/%2F/${encodeURIComponent(name)}`,
        path: 'message_stats.publish_details.rate',
        auth: { basic: { username: 'guest', password: 'guest' } },
      }),
      { service: 'arrivals' },
    );
    // Nothing published yet: RabbitMQ leaves message_stats out, so the read fails (the service then
    // decides from its queue alone that tick), as the README says.
    await assert.rejects(arrivals.read(AbortSignal.timeout(2000)));
    // 40 messages/s, no consumer. The management API samples every 5 s, and under load its samples lag:
    // on this machine at load ~11 it read 77.6 msg/s for 38 sent. So this checks that the block reads
    // RabbitMQ's rate (positive while publishing, 0 once publishing stops), not RabbitMQ's accuracy.
    let publishing = true;
    const timer = setInterval(() => {
      if (publishing) for (let i = 0; i < 4; i++) admin.channel.sendToQueue(name, Buffer.from('job'));
    }, 100);
    try {
      let rate = 0;
      const positive = await eventually(
        async () => (rate = await arrivals.read(AbortSignal.timeout(2000)).catch(() => 0)) > 0,
        30_000,
        500,
      );
      assert.ok(positive, 'no publish rate within 30 s of publishing');
      publishing = false;
      const stopped = await eventually(async () => (rate = await arrivals.read(AbortSignal.timeout(2000))) === 0, 30_000, 500);
      assert.ok(stopped, `still ${rate} msg/s 30 s after publishing stopped`);
    } finally {
      clearInterval(timer);
      await arrivals.close();
    }
  });

  it('reports management API refusals and missing queues with their own failures', async (t) => {
    if (!(await needService(t, rabbitmqCheck)) || !(await needService(t, managementCheck))) return;
    const name = queue('mgmt');
    await admin.fill(name, 1);
    const wrong = source({ queue: name, management: { url: MANAGEMENT_URL, username: 'guest', password: 'wrong-s3cret' } });
    const missing = new RabbitmqSource(
      rabbitmqSchema.parse({ source: 'rabbitmq', url: AMQP_URL, queue: name, vhost: 'no-such-vhost', management: MANAGEMENT_URL }),
      conformanceContext,
    );
    try {
      await assert.rejects(
        wrong.read(AbortSignal.timeout(3000)),
        (error: unknown) => isFailure('auth', /management API/)(error) && !/s3cret/.test((error as Error).message),
      );
      await assert.rejects(missing.read(AbortSignal.timeout(3000)), isFailure('not-found', /vhost "no-such-vhost"/));
    } finally {
      await Promise.all([wrong.close(), missing.close()]);
    }
  });

  it('wakes its watcher as soon as the broker is back, with no read (amqplib does not reconnect by itself)', async (t) => {
    if (!(await needService(t, rabbitmqCheck))) return;
    const name = queue('wake');
    await admin.fill(name, 3);
    // Tried again in the background meanwhile, and refused.
    await assertWakesOnReturn(t, {
      serverPort: Number(new URL(AMQP_URL).port || 5672),
      source: (port) => source({ url: `amqp://guest:guest@127.0.0.1:${port}`, queue: name }),
      expected: 3,
      downMs: 1500,
      readTimeoutMs: 3000,
    });
  });

  it('reconnects with backoff after the connection drops', async (t) => {
    if (!(await needService(t, rabbitmqCheck))) return;
    const name = queue('reconnect');
    await admin.fill(name, 2);
    const proxy = new TcpProxy(Number(new URL(AMQP_URL).port || 5672));
    await proxy.start();
    const s = source({ url: `amqp://guest:guest@127.0.0.1:${proxy.port}`, queue: name });
    try {
      assert.equal(await s.read(AbortSignal.timeout(3000)), 2);
      proxy.cut();
      await assert.rejects(s.read(AbortSignal.timeout(3000)), isFailure('unreachable'));
      proxy.restore();
      await admin.fill(name, 6);
      assert.ok(
        await eventually(async () => (await s.read(AbortSignal.timeout(1000)).catch(() => -1)) === 6, 10_000, 100),
        'read again once the broker was back',
      );
    } finally {
      await s.close();
      await proxy.close();
    }
  });
});

describe('rabbitmq metric block', () => {
  const problems = (metric: Record<string, unknown>): string => metricProblems('rabbitmq', metric);

  it('defaults: loopback guest broker, vhost from the URL, ready only unless management is given', () => {
    const parsed = rabbitmqSchema.parse({ source: 'rabbitmq', queue: 'jobs' });
    assert.equal(parsed.url, 'amqp://guest:guest@127.0.0.1:5672');
    assert.equal(parsed.vhost, '/');
    assert.equal(parsed.count, 'ready');
    assert.equal(rabbitmqSchema.parse({ source: 'rabbitmq', queue: 'jobs', url: 'amqp://h/prod%2Feu' }).vhost, 'prod/eu');
    assert.equal(rabbitmqSchema.parse({ source: 'rabbitmq', queue: 'jobs', management: 'http://h:15672' }).count, 'ready+unacked');
  });

  it('names the field for a missing queue, an unknown key, a bad URL, and unacked without management', () => {
    assert.match(problems({}), /metric\.queue: is required/);
    assert.match(problems({ queue: 'q', qeue: 'x' }), /qeue/);
    assert.match(problems({ queue: 'q', url: 'http://x' }), /metric\.url: expected a URL like amqp:/);
    assert.match(problems({ queue: 'q', count: 'ready+unacked' }), /metric\.count: ready\+unacked needs management/);
    const badUrl = problems({ queue: 'q', url: 'http://ops:s3cret@broker:5672' });
    assert.match(badUrl, /metric\.url/);
    assert.doesNotMatch(badUrl, /s3cret/, 'a config error never echoes the password in a URL');
  });
});
