import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../errors.js';
import { metricProblems } from '../../testing/config-problems.js';
import { eventually, needService } from '../../testing/services.js';
import { conformanceContext, sourceConformance } from '../testing/conformance.js';
import { TcpProxy } from '../../testing/tcp-proxy.js';
import { freePort, portOpen, ThrowawayServer } from '../testing/servers.js';
import { assertWakesOnReturn } from '../testing/wake-on-return.js';
import { JetStreamFixture, NATS_URL, natsCheck } from '../../bench/services/nats.js';
import { NatsSource } from './nats.js';
import { natsSchema } from './schema.js';

const isFailure = (failure: string, pattern?: RegExp) => (error: unknown) =>
  error instanceof SourceError && error.failure === failure && (pattern === undefined || pattern.test(error.message));

sourceConformance('nats', {
  setup: async () => {
    if (!(await needService(undefined, natsCheck))) return undefined;
    const fixture = await JetStreamFixture.open();
    const closedPort = await freePort();
    const metric = { source: 'nats', url: NATS_URL, stream: fixture.stream, consumer: fixture.consumer };
    return {
      create: (context) => new NatsSource(natsSchema.parse(metric), context),
      setValue: (value) => fixture.setPending(value),
      createUnreachable: (context) =>
        new NatsSource(natsSchema.parse({ ...metric, url: `nats://ops:s3cret@127.0.0.1:${closedPort}` }), context),
      createMissing: (context) => new NatsSource(natsSchema.parse({ ...metric, consumer: 'nobody' }), context),
      cleanup: () => fixture.close(),
    };
  },
});

describe('nats source on a real server', () => {
  let fixture: JetStreamFixture;
  const source = (metric: Record<string, unknown> = {}) =>
    new NatsSource(
      natsSchema.parse({ source: 'nats', url: NATS_URL, stream: fixture.stream, consumer: fixture.consumer, ...metric }),
      conformanceContext,
    );
  before(async () => {
    if (await needService(undefined, natsCheck)) fixture = await JetStreamFixture.open();
  });
  after(async () => fixture?.close());

  it('counts pending, ack pending, or both, as count: says', async (t) => {
    if (!(await needService(t, natsCheck))) return;
    await fixture.setPending(37);
    const consumer = await fixture.client.consumers.get(fixture.stream, fixture.consumer);
    const batch = await consumer.fetch({ max_messages: 5, expires: 2000 });
    let acked = 0;
    for await (const message of batch) if (acked++ < 2) message.ack();
    await fixture.connection.flush();
    const expected = { 'pending+ackPending': 35, pending: 32, ackPending: 3 };
    for (const [count, value] of Object.entries(expected)) {
      const s = source({ count });
      assert.ok(await eventually(async () => (await s.read(AbortSignal.timeout(2000))) === value, 2000), `${count} = ${value}`);
      await s.close();
    }
  });

  it('tells a missing stream from a missing consumer', async (t) => {
    if (!(await needService(t, natsCheck))) return;
    const noStream = source({ stream: 'NO_SUCH_STREAM_MICROSCALE' });
    const noConsumer = source({ consumer: 'nobody' });
    try {
      await assert.rejects(noStream.read(AbortSignal.timeout(2000)), isFailure('not-found', /stream not found/i));
      await assert.rejects(noConsumer.read(AbortSignal.timeout(2000)), isFailure('not-found', /consumer not found/i));
    } finally {
      await Promise.all([noStream.close(), noConsumer.close()]);
    }
  });

  it('wakes its watcher on a publish to the stream (watch: true)', async (t) => {
    if (!(await needService(t, natsCheck))) return;
    const s = source({ watch: true });
    let changes = 0;
    const unwatch = s.watch(() => changes++);
    try {
      // The watch subscribes once it has read the stream's subjects; a publish before that wakes nobody (a fixed
      // 300 ms was a guess), so publish until one that came after the subscription wakes the watcher.
      assert.ok(
        await eventually(
          async () => {
            if (changes === 0) await fixture.client.publish(`${fixture.subject}.job`, 'hello');
            return changes > 0;
          },
          5000,
          200,
        ),
        'watcher was called',
      );
    } finally {
      unwatch();
      await s.close();
    }
  });

  it('wakes its watcher as soon as the connection is back, with no read (watch: false)', async (t) => {
    if (!(await needService(t, natsCheck))) return;
    await fixture.setPending(3);
    // nats.js retries against the cut proxy meanwhile.
    await assertWakesOnReturn(t, {
      serverPort: Number(new URL(NATS_URL).port || 4222),
      source: (port) => source({ url: `nats://127.0.0.1:${port}` }),
      expected: 3,
      downMs: 1000,
      readTimeoutMs: 2000,
    });
  });

  it('reconnects after the connection drops', async (t) => {
    if (!(await needService(t, natsCheck))) return;
    await fixture.setPending(2);
    const proxy = new TcpProxy(Number(new URL(NATS_URL).port || 4222));
    await proxy.start();
    const s = source({ url: `nats://127.0.0.1:${proxy.port}` });
    try {
      assert.equal(await s.read(AbortSignal.timeout(2000)), 2);
      proxy.cut();
      await assert.rejects(
        s.read(AbortSignal.timeout(2000)),
        (error: unknown) => error instanceof SourceError && ['unreachable', 'timeout'].includes(error.failure),
      );
      proxy.restore();
      await fixture.setPending(6);
      assert.ok(
        await eventually(async () => (await s.read(AbortSignal.timeout(1000)).catch(() => -1)) === 6, 10_000, 100),
        'read again once the server was back',
      );
    } finally {
      await s.close();
      await proxy.close();
    }
  });
});

describe('nats source against a server that wants a password', () => {
  let server: ThrowawayServer | undefined;
  let port = 0;
  after(async () => server?.stop());

  it('reports a refused password as auth, without the password', async (t) => {
    const binary = {
      what: 'the nats-server binary',
      howToStart: 'apt-get install nats-server',
      probe: async () => (await import('node:fs')).existsSync('/usr/sbin/nats-server'),
    };
    if (!(await needService(t, binary))) return;
    port = await freePort();
    server = new ThrowawayServer('nats-server', ['-a', '127.0.0.1', '-p', String(port), '--user', 'ops', '--pass', 'right-s3cret'], () =>
      portOpen(port),
    );
    await server.start();
    const s = new NatsSource(
      natsSchema.parse({
        source: 'nats',
        url: `nats://127.0.0.1:${port}`,
        username: 'ops',
        password: 'wrong-s3cret',
        stream: 'S',
        consumer: 'C',
      }),
      conformanceContext,
    );
    try {
      await assert.rejects(
        s.read(AbortSignal.timeout(3000)),
        (error: unknown) => isFailure('auth')(error) && !/s3cret/.test((error as Error).message),
      );
    } finally {
      await s.close();
    }
  });
});

describe('nats metric block', () => {
  const problems = (metric: Record<string, unknown>): string => metricProblems('nats', metric);

  it('defaults to the loopback server, pending + ack pending, no watch', () => {
    const parsed = natsSchema.parse({ source: 'nats', stream: 'S', consumer: 'C' });
    assert.equal(parsed.url, 'nats://127.0.0.1:4222');
    assert.equal(parsed.count, 'pending+ackPending');
    assert.equal(parsed.watch, false);
  });

  it('names the field: missing stream/consumer, unknown key, two ways to authenticate', () => {
    assert.match(problems({ consumer: 'C' }), /metric\.stream: is required/);
    assert.match(problems({ stream: 'S' }), /metric\.consumer: is required/);
    assert.match(problems({ stream: 'S', consumer: 'C', subject: 'x' }), /subject/);
    assert.match(
      problems({ stream: 'S', consumer: 'C', token: 't', username: 'u', password: 'p' }),
      /metric\.token: give one way to authenticate/,
    );
    assert.match(problems({ stream: 'S', consumer: 'C', username: 'u' }), /metric\.password: username and password go together/);
  });
});
