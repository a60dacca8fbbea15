// One NATS connection per server and credentials (shared by every service that reads it). The first
// connection is made lazily, retried with our backoff; once up, nats.js reconnects by itself forever,
// and while it is disconnected reads fail fast as unreachable instead of waiting on the request timeout.
// Its reconnects are told to onReconnect listeners (the source wakes the agent: fresh at once).
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type ConnectionOptions, type JetStreamManager, type NatsConnection } from 'nats';
import { backoffMs } from '../../util/backoff.js';
import { untilAborted } from '../shared/abort.js';
import type { Closable } from '../shared/shared-connections.js';

export interface NatsEndpoint {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly token?: string;
  readonly credsFile?: string;
}

/** Thrown while the server cannot be reached; the source turns it into a SourceError. */
export class NatsNotConnected extends Error {
  constructor(
    override readonly cause: unknown,
    readonly timedOut: boolean,
  ) {
    super(cause instanceof Error ? cause.message : timedOut ? 'no answer within the metric timeout' : 'disconnected; reconnecting');
  }
}

function connectOptions(endpoint: NatsEndpoint): ConnectionOptions {
  const url = new URL(endpoint.url);
  const user = endpoint.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const pass = endpoint.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  url.username = '';
  url.password = '';
  return {
    servers: url.host,
    ...(url.protocol === 'tls:' ? { tls: {} } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(pass !== undefined ? { pass } : {}),
    ...(endpoint.token !== undefined ? { token: endpoint.token } : {}),
    ...(endpoint.credsFile !== undefined ? { authenticator: credsAuthenticator(readFileSync(endpoint.credsFile)) } : {}),
    name: 'microscale',
    timeout: 3000,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
  };
}

export class NatsClient implements Closable {
  private connection: NatsConnection | undefined;
  private manager: Promise<JetStreamManager> | undefined;
  private connecting: Promise<NatsConnection> | undefined;
  private disconnected = false;
  private lastError: unknown;
  private failures = 0;
  private retryAtMs = 0;
  private closed = false;
  private readonly reconnectListeners = new Set<() => void>();

  constructor(private readonly endpoint: NatsEndpoint) {}

  /** Calls `listener` each time the connection is back after it dropped. Returns how to stop. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** The connection, connecting first (or again, after the backoff) when there is none. */
  async get(signal: AbortSignal): Promise<NatsConnection> {
    if (this.connection && !this.connection.isClosed()) {
      if (this.disconnected) throw new NatsNotConnected(this.lastError, false);
      return this.connection;
    }
    if (!this.connecting) {
      if (Date.now() < this.retryAtMs) throw new NatsNotConnected(this.lastError, false);
      this.connecting = this.open().finally(() => {
        this.connecting = undefined;
      });
    }
    return untilAborted(this.connecting, signal, () => new NatsNotConnected(this.lastError, this.lastError === undefined));
  }

  /** The JetStream manager (made once per connection: it asks the server whether JetStream is on). */
  async jetstreamManager(signal: AbortSignal): Promise<JetStreamManager> {
    const connection = await this.get(signal);
    if (!this.manager) {
      const manager = connection.jetstreamManager({ timeout: 3000 });
      manager.catch(() => {
        if (this.manager === manager) this.manager = undefined; // ask again on the next read
      });
      this.manager = manager;
    }
    return untilAborted(this.manager, signal, () => new NatsNotConnected(undefined, true));
  }

  private async open(): Promise<NatsConnection> {
    try {
      const connection = await connect(connectOptions(this.endpoint));
      if (this.closed) {
        await connection.close();
        throw new Error('closed');
      }
      this.connection = connection;
      this.manager = undefined;
      this.disconnected = false;
      this.failures = 0;
      this.lastError = undefined;
      void this.followStatus(connection);
      return connection;
    } catch (error) {
      this.failures++;
      this.lastError = error;
      this.retryAtMs = Date.now() + backoffMs(this.failures);
      throw new NatsNotConnected(error, false);
    }
  }

  private async followStatus(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') {
        this.disconnected = true;
        this.lastError = new Error(`disconnected from ${String(status.data)}; reconnecting`);
      } else if (status.type === 'reconnect') {
        this.disconnected = false;
        this.lastError = undefined;
        for (const listener of this.reconnectListeners) listener();
      } else if (status.type === 'error') {
        this.lastError = status.data;
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    // Closing for good: a connection that fails to close is dropped all the same.
    if (connection && !connection.isClosed()) await connection.close().catch(() => undefined);
  }
}
