// Outages against a throwaway redis-server this test starts and kills: the source reports them,
// reconnects by itself when the server is back, honours the read timeout, and the agent holds the
// service at its last count (never zero) meanwhile.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { Agent } from '../../agent/agent.js';
import { parseConfig } from '../../agent/config-loader.js';
import { SimEngine } from '../../engines/sim/sim.js';
import { SourceError } from '../../errors.js';
import { silentLogger } from '../../log/logger.js';
import { eventually, needService } from '../../testing/services.js';
import { conformanceContext } from '../testing/conformance.js';
import { freePort, portOpen, silentServer, ThrowawayServer } from '../testing/servers.js';
import { fillList } from '../../bench/services/redis.js';
import { RedisConnection } from './connection.js';
import { RedisSource } from './redis.js';
import { redisSchema } from './schema.js';

const redisServerCheck = {
  what: 'the redis-server binary (to start a throwaway server)',
  howToStart: 'apt-get install redis-server (../shared/tools/queue-servers up installs it)',
  probe: async () => (await import('node:fs')).existsSync('/usr/bin/redis-server'),
};

describe('redis source through an outage', () => {
  let port: number;
  let server: ThrowawayServer;
  let admin: Redis;
  before(async () => {
    port = await freePort();
    server = new ThrowawayServer('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], () =>
      portOpen(port),
    );
  });
  after(async () => {
    admin?.disconnect();
    await server.stop();
  });

  it('reports the outage as unreachable, then reconnects by itself', async (t) => {
    if (!(await needService(t, redisServerCheck))) return;
    await server.start();
    admin = new Redis(port, '127.0.0.1', { retryStrategy: () => 200 });
    admin.on('error', () => undefined);
    await fillList(admin, 'jobs', 4);
    const source = new RedisSource(
      redisSchema.parse({ source: 'redis', url: `redis://127.0.0.1:${port}`, key: 'jobs' }),
      conformanceContext,
    );
    try {
      assert.equal(await source.read(AbortSignal.timeout(2000)), 4);
      await server.stop();
      await assert.rejects(
        source.read(AbortSignal.timeout(2000)),
        (error: unknown) => error instanceof SourceError && error.failure === 'unreachable',
      );
      await server.start();
      await fillList(admin, 'jobs', 6);
      const back = await eventually(async () => (await source.read(AbortSignal.timeout(500)).catch(() => -1)) === 6, 10_000, 100);
      assert.ok(back, 'the source read again after the server came back');
    } finally {
      await source.close();
    }
  });

  it('gives up at the read deadline when the server accepts but never answers', async () => {
    const silent = await silentServer();
    const source = new RedisSource(
      redisSchema.parse({ source: 'redis', url: `redis://127.0.0.1:${silent.port}`, key: 'jobs' }),
      conformanceContext,
    );
    try {
      const started = Date.now();
      await assert.rejects(
        source.read(AbortSignal.timeout(300)),
        (error: unknown) => error instanceof SourceError && ['timeout', 'unreachable'].includes(error.failure),
      );
      assert.ok(Date.now() - started < 2000, "the read ended near its deadline, not at the driver's");
    } finally {
      await source.close();
      await silent.close();
    }
  });

  it('gives up at the read deadline when a connected server stops answering (CLIENT PAUSE)', async (t) => {
    if (!(await needService(t, redisServerCheck))) return;
    await server.start();
    const source = new RedisSource(
      redisSchema.parse({ source: 'redis', url: `redis://127.0.0.1:${port}`, key: 'jobs' }),
      conformanceContext,
    );
    try {
      await source.read(AbortSignal.timeout(2000));
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const started = Date.now();
      await assert.rejects(
        source.read(AbortSignal.timeout(200)),
        (error: unknown) => error instanceof SourceError && error.failure === 'timeout',
      );
      assert.ok(Date.now() - started < 1000, 'the read ended at its deadline, not when the server answered');
    } finally {
      await source.close();
      await new Promise((resolve) => setTimeout(resolve, 1500)); // let the pause end before the next test
    }
  });

  it('a watch connection that drops again the moment it is back is an outage: nothing left unhandled (which would end the agent)', async (t) => {
    if (!(await needService(t, redisServerCheck))) return;
    await server.start();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const source = new RedisSource(
      redisSchema.parse({ source: 'redis', url: `redis://127.0.0.1:${port}`, key: 'flapping' }),
      conformanceContext,
    );
    const unwatch = source.watch(() => undefined);
    try {
      assert.equal(await source.read(AbortSignal.timeout(2000)), 0);
      // The watch's own connection (keyspace notifications), reached for the moment to time the fault.
      const watcher = (source as unknown as { connection: { subscriber?: Redis } }).connection.subscriber;
      assert.ok(watcher && (await eventually(async () => watcher.status === 'ready', 5_000)), 'the watch connection is up');
      await server.stop();
      // Back, and down again as the watch connection becomes ready, before its subscriptions are answered.
      const readyAgain = new Promise<void>((resolve) =>
        watcher.once('ready', () => {
          void server.stop();
          resolve();
        }),
      );
      await server.start();
      await readyAgain;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.deepEqual(unhandled.map(String), [], 'no rejection left unhandled');
      await assert.rejects(
        source.read(AbortSignal.timeout(1000)),
        (error: unknown) => error instanceof SourceError && error.failure === 'unreachable',
        'an outage',
      );
      await server.start();
      assert.ok(
        await eventually(async () => (await source.read(AbortSignal.timeout(500)).catch(() => -1)) === 0, 10_000, 100),
        'reads again once it is back',
      );
      const subscribed = async (): Promise<boolean> => {
        const reply = (await admin.call('PUBSUB', 'NUMSUB', '__keyspace@0__:flapping')) as [string, number];
        return Number(reply[1]) === 1;
      };
      assert.ok(await eventually(subscribed, 5_000, 100), 'the watch subscribed again (its keyspace notifications wake the agent)');
    } finally {
      process.off('unhandledRejection', onUnhandled);
      unwatch();
      await source.close();
    }
  });

  it('closed while its watch connection is coming back (its ready check answered after the close): nothing left unhandled', async (t) => {
    if (!(await needService(t, redisServerCheck))) return;
    await server.start();
    // A proxy in front of the server that can cut every connection, and hold what the server answers the
    // watch connection from its INFO (ioredis's ready check) on, to let that answer come after the close.
    let holding = false;
    const held: Buffer[] = [];
    const links = new Set<Socket>();
    let release: (() => void) | undefined;
    const proxy = createServer({ allowHalfOpen: true }, (client) => {
      const upstream = createConnection({ port, host: '127.0.0.1' });
      links.add(client).add(upstream);
      let watch = false;
      let hold = false;
      client.on('data', (chunk: Buffer) => {
        const text = chunk.toString('latin1');
        if (text.includes('microscale-watch')) watch = true;
        if (watch && holding && /\binfo\b/i.test(text)) hold = true;
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!hold) return void client.write(chunk);
        held.push(chunk);
        release = () => client.end(Buffer.concat(held));
      });
      client.on('end', () => (hold ? undefined : upstream.end()));
      upstream.on('end', () => (hold ? undefined : client.end()));
      for (const socket of [client, upstream]) socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyPort = (proxy.address() as AddressInfo).port;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const connection = new RedisConnection({ url: `redis://127.0.0.1:${proxyPort}` });
    try {
      connection.watchKey('held', () => undefined);
      await connection.ready(AbortSignal.timeout(2000));
      const watcher = (connection as unknown as { subscriber: Redis }).subscriber;
      assert.ok(await eventually(async () => watcher.status === 'ready', 5_000), 'the watch connection is up');
      holding = true;
      for (const socket of links) socket.destroy(); // both connections lost: they reconnect
      assert.ok(await eventually(async () => held.length > 0, 5_000), "the watch connection's ready check is answered, and held");
      await connection.close(); // the watch connection is still connecting: closed at once
      release?.();
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(unhandled.map(String), [], 'no rejection left unhandled (it would end the agent)');
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await connection.close();
      for (const socket of links) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('keeps the service at its last count while Redis is down: never scales it to zero', async (t) => {
    if (!(await needService(t, redisServerCheck))) return;
    await server.start();
    await fillList(admin, 'orders', 30);
    const config = parseConfig({
      capacity: 6,
      interval: '1h', // ticks are driven by hand
      metricTimeout: '300ms',
      engine: { kind: 'sim', startLatency: '0ms', stopLatency: '0ms' },
      services: [
        {
          name: 'orders',
          metric: { source: 'redis', url: `redis://127.0.0.1:${port}`, key: 'orders' },
          target: { perContainer: 10 },
          max: 6,
        },
      ],
    });
    const engine = new SimEngine(
      { kind: 'sim', startLatency: 0, stopLatency: 0 },
      [{ name: 'orders', stopGracePeriodMs: 0, options: {} }],
      { nowMs: Date.now },
    );
    const agent = new Agent(config, { engine, log: silentLogger() });
    try {
      await agent.tickNow();
      await agent.tickNow();
      const healthy = agent.ticks.toArray().at(-1)!.services[0]!;
      assert.equal(healthy.planned, 3, '30 jobs at 10 per container');
      await server.stop();
      for (let i = 0; i < 3; i++) await agent.tickNow();
      const held = agent.ticks.toArray().at(-1)!;
      assert.equal(held.services[0]!.stale, true);
      assert.equal(held.services[0]!.planned, 3, 'held at its last count');
      assert.match(held.sourceErrors[0]?.message ?? '', /redis source for service "orders": unreachable/);
    } finally {
      await agent.stop();
    }
  });
});
