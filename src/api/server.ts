// Starts the API and dashboard on a host:port next to an agent, and stops it (dropping open event
// streams) when the agent stops. Loopback by default; anything else without a token gets a loud warning.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Logger } from '../log/logger.js';
import { createApiApp, type ApiAppOptions } from './app.js';
import { TOKEN_ENV } from './auth.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** "127.0.0.1:8321", "[::1]:8321", "localhost:0" → host and port. */
export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new Error(`--listen: expected host:port like 127.0.0.1:8321 or [::1]:8321, got "${text}"`);
  return { host: match[1] ?? match[2] ?? '', port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * How long an idle kept-alive connection stays open. Node's default (5 s) is shorter than the idle reuse
 * of common clients (Go's net/http keeps idle connections 90 s, nginx upstreams 60-75 s, Python's urllib3
 * without limit), so a client that pushed a metric, waited ~5 s and pushed again could reuse a socket the
 * server was closing at that moment and lose the push (ECONNRESET, "socket hang up"). Longer than all of
 * them; the server still announces it (Keep-Alive: timeout=120) for clients that honour the hint.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 120_000;

export interface ApiServer {
  /** http://host:port/ as a browser would open it. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface StartApiOptions extends ApiAppOptions {
  readonly listen: string;
  readonly log: Logger;
}

export async function startApiServer(options: StartApiOptions): Promise<ApiServer> {
  const { host, port } = parseListen(options.listen);
  if (!isLoopback(host) && !options.token) {
    const line =
      `WARNING: the API listens on ${host}, which is not loopback, and ${TOKEN_ENV} is not set: ` +
      `anyone who can reach it can read the agent's state. Changes stay refused until you set ${TOKEN_ENV}.`;
    options.log.warn({ event: 'api-exposed', listen: options.listen }, line);
    console.error(line);
  }
  // The name it listens on is one the user chose: served too.
  const app = createApiApp({
    ...options,
    allowedHosts: [...(options.allowedHosts ?? []), ...(host && host !== '0.0.0.0' && host !== '::' ? [host] : [])],
  });
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host, port }) as Server;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  options.log.info({ event: 'api-listening', host, port: bound }, `API and dashboard on http://${shownHost}:${bound}/`);
  return {
    url: `http://${shownHost}:${bound}/`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
