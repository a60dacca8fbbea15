// One ioredis client per Redis server (shared by every service that reads it, see SharedConnections),
// plus, when some source watches, one subscriber client for keyspace notifications. ioredis reconnects
// by itself; we give it our backoff and keep the last connection error so a read can say why it failed.
// Every promise of ours on a client has its failure handled: during an outage a closed connection is an
// outage (the read fails, the agent holds), never an unhandled rejection.
import { Redis } from 'ioredis';
import { backoffMs } from '../../util/backoff.js';
import { untilAborted } from '../shared/abort.js';
import type { Closable } from '../shared/shared-connections.js';

export interface RedisEndpoint {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
}

/** Thrown by `ready()`; the source turns it into a SourceError. */
export class RedisNotReady extends Error {
  constructor(
    override readonly cause: Error | undefined,
    readonly timedOut: boolean,
  ) {
    super(cause?.message ?? (timedOut ? 'no answer within the metric timeout' : 'not connected'));
  }
}

function clientOptions(endpoint: RedisEndpoint) {
  return {
    ...(endpoint.username !== undefined ? { username: endpoint.username } : {}),
    ...(endpoint.password !== undefined ? { password: endpoint.password } : {}),
    // Fail fast while disconnected instead of queueing reads that would all arrive late.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
    retryStrategy: (attempt: number) => backoffMs(attempt),
    connectionName: 'microscale',
  };
}

export class RedisConnection implements Closable {
  readonly client: Redis;
  readonly db: number;
  private lastError: Error | undefined;
  private subscriber: Redis | undefined;
  private connecting: Promise<Redis> | undefined;
  private readonly watchers = new Map<string, Set<() => void>>();

  constructor(private readonly endpoint: RedisEndpoint) {
    this.client = new Redis(endpoint.url, clientOptions(endpoint));
    this.db = Number(new URL(endpoint.url).pathname.slice(1) || 0);
    this.client.on('error', (error: Error) => {
      this.lastError = error;
    });
    this.client.on('ready', () => {
      this.lastError = undefined;
    });
  }

  /** The client once it is connected; rejects at once while ioredis waits to retry a failed connection. */
  async ready(signal: AbortSignal): Promise<Redis> {
    if (this.client.status === 'ready') return this.client;
    if (this.client.status === 'reconnecting' || this.client.status === 'end') throw new RedisNotReady(this.lastError, false);
    return untilAborted(this.nextConnection(), signal, () => new RedisNotReady(this.lastError, this.lastError === undefined));
  }

  /** One promise for the connection attempt in progress, shared by every read waiting on it. */
  private nextConnection(): Promise<Redis> {
    this.connecting ??= new Promise<Redis>((resolve, reject) => {
      const settle = (): void => {
        this.client.off('ready', onReady);
        this.client.off('error', onError);
        this.connecting = undefined;
      };
      const onReady = (): void => {
        settle();
        resolve(this.client);
      };
      const onError = (error: Error): void => {
        settle();
        reject(new RedisNotReady(error, false));
      };
      this.client.on('ready', onReady);
      this.client.on('error', onError);
    });
    this.connecting.catch(() => undefined); // a read that gave up early must not leave it unhandled
    return this.connecting;
  }

  /** Calls `onMessage` for every keyspace notification on `key`. Returns an unsubscribe. */
  watchKey(key: string, onMessage: () => void): () => void {
    const channel = `__keyspace@${this.db}__:${key}`;
    if (!this.subscriber) {
      // ioredis's own resubscribe after a reconnect leaves its promise unhandled: a connection that drops
      // again before the server answers it (a flapping server, maxRetriesPerRequest 0) would reject with
      // no one listening, which ends a Node process. So it is ours, with its failure caught (an outage).
      const subscriber = new Redis(this.endpoint.url, {
        ...clientOptions(this.endpoint),
        enableOfflineQueue: true,
        autoResubscribe: false,
        connectionName: 'microscale-watch',
      });
      this.subscriber = subscriber;
      subscriber.on('error', () => undefined); // the command client reports outages
      let lost = false;
      subscriber.on('close', () => (lost = true));
      subscriber.on('ready', () => {
        const channels = [...this.watchers.keys()];
        if (!lost || channels.length === 0) return;
        lost = false;
        subscriber.subscribe(...channels).catch(() => undefined); // dropped again: the next ready tries again
      });
      this.subscriber.on('message', (from: string) => {
        for (const callback of this.watchers.get(from) ?? []) callback();
      });
    }
    let callbacks = this.watchers.get(channel);
    if (!callbacks) {
      callbacks = new Set();
      this.watchers.set(channel, callbacks);
      this.subscriber.subscribe(channel).catch(() => undefined); // only the wake-up is lost: the tick still reads the key
    }
    callbacks.add(onMessage);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      callbacks.delete(onMessage);
      if (callbacks.size === 0 && this.watchers.get(channel) === callbacks) {
        this.watchers.delete(channel);
        this.subscriber?.unsubscribe(channel).catch(() => undefined); // a message still arriving finds no callback
      }
    };
  }

  async close(): Promise<void> {
    for (const client of [this.client, this.subscriber]) {
      if (!client) continue;
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    }
  }
}
