// `redis`: a list's length, or a stream consumer group's lag + pending entries, read over one shared
// connection per server. With `watch` (default), keyspace notifications for the key wake the agent at
// once, so a push to the list is seen in milliseconds rather than at the next tick.
import { defineSource, type Source, type SourceContext } from '../types.js';
import { SharedConnections } from '../shared/shared-connections.js';
import { untilAborted } from '../shared/abort.js';
import { RedisConnection, RedisNotReady, type RedisEndpoint } from './connection.js';
import { redisSourceError } from './errors.js';
import { ensureKeyspaceEvents, type KeyspaceCheck } from './keyspace.js';
import { describeTarget, readTarget } from './read.js';
import { redisCounterSchema, redisSchema, type RedisConfig } from './schema.js';

const connections = new SharedConnections<RedisConnection>();
const keyspaceChecks = new WeakMap<RedisConnection, Map<'list' | 'stream', Promise<KeyspaceCheck>>>();

function endpointOf(config: RedisConfig): RedisEndpoint {
  return {
    url: config.url,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
  };
}

export class RedisSource implements Source {
  private readonly endpoint: RedisEndpoint;
  private readonly key: string;
  private readonly connection: RedisConnection;
  private closed = false;
  private readonly unwatchers = new Set<() => void>();

  constructor(
    private readonly config: RedisConfig,
    private readonly context: SourceContext,
  ) {
    this.endpoint = endpointOf(config);
    this.key = JSON.stringify(this.endpoint);
    this.connection = connections.acquire(this.key, () => new RedisConnection(this.endpoint));
  }

  async read(signal: AbortSignal): Promise<number> {
    const what = `reading ${describeTarget(this.config.target)}`;
    try {
      const client = await this.connection.ready(signal);
      // A command cannot be cancelled; at the deadline the read gives up and the late reply is dropped.
      return await untilAborted(
        readTarget(client, this.config.target, this.context.service),
        signal,
        () => new RedisNotReady(undefined, true),
      );
    } catch (error) {
      throw redisSourceError(error, this.endpoint, this.context.service, what);
    }
  }

  watch(onChange: () => void): () => void {
    // A reconnect after an outage wakes the agent: the service is fresh at once, not at the next tick.
    const client = this.connection.client;
    const onReady = (): void => onChange();
    client.on('ready', onReady);
    const stopReady = (): void => {
      client.off('ready', onReady);
    };
    if (!this.config.watch) return stopReady;
    const target = this.config.target;
    const key = target.kind === 'list' ? target.key : target.stream;
    const unsubscribe = this.connection.watchKey(key, onChange);
    this.unwatchers.add(unsubscribe);
    void this.checkKeyspaceEvents();
    return () => {
      stopReady();
      this.unwatchers.delete(unsubscribe);
      unsubscribe();
    };
  }

  /** Checked once per server and key type: 100 watched lists on one Redis make one check and one warning. */
  private async checkKeyspaceEvents(): Promise<void> {
    const kind = this.config.target.kind === 'list' ? 'list' : 'stream';
    let checks = keyspaceChecks.get(this.connection);
    if (!checks) keyspaceChecks.set(this.connection, (checks = new Map()));
    if (checks.has(kind)) return;
    const check = this.connection
      .ready(AbortSignal.timeout(5000))
      .then((client) => ensureKeyspaceEvents(client, kind, this.config.configureKeyspaceEvents));
    checks.set(kind, check);
    try {
      const result = await check;
      if (!result.ok)
        this.context.log.warn({ event: 'redis-keyspace-events-off' }, `${result.reason} (every service watching ${kind}s on this server)`);
      else if (result.changed)
        this.context.log.info({ event: 'redis-keyspace-events-on' }, 'enabled keyspace notifications (configureKeyspaceEvents: true)');
    } catch (error) {
      checks.delete(kind); // try again with the next watch
      this.context.log.warn(
        { event: 'redis-keyspace-events-unknown' },
        redisSourceError(error, this.endpoint, this.context.service, 'checking keyspace notifications').message,
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const unwatch of this.unwatchers) unwatch(); // the shared connection may outlive this source
    this.unwatchers.clear();
    await connections.release(this.key);
  }
}

export const redisSource = defineSource({
  kind: 'redis',
  status: 'real-tested',
  description: 'Redis list length (LLEN) or stream consumer group lag + pending (XINFO GROUPS)',
  schema: redisSchema,
  counter: { what: "a stream's entries-added, Redis >= 7", schema: redisCounterSchema },
  create: (config, context) => new RedisSource(config, context),
});
