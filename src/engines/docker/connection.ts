// Connects to a Docker Engine (the `host` of the engine block, else DOCKER_HOST, else the local socket)
// and turns dockerode's errors into EngineErrors a person can act on. Shared by `docker` and `swarm`.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import Docker from 'dockerode';
import { EngineError, errorMessage, type EngineFailure } from '../../errors.js';

export const DEFAULT_SOCKET = '/var/run/docker.sock';

/** Where we talk to, for messages: the explicit host, DOCKER_HOST, or the default socket. */
export function engineAddress(host: string | undefined): string {
  return host ?? process.env.DOCKER_HOST ?? `unix://${DEFAULT_SOCKET}`;
}

export function connect(host: string | undefined): Docker {
  const address = engineAddress(host);
  if (address.startsWith('unix://')) return new Docker({ socketPath: address.slice('unix://'.length) });
  const url = new URL(address.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: url.protocol === 'https:' ? 'https' : 'http' });
}

interface DockerishError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly json?: unknown;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOTFOUND']);

/** The daemon's own message when it sent one (`{"message": ...}`), else the error's. */
function daemonMessage(error: unknown): string {
  const json = (error as DockerishError | null)?.json;
  if (json && typeof json === 'object' && 'message' in json && typeof json.message === 'string') return json.message;
  return errorMessage(error).replace(/^\(HTTP code \d+\)\s*/, '');
}

export function failureOf(error: unknown): EngineFailure {
  const { code, statusCode } = (error ?? {}) as DockerishError;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return 'unreachable';
  if (code === 'EACCES') return 'auth';
  if (statusCode === 404) return 'not-found';
  if (statusCode === 409) return 'conflict';
  if (statusCode === 401 || statusCode === 403) return 'auth';
  return 'refused';
}

/** Wraps any dockerode failure: `doing` says what we tried ("list containers", "start a container"). */
export function engineError(
  kind: 'docker' | 'swarm',
  host: string | undefined,
  doing: string,
  error: unknown,
  service?: string,
): EngineError {
  if (error instanceof EngineError) return error;
  const failure = failureOf(error);
  const detail =
    failure === 'unreachable'
      ? `cannot reach the Docker Engine at ${engineAddress(host)} to ${doing} (${daemonMessage(error)}); is the daemon running? Start it, or point DOCKER_HOST / engine.host at it`
      : failure === 'auth'
        ? `no permission to use the Docker Engine at ${engineAddress(host)} (${daemonMessage(error)}); run as a user in the docker group`
        : `${doing}: ${daemonMessage(error)}`;
  return new EngineError(failure, kind, detail, service);
}

/** Rejects with an EngineError('timeout') when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, kind: 'docker' | 'swarm', doing: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EngineError('timeout', kind, `${doing}: no answer from the Docker Engine within ${ms}ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GET /_ping over a new connection, never a kept-alive one: a daemon shutting down has closed its
 * listener (so it is going) but still answers on the connections it has, and happily takes creates there.
 */
export async function pingFresh(host: string | undefined, timeoutMs: number): Promise<void> {
  const address = engineAddress(host);
  const unix = address.startsWith('unix://');
  const url = unix ? undefined : new URL(address.replace(/^tcp:/, 'http:'));
  const request = url?.protocol === 'https:' ? httpsRequest : httpRequest;
  await new Promise<void>((resolve, reject) => {
    const req = request(
      {
        ...(unix ? { socketPath: address.slice('unix://'.length) } : { host: url?.hostname, port: Number(url?.port || 2375) }),
        path: '/_ping',
        method: 'GET',
        agent: false,
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        if (response.statusCode === 200) resolve();
        else reject(Object.assign(new Error(`/_ping answered ${response.statusCode}`), { statusCode: response.statusCode }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer to /_ping within ${timeoutMs}ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}
