// One AMQP connection per broker (shared by every service that reads it). Connecting is lazy; after a
// failure, reads fail fast with the last error until the backoff delay has passed, then one attempt is
// made for everyone. A dropped connection is forgotten, so the next read reconnects.
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

  constructor(private readonly endpoint: AmqpEndpoint) {}

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
        await model.close().catch(() => undefined);
        throw new Error('closed');
      }
      model.on('error', (error: Error) => {
        this.lastError = error;
      });
      model.on('close', () => {
        if (this.model === model) this.model = undefined;
      });
      this.model = model;
      this.failures = 0;
      this.lastError = undefined;
      return model;
    } catch (error) {
      this.failures++;
      this.lastError = error;
      this.retryAtMs = Date.now() + backoffMs(this.failures);
      throw new AmqpNotConnected(error, false);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const model = this.model;
    this.model = undefined;
    await model?.close().catch(() => undefined);
  }
}
