// The queue servers `bench sources` measures microscale's own sources against (Redis, RabbitMQ, NATS
// on loopback, plus the in-memory push source): uniquely named keys/queues/consumers made for the
// run and removed after, and for each a raw driver call, the baseline a read is compared with.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { AckPolicy } from 'nats';
import { serviceAvailable } from '../util/service-check.js';
import { fillList, REDIS_URL, redisCheck } from './services/redis.js';
import { AMQP_URL, RabbitAdmin, rabbitmqCheck } from './services/rabbitmq.js';
import { JetStreamFixture, NATS_URL, natsCheck } from './services/nats.js';

export interface QueueSubject {
  /** e.g. "redis list". */
  readonly name: string;
  /** The metric block of service `index` (0..count-1 after `prepare(count)`). */
  metricFor(index: number): Record<string, unknown>;
  /** Makes `count` targets (keys, queues, consumers), each holding `value`. */
  prepare(count: number, value: number): Promise<void>;
  /** Sets target 0 to `value` in one atomic step (for reaction timing). */
  setValue(value: number): Promise<void>;
  /** The same number read with the bare driver call: the baseline. */
  readonly rawRead: () => Promise<number>;
  readonly rawName: string;
  cleanup(): Promise<void>;
}

async function redisSubject(): Promise<QueueSubject> {
  const admin = new Redis(REDIS_URL);
  const prefix = `microscale-bench:${randomUUID().slice(0, 8)}`;
  const keys: string[] = [];
  return {
    name: 'redis list',
    metricFor: (index) => ({ source: 'redis', url: REDIS_URL, key: `${prefix}:${index}` }),
    prepare: async (count, value) => {
      for (let i = keys.length; i < count; i++) keys.push(`${prefix}:${i}`);
      await Promise.all(keys.slice(0, count).map((key) => fillList(admin, key, value)));
    },
    setValue: async (value) => {
      await admin
        .multi()
        .del(`${prefix}:0`)
        .rpush(`${prefix}:0`, ...Array.from({ length: value }, () => 'job'))
        .exec();
    },
    rawRead: () => admin.llen(`${prefix}:0`),
    rawName: 'ioredis LLEN',
    cleanup: async () => {
      if (keys.length > 0) await admin.del(...keys);
      admin.disconnect();
    },
  };
}

async function rabbitmqSubject(): Promise<QueueSubject> {
  const admin = await RabbitAdmin.open();
  const prefix = `microscale-bench.${randomUUID().slice(0, 8)}`;
  const queues: string[] = [];
  return {
    name: 'rabbitmq (AMQP)',
    metricFor: (index) => ({ source: 'rabbitmq', url: AMQP_URL, queue: `${prefix}.${index}` }),
    prepare: async (count, value) => {
      for (let i = queues.length; i < count; i++) queues.push(`${prefix}.${i}`);
      for (const queue of queues.slice(0, count)) await admin.fill(queue, value);
    },
    setValue: (value) => admin.fill(`${prefix}.0`, value),
    rawRead: async () => (await admin.channel.checkQueue(`${prefix}.0`)).messageCount,
    rawName: 'amqplib checkQueue',
    cleanup: () => admin.close(queues),
  };
}

async function natsSubject(): Promise<QueueSubject> {
  const fixture = await JetStreamFixture.open();
  let consumers = 1;
  const consumerName = (index: number): string => (index === 0 ? fixture.consumer : `${fixture.consumer}-${index}`);
  return {
    name: 'nats (JetStream)',
    metricFor: (index) => ({ source: 'nats', url: NATS_URL, stream: fixture.stream, consumer: consumerName(index) }),
    prepare: async (count, value) => {
      await fixture.setPending(value);
      for (; consumers < count; consumers++) {
        await fixture.manager.consumers.add(fixture.stream, { durable_name: consumerName(consumers), ack_policy: AckPolicy.Explicit });
      }
    },
    setValue: (value) => fixture.setPending(value),
    rawRead: async () => {
      const info = await fixture.manager.consumers.info(fixture.stream, fixture.consumer);
      return info.num_pending + info.num_ack_pending;
    },
    rawName: 'nats.js consumers.info',
    cleanup: () => fixture.close(),
  };
}

/** The subjects whose server answers here, and a note for each one that does not. */
export async function startQueueSubjects(): Promise<{ subjects: QueueSubject[]; skipped: string[] }> {
  const subjects: QueueSubject[] = [];
  const skipped: string[] = [];
  const plan = [
    [redisCheck, redisSubject],
    [rabbitmqCheck, rabbitmqSubject],
    [natsCheck, natsSubject],
  ] as const;
  for (const [check, start] of plan) {
    if (await serviceAvailable(check)) subjects.push(await start());
    else skipped.push(`${check.what} is not running (${check.howToStart})`);
  }
  return { subjects, skipped };
}
