// `rabbitmq`: a queue's ready messages (AMQP checkQueue, a passive declare: real-time), plus unacked
// messages from the management API when `management:` is given. One AMQP connection per broker is
// shared by all services; each service has its own channel, because a checkQueue on a missing queue
// makes the broker close the channel, and one service's typo must not fail the others' reads.
// No event-driven wake on a change: AMQP has no "queue length changed" notification short of consuming
// the queue. A reconnect after an outage wakes the agent (connection.ts), so the service is fresh at once.
import type { Channel } from 'amqplib';
import { defineSource, type Source, type SourceContext } from '../types.js';
import { untilAborted } from '../shared/abort.js';
import { SharedConnections } from '../shared/shared-connections.js';
import { AmqpConnection, AmqpNotConnected, type AmqpEndpoint } from './connection.js';
import { amqpSourceError } from './errors.js';
import { readUnacked, type ManagementEndpoint } from './management.js';
import { rabbitmqSchema, type RabbitmqConfig } from './schema.js';

const connections = new SharedConnections<AmqpConnection>();

function managementOf(config: RabbitmqConfig): ManagementEndpoint | undefined {
  if (!config.management) return undefined;
  const amqp = new URL(config.url);
  const fromUrl = new URL(config.management.url);
  return {
    url: config.management.url,
    username:
      config.management.username ??
      (fromUrl.username ? decodeURIComponent(fromUrl.username) : undefined) ??
      config.username ??
      (amqp.username ? decodeURIComponent(amqp.username) : 'guest'),
    password:
      config.management.password ??
      (fromUrl.password ? decodeURIComponent(fromUrl.password) : undefined) ??
      config.password ??
      (amqp.password ? decodeURIComponent(amqp.password) : 'guest'),
  };
}

export class RabbitmqSource implements Source {
  private readonly endpoint: AmqpEndpoint;
  private readonly connectionKey: string;
  private readonly connection: AmqpConnection;
  private readonly management: ManagementEndpoint | undefined;
  private channel: Channel | undefined;
  private opening: Promise<Channel> | undefined;
  private closed = false;
  private readonly unwatchers = new Set<() => void>();

  constructor(
    private readonly config: RabbitmqConfig,
    private readonly context: SourceContext,
  ) {
    this.endpoint = {
      url: config.url,
      vhost: config.vhost,
      ...(config.username !== undefined ? { username: config.username } : {}),
      ...(config.password !== undefined ? { password: config.password } : {}),
    };
    this.connectionKey = JSON.stringify(this.endpoint);
    this.connection = connections.acquire(this.connectionKey, () => new AmqpConnection(this.endpoint));
    this.management = managementOf(config);
  }

  private async openChannel(signal: AbortSignal): Promise<Channel> {
    const model = await this.connection.get(signal);
    const channel = await model.createChannel();
    channel.on('error', () => undefined); // a 404 closes the channel with an error event; the read reports it
    channel.on('close', () => {
      if (this.channel === channel) this.channel = undefined;
    });
    this.channel = channel;
    return channel;
  }

  private async channelFor(signal: AbortSignal): Promise<Channel> {
    if (this.channel) return this.channel;
    this.opening ??= this.openChannel(signal).finally(() => {
      this.opening = undefined;
    });
    return untilAborted(this.opening, signal, () => new AmqpNotConnected(undefined, true));
  }

  private async readReady(signal: AbortSignal): Promise<number> {
    const channel = await this.channelFor(signal);
    const reply = await untilAborted(channel.checkQueue(this.config.queue), signal, () => new AmqpNotConnected(undefined, true));
    return reply.messageCount;
  }

  async read(signal: AbortSignal): Promise<number> {
    const { queue, vhost } = this.config;
    const service = this.context.service;
    const ready = this.readReady(signal).catch((error: unknown) => {
      throw amqpSourceError(error, this.endpoint, service, `checking queue "${queue}" in vhost "${vhost}"`);
    });
    const unacked =
      this.config.count === 'ready+unacked' && this.management
        ? readUnacked(this.management, vhost, queue, service, signal)
        : Promise.resolve(0);
    const [readyCount, unackedCount] = await Promise.all([ready, unacked]);
    return readyCount + unackedCount;
  }

  watch(onChange: () => void): () => void {
    const stop = this.connection.onReconnect(onChange);
    this.unwatchers.add(stop);
    return () => {
      this.unwatchers.delete(stop);
      stop();
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of [...this.unwatchers]) stop(); // the shared connection may outlive this source
    await this.channel?.close().catch(() => undefined); // a channel of a connection that may be gone already
    await connections.release(this.connectionKey);
  }
}

export const rabbitmqSource = defineSource({
  kind: 'rabbitmq',
  status: 'real-tested',
  description: 'RabbitMQ queue: ready messages over AMQP, + unacked from the management API when given',
  schema: rabbitmqSchema,
  create: (config, context) => new RabbitmqSource(config, context),
});
