// Shared by the RabbitMQ tests and `bench sources`: is the loopback broker there, and helpers to put
// an exact number of messages in a uniquely named queue.
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import type { ServiceCheck } from '../../util/service-check.js';

export const AMQP_URL = process.env.MICROSCALE_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const MANAGEMENT_URL = process.env.MICROSCALE_TEST_RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672';

export const rabbitmqCheck: ServiceCheck = {
  what: `RabbitMQ on ${new URL(AMQP_URL).host}`,
  howToStart: '../shared/tools/queue-servers up',
  probe: async () => {
    const model = await connect(AMQP_URL, { timeout: 2000 });
    await model.close();
    return true;
  },
};

export const managementCheck: ServiceCheck = {
  what: `the RabbitMQ management API on ${MANAGEMENT_URL}`,
  howToStart: 'rabbitmq-plugins enable rabbitmq_management (../shared/tools/queue-servers up enables it)',
  probe: async () =>
    (
      await fetch(`${MANAGEMENT_URL}/api/overview`, {
        headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
        signal: AbortSignal.timeout(2000),
      })
    ).ok,
};

export function uniqueQueue(prefix: string): string {
  return `microscale-test.${prefix}.${randomUUID().slice(0, 8)}`;
}

/** An admin connection for tests: declares, fills, purges and deletes queues. */
export class RabbitAdmin {
  private constructor(
    private readonly model: ChannelModel,
    readonly channel: ConfirmChannel,
  ) {}

  static async open(): Promise<RabbitAdmin> {
    const model = await connect(AMQP_URL);
    return new RabbitAdmin(model, await model.createConfirmChannel());
  }

  /** Makes `queue` hold exactly `count` ready messages (declaring it if needed). */
  async fill(queue: string, count: number): Promise<void> {
    await this.channel.assertQueue(queue, { durable: false });
    await this.channel.purgeQueue(queue);
    for (let i = 0; i < count; i++) this.channel.sendToQueue(queue, Buffer.from(`job-${i}`));
    await this.channel.waitForConfirms();
  }

  /** Bounded (10 s): on a connection the broker has dropped, cleanup must not hold the test file open for ever. */
  async close(queues: readonly string[]): Promise<void> {
    const cleanup = async () => {
      for (const queue of queues) await this.channel.deleteQueue(queue).catch(() => undefined);
      await this.model.close().catch(() => undefined);
    };
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([cleanup(), new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
  }
}
