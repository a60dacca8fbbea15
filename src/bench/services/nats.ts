// Shared by the NATS tests and `bench sources`: is the loopback JetStream server there, and a uniquely
// named stream + durable consumer whose backlog a test can set exactly.
import { randomUUID } from 'node:crypto';
import { AckPolicy, connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import type { ServiceCheck } from '../../util/service-check.js';

export const NATS_URL = process.env.MICROSCALE_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export const natsCheck: ServiceCheck = {
  what: `NATS with JetStream on ${new URL(NATS_URL).host}`,
  howToStart: '../shared/tools/queue-servers up',
  probe: async () => {
    const connection = await connect({ servers: new URL(NATS_URL).host, timeout: 2000, reconnect: false });
    try {
      await (await connection.jetstreamManager()).getAccountInfo();
      return true;
    } finally {
      await connection.close();
    }
  },
};

/** A stream with one durable consumer (explicit acks), both uniquely named, deleted by `close`. */
export class JetStreamFixture {
  readonly stream = `MICROSCALE_TEST_${randomUUID().slice(0, 8).toUpperCase()}`;
  readonly subject = `microscale-test.${this.stream.toLowerCase()}`;
  readonly consumer = 'workers';

  private constructor(
    readonly connection: NatsConnection,
    readonly manager: JetStreamManager,
    readonly client: JetStreamClient,
  ) {}

  static async open(): Promise<JetStreamFixture> {
    const connection = await connect({ servers: new URL(NATS_URL).host });
    const fixture = new JetStreamFixture(connection, await connection.jetstreamManager(), connection.jetstream());
    await fixture.manager.streams.add({ name: fixture.stream, subjects: [`${fixture.subject}.>`] });
    await fixture.manager.consumers.add(fixture.stream, { durable_name: fixture.consumer, ack_policy: AckPolicy.Explicit });
    return fixture;
  }

  /** Makes the consumer's num_pending exactly `count` (num_ack_pending 0). */
  async setPending(count: number): Promise<void> {
    await this.manager.consumers.delete(this.stream, this.consumer);
    await this.manager.streams.purge(this.stream);
    await this.manager.consumers.add(this.stream, { durable_name: this.consumer, ack_policy: AckPolicy.Explicit });
    for (let i = 0; i < count; i++) await this.client.publish(`${this.subject}.job`, `job-${i}`);
  }

  async close(): Promise<void> {
    await this.manager.streams.delete(this.stream).catch(() => undefined); // cleanup: the stream may be gone with the server
    await this.connection.close();
  }
}
