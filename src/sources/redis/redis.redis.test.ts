import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { SourceError } from '../../errors.js';
import { parseConfig } from '../../agent/config-loader.js';
import { ConfigError } from '../../errors.js';
import { eventually, needService } from '../../testing/services.js';
import { conformanceContext, sourceConformance } from '../testing/conformance.js';
import { freePort } from '../testing/servers.js';
import { fillList, fillStream, REDIS_URL, redisCheck, uniqueName } from '../../bench/services/redis.js';
import { RedisSource } from './redis.js';
import { redisSchema } from './schema.js';

const source = (metric: Record<string, unknown>) =>
  new RedisSource(redisSchema.parse({ source: 'redis', url: REDIS_URL, ...metric }), conformanceContext);

async function adminClient(): Promise<Redis> {
  return new Redis(REDIS_URL);
}

sourceConformance('redis list', {
  notApplicable: { missing: 'Redis deletes an empty list, so a missing key is an empty queue (length 0)' },
  setup: async () => {
    if (!(await needService(undefined, redisCheck))) return undefined;
    const admin = await adminClient();
    const key = uniqueName('list');
    const closedPort = await freePort();
    return {
      create: (context) => new RedisSource(redisSchema.parse({ source: 'redis', url: REDIS_URL, key }), context),
      setValue: (value) => fillList(admin, key, value),
      createUnreachable: (context) =>
        new RedisSource(redisSchema.parse({ source: 'redis', url: `redis://user:s3cret@127.0.0.1:${closedPort}`, key }), context),
      cleanup: async () => {
        await admin.del(key);
        await admin.quit();
      },
    };
  },
});

sourceConformance('redis stream', {
  notApplicable: { unreachable: 'the same connection code as the list form, whose conformance covers it' },
  setup: async () => {
    if (!(await needService(undefined, redisCheck))) return undefined;
    const admin = await adminClient();
    const stream = uniqueName('stream');
    return {
      create: (context) => new RedisSource(redisSchema.parse({ source: 'redis', url: REDIS_URL, stream, group: 'workers' }), context),
      setValue: (value) => fillStream(admin, stream, 'workers', value),
      createMissing: (context) =>
        new RedisSource(redisSchema.parse({ source: 'redis', url: REDIS_URL, stream: `${stream}:missing`, group: 'workers' }), context),
      cleanup: async () => {
        await admin.del(stream);
        await admin.quit();
      },
    };
  },
});

describe('redis source on a real server', () => {
  let admin: Redis;
  const keys: string[] = [];
  const name = (prefix: string) => {
    const key = uniqueName(prefix);
    keys.push(key);
    return key;
  };
  before(async () => {
    admin = await adminClient();
  });
  after(async () => {
    if (keys.length > 0 && admin.status === 'ready') await admin.del(...keys);
    admin.disconnect();
  });

  it("counts a group's lag, pending, or both, as the count: key says", async (t) => {
    if (!(await needService(t, redisCheck))) return;
    const stream = name('stream');
    await fillStream(admin, stream, 'workers', 37);
    const read = await admin.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', 5, 'STREAMS', stream, '>');
    const ids = (read as [string, [string, string[]][]][])[0]![1].map(([id]) => id);
    await admin.xack(stream, 'workers', ids[0]!, ids[1]!);
    const counts = { 'lag+pending': 35, lag: 32, pending: 3 };
    for (const [count, expected] of Object.entries(counts)) {
      const s = source({ stream, group: 'workers', count });
      assert.equal(await s.read(AbortSignal.timeout(2000)), expected, count);
      await s.close();
    }
  });

  it('still counts the backlog when Redis reports lag as null (after XDEL)', async (t) => {
    if (!(await needService(t, redisCheck))) return;
    const stream = name('stream');
    await fillStream(admin, stream, 'workers', 10);
    await admin.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', 2, 'STREAMS', stream, '>');
    const rest = await admin.xrange(stream, '-', '+');
    await admin.xdel(stream, rest[5]![0]); // a tombstone after the last delivered id: Redis cannot know the lag
    const groups = (await admin.xinfo('GROUPS', stream)) as unknown[][];
    const flat = groups[0]!;
    assert.equal(flat[flat.indexOf('lag') + 1], null, 'precondition: Redis reports lag null');
    const s = source({ stream, group: 'workers', count: 'lag' });
    assert.equal(await s.read(AbortSignal.timeout(2000)), 7); // 10 - 2 delivered - 1 deleted
    await s.close();
  });

  it('names the missing group and the groups that exist', async (t) => {
    if (!(await needService(t, redisCheck))) return;
    const stream = name('stream');
    await fillStream(admin, stream, 'workers', 1);
    const s = source({ stream, group: 'nobody' });
    await assert.rejects(s.read(AbortSignal.timeout(2000)), (error: unknown) => {
      assert.ok(error instanceof SourceError);
      assert.equal(error.failure, 'not-found');
      assert.match(error.message, /group "nobody".*groups: workers/);
      return true;
    });
    await s.close();
  });

  it('reports a key of the wrong type as a bad response', async (t) => {
    if (!(await needService(t, redisCheck))) return;
    const key = name('string');
    await admin.set(key, 'hello');
    const s = source({ key });
    await assert.rejects(
      s.read(AbortSignal.timeout(2000)),
      (error: unknown) => error instanceof SourceError && error.failure === 'bad-response' && /WRONGTYPE/.test(error.message),
    );
    await s.close();
  });

  it('reports a refused password as auth, without the password', async (t) => {
    if (!(await needService(t, redisCheck))) return;
    const user = uniqueName('user').replace(/:/g, '-');
    await admin.call('ACL', 'SETUSER', user, 'on', '>right-s3cret', '~*', '+@all');
    try {
      const url = new URL(REDIS_URL);
      const s = source({ url: `redis://${url.host}`, username: user, password: 'wrong-s3cret', key: 'x' });
      await assert.rejects(s.read(AbortSignal.timeout(2000)), (error: unknown) => {
        assert.ok(error instanceof SourceError);
        assert.equal(error.failure, 'auth');
        assert.doesNotMatch(error.message, /s3cret/);
        return true;
      });
      await s.close();
      const good = source({ url: `redis://${encodeURIComponent(user)}:right-s3cret@${url.host}`, key: name('list') });
      assert.equal(await good.read(AbortSignal.timeout(2000)), 0);
      await good.close();
    } finally {
      await admin.call('ACL', 'DELUSER', user);
    }
  });

  it('wakes its watcher on a push to the list (keyspace notifications)', async (t) => {
    if (!(await needService(t, redisCheck))) return;
    const before = ((await admin.config('GET', 'notify-keyspace-events')) as string[])[1] ?? '';
    const key = name('list');
    const s = source({ key, configureKeyspaceEvents: true });
    let changes = 0;
    const unwatch = s.watch(() => changes++);
    try {
      assert.ok(
        await eventually(async () => (((await admin.config('GET', 'notify-keyspace-events')) as string[])[1] ?? '').includes('K'), 3000),
        'flags set',
      );
      // The push must come after the subscription is on the server (a fixed 100 ms was a guess): Redis says when.
      const channel = `__keyspace@${new URL(REDIS_URL).pathname.slice(1) || '0'}__:${key}`;
      assert.ok(
        await eventually(async () => Number(((await admin.call('PUBSUB', 'NUMSUB', channel)) as [string, number])[1]) >= 1, 5000),
        `no subscription to ${channel}`,
      );
      await admin.lpush(key, 'job');
      assert.ok(await eventually(() => changes > 0, 2000), 'watcher was called');
    } finally {
      unwatch();
      await s.close();
      await admin.config('SET', 'notify-keyspace-events', before);
    }
  });
});

describe('redis keyspace notifications off', () => {
  it('warns once per server with the command that turns them on, and still reads', async (t) => {
    if (!(await needService(t, redisCheck))) return;
    const admin = await adminClient();
    const before = ((await admin.config('GET', 'notify-keyspace-events')) as string[])[1] ?? '';
    const warnings: string[] = [];
    const log = {
      warn: (_fields: object, message: string) => warnings.push(message),
      info: () => undefined,
      debug: () => undefined,
      error: () => undefined,
      child: () => log,
    };
    const context = { ...conformanceContext, log: log as unknown as typeof conformanceContext.log };
    const key = uniqueName('list');
    const sources = [0, 1].map(() => new RedisSource(redisSchema.parse({ source: 'redis', url: REDIS_URL, key }), context));
    try {
      await admin.config('SET', 'notify-keyspace-events', '');
      const unwatch = sources.map((s) => s.watch(() => undefined));
      assert.ok(await eventually(() => warnings.length > 0, 3000), 'a warning was logged');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(warnings.length, 1, 'one warning for both services');
      assert.match(warnings[0]!, /config set notify-keyspace-events Kl/);
      assert.equal(await sources[0]!.read(AbortSignal.timeout(2000)), 0);
      for (const stop of unwatch) stop();
    } finally {
      await Promise.all(sources.map((s) => s.close()));
      await admin.config('SET', 'notify-keyspace-events', before);
      await admin.quit();
    }
  });
});

describe('redis metric block', () => {
  const parse = (metric: Record<string, unknown>) =>
    parseConfig({ capacity: 4, services: [{ name: 'q', metric, target: { queueLength: 10 } }] });

  it('defaults to the loopback server, watching, and lag+pending for streams', () => {
    const metric = parse({ source: 'redis', stream: 's', group: 'g' }).services[0]!.metric!;
    assert.equal(metric.url, 'redis://127.0.0.1:6379');
    assert.equal(metric.watch, true);
    assert.deepEqual(metric.target, { kind: 'stream', stream: 's', group: 'g', count: 'lag+pending' });
  });

  it('rejects unknown keys, a missing key, and a stream without a group, naming the field', () => {
    const problems = (metric: Record<string, unknown>): string => {
      try {
        parse(metric);
        return '';
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.problems.join('\n');
      }
    };
    assert.match(problems({ source: 'redis', key: 'k', lenght: 1 }), /metric.*lenght/);
    assert.match(problems({ source: 'redis' }), /metric\.key: is required/);
    assert.match(problems({ source: 'redis', stream: 's' }), /metric\.group: is required/);
    assert.match(problems({ source: 'redis', key: 'k', count: 'lag' }), /metric\.count: only applies to stream/);
    assert.match(problems({ source: 'redis', key: 'k', url: 'http://x' }), /metric\.url: expected a URL like redis:/);
  });
});
