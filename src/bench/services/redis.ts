// Shared by the Redis tests and `bench sources`: is the loopback Redis there, and unique key names
// per run so parallel runs and other engineers' data never collide.
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { ServiceCheck } from '../../util/service-check.js';

export const REDIS_URL = process.env.MICROSCALE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const redisCheck: ServiceCheck = {
  what: `Redis on ${REDIS_URL}`,
  howToStart: '../shared/tools/queue-servers up',
  probe: async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  },
};

export function uniqueName(prefix: string): string {
  return `microscale-test:${prefix}:${randomUUID().slice(0, 8)}`;
}

/** Makes the list hold exactly `count` items. */
export async function fillList(client: Redis, key: string, count: number): Promise<void> {
  await client.del(key);
  if (count > 0) await client.rpush(key, ...Array.from({ length: count }, (_, i) => `job-${i}`));
}

/** A fresh stream whose group has `count` undelivered entries (lag = count, pending = 0). */
export async function fillStream(client: Redis, stream: string, group: string, count: number): Promise<void> {
  await client.del(stream);
  await client.xgroup('CREATE', stream, group, '$', 'MKSTREAM');
  for (let i = 0; i < count; i++) await client.xadd(stream, '*', 'job', String(i));
}
