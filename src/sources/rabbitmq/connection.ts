// One AMQP connection per broker (shared by every service that reads it). Connecting is lazy; after a
// failure, reads fail fast with the last error until the backoff delay has passed, then one attempt is
// made for everyone. A dropped connection is forgotten, so the next read reconnects. amqplib does not
// reconnect by itself: while a source watches (onReconnect), a lost or failed connection is also tried
// again in the background on the same backoff, and the listeners are told when it is back, so the agent
// reads the queue at once instead of at its next tick.
import { connect, type ChannelModel, type Options } from 'amqplib';
import { backoffMs } from '../../util/backoff.js';
import { untilAborted } from '../shared/abort.js';
import type { Closable } from '../shared/shared-connections.js';

export interface AmqpEndpoint {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly vhost: string;
}

/** Thrown while the broker cannot be reached; the source turns it into a SourceError. */
export class AmqpNotConnected extends Error {
  constructor(
    override readonly cause: unknown,
    readonly timedOut: boolean,
  ) {
    super(cause instanceof Error ? cause.message : timedOut ? 'no answer within the metric timeout' : String(cause));
  }
}

function connectOptions(endpoint: AmqpEndpoint): Options.Connect {
  const url = new URL(endpoint.url);
  const username = endpoint.username ?? (url.username ? decodeURIComponent(url.username) : 'guest');
  const password = endpoint.password ?? (url.password ? decodeURIComponent(url.password) : 'guest');
  return {
    protocol: url.protocol.replace(':', ''),
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port) || (url.protocol === 'amqps:' ? 5671 : 5672),
    username,
    password,
    vhost: endpoint.vhost,
    heartbeat: 30,
  };
}

export class AmqpConnection implements Closable {
  private model: ChannelModel | undefined;
  private connecting: Promise<ChannelModel> | undefined;
  private lastError: unknown;
  private failures = 0;
  private retryAtMs = 0;
  private closed = false;
  /** The connection was lost or never made: the next one that opens is a reconnect. */
  private lost = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly reconnectListeners = new Set<() => void>();

  constructor(private readonly endpoint: AmqpEndpoint) {}

  /** Calls `listener` each time a connection opens after one was lost or failed. Returns how to stop. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    if (this.lost) this.retrySoon();
    return () => {
      this.reconnectListeners.delete(listener);
      if (this.reconnectListeners.size === 0) this.stopRetrying();
    };
  }

  /** While someone listens and there is no connection: one attempt when the backoff allows. */
  private retrySoon(): void {
    if (this.closed || this.retryTimer || this.reconnectListeners.size === 0) return;
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = undefined;
        if (this.model || this.closed) return;
        this.get(AbortSignal.timeout(5000)).catch(() => this.retrySoon());
      },
      Math.max(0, this.retryAtMs - Date.now()),
    );
    this.retryTimer.unref();
  }

  private stopRetrying(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** The open connection, connecting (or reconnecting, after the backoff) when there is none. */
  async get(signal: AbortSignal): Promise<ChannelModel> {
    if (this.model) return this.model;
    if (!this.connecting) {
      if (Date.now() < this.retryAtMs) throw new AmqpNotConnected(this.lastError, false);
      this.connecting = this.open().finally(() => {
        this.connecting = undefined;
      });
    }
    return untilAborted(this.connecting, signal, () => new AmqpNotConnected(this.lastError, this.lastError === undefined));
  }

  private async open(): Promise<ChannelModel> {
    try {
      const model = await connect(connectOptions(this.endpoint), { timeout: 3000 });
      if (this.closed) {
        await model.close().catch(() => undefined); // closed while connecting: drop it, whatever its close says
        throw new Error('closed');
      }
      model.on('error', (error: Error) => {
        this.lastError = error;
      });
      model.on('close', () => {
        if (this.model !== model) return;
        this.model = undefined;
        this.lost = true;
        this.retryAtMs = 0; // the first attempt at once: a broker restart is usually back by then
        this.retrySoon();
      });
      this.model = model;
      this.failures = 0;
      this.lastError = undefined;
      if (this.lost) {
        this.lost = false;
        for (const listener of this.reconnectListeners) listener();
      }
      return model;
    } catch (error) {
      this.failures++;
      this.lastError = error;
      this.retryAtMs = Date.now() + backoffMs(this.failures);
      this.lost = true;
      this.retrySoon();
      throw new AmqpNotConnected(error, false);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopRetrying();
    const model = this.model;
    this.model = undefined;
    await model?.close().catch(() => undefined); // closing for good: a failed close is dropped all the same
  }
}
