// `nats`: a JetStream consumer's backlog from its consumer info (num_pending + num_ack_pending by
// default), over one shared connection per server. With `watch: true` a publish to the stream's
// subjects wakes the agent at once. A reconnect after an outage always wakes it: the service is fresh
// as soon as the server is back, not at the next tick.
import type { Subscription } from 'nats';
import { defineSource, type Source, type SourceContext } from '../types.js';
import { untilAborted } from '../shared/abort.js';
import { SharedConnections } from '../shared/shared-connections.js';
import { NatsClient, NatsNotConnected, type NatsEndpoint } from './connection.js';
import { natsSourceError } from './errors.js';
import { natsCounterSchema, natsSchema, type NatsConfig, type NatsCounterConfig } from './schema.js';

const clients = new SharedConnections<NatsClient>();

function endpointOf(config: NatsConfig | NatsCounterConfig): NatsEndpoint {
  return {
    url: config.url,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    ...(config.token !== undefined ? { token: config.token } : {}),
    ...(config.credsFile !== undefined ? { credsFile: config.credsFile } : {}),
  };
}

export class NatsSource implements Source {
  private readonly endpoint: NatsEndpoint;
  private readonly clientKey: string;
  private readonly client: NatsClient;
  private closed = false;
  private readonly unwatchers = new Set<() => void>();

  constructor(
    private readonly config: NatsConfig | NatsCounterConfig,
    private readonly context: SourceContext,
  ) {
    this.endpoint = endpointOf(config);
    this.clientKey = JSON.stringify(this.endpoint);
    this.client = clients.acquire(this.clientKey, () => new NatsClient(this.endpoint));
  }

  async read(signal: AbortSignal): Promise<number> {
    if ('counter' in this.config) return this.readAdded(signal, this.config.stream);
    const { stream, consumer, count } = this.config;
    try {
      const manager = await this.client.jetstreamManager(signal);
      const info = await untilAborted(manager.consumers.info(stream, consumer), signal, () => new NatsNotConnected(undefined, true));
      const pending = count === 'ackPending' ? 0 : info.num_pending;
      const ackPending = count === 'pending' ? 0 : info.num_ack_pending;
      return pending + ackPending;
    } catch (error) {
      throw natsSourceError(error, this.endpoint, this.context.service, `reading consumer "${consumer}" of stream "${stream}"`);
    }
  }

  /** `counter: true`: the stream's last sequence, every message ever added to it. */
  private async readAdded(signal: AbortSignal, stream: string): Promise<number> {
    try {
      const manager = await this.client.jetstreamManager(signal);
      const info = await untilAborted(manager.streams.info(stream), signal, () => new NatsNotConnected(undefined, true));
      return info.state.last_seq;
    } catch (error) {
      throw natsSourceError(error, this.endpoint, this.context.service, `reading the last sequence of stream "${stream}"`);
    }
  }

  watch(onChange: () => void): () => void {
    const stopReconnect = this.client.onReconnect(onChange);
    if (!('watch' in this.config) || !this.config.watch) {
      this.unwatchers.add(stopReconnect);
      return () => {
        this.unwatchers.delete(stopReconnect);
        stopReconnect();
      };
    }
    const subscriptions: Subscription[] = [];
    let stopped = false;
    void (async () => {
      try {
        const signal = AbortSignal.timeout(5000);
        const manager = await this.client.jetstreamManager(signal);
        const info = await manager.streams.info(this.config.stream);
        const connection = await this.client.get(signal);
        if (stopped) return;
        for (const subject of info.config.subjects ?? []) subscriptions.push(connection.subscribe(subject, { callback: () => onChange() }));
      } catch (error) {
        const message = natsSourceError(
          error,
          this.endpoint,
          this.context.service,
          `subscribing to stream "${this.config.stream}"`,
        ).message;
        this.context.log.warn({ event: 'nats-watch-failed' }, `${message}; changes are seen at the next tick`);
      }
    })();
    const unwatch = (): void => {
      stopped = true;
      stopReconnect();
      this.unwatchers.delete(unwatch);
      for (const subscription of subscriptions) subscription.unsubscribe();
    };
    this.unwatchers.add(unwatch);
    return unwatch;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const unwatch of [...this.unwatchers]) unwatch(); // the shared connection may outlive this source
    await clients.release(this.clientKey);
  }
}

export const natsSource = defineSource({
  kind: 'nats',
  status: 'real-tested',
  description: 'NATS JetStream consumer: num_pending + num_ack_pending',
  schema: natsSchema,
  counter: { what: "a stream's last sequence", schema: natsCounterSchema },
  create: (config: NatsConfig | NatsCounterConfig, context) => new NatsSource(config, context),
});
