// The HTTP API and dashboard as one Hono app, built from an agent. Other parts add routes through
// `routes` (each a function given the app and the agent), so they never edit this file.
import { Hono, type Context } from 'hono';
import type { Agent } from '../agent/agent.js';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../errors.js';
import { hasToken, requireToken } from './auth.js';
import { registerControl } from './control.js';
import { registerDashboard } from './dashboard-files.js';
import { registerEvents, type EventsOptions } from './events.js';
import { allowedHostsGuard, requestBodyLimit, securityHeaders } from './guards.js';
import { badRequest, shownValue } from './input.js';
import { notFoundOrNotAllowed } from './methods.js';
import { createAgentMetrics } from './metrics.js';
import { buildState, ticksSince } from './state.js';

export interface RouteContext {
  readonly agent: Agent;
  /** Middleware that passes only requests with the API token: put it before any mutating handler. */
  readonly requireToken: ReturnType<typeof requireToken>;
  /** Whether a request carries the API token (for routes that do more for one that does). */
  readonly hasToken: (c: Context) => boolean;
}

/** Adds routes to the app, e.g. `(app, {agent}) => app.get('/api/images', ...)`. */
export type RouteRegistrar = (app: Hono, context: RouteContext) => void;

export interface ApiAppOptions {
  readonly agent: Agent;
  /** The bearer token mutations need; without one every mutation is refused. */
  readonly token?: string | undefined;
  readonly routes?: readonly RouteRegistrar[];
  readonly log?: Logger;
  /** Where the dashboard bundle is (default dist/dashboard/). */
  readonly dashboardDir?: string;
  readonly events?: EventsOptions;
  /** Host names served besides loopback names and IP addresses (api.allowedHosts; guards.ts). */
  readonly allowedHosts?: readonly string[];
  /** Largest request body, in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
}

const MAX_HISTORY = 100_000;

/** A query parameter as a number, or undefined when it is not one (empty text is not 0). */
function queryNumber(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

/** `?since=&limit=` of /api/history: each bad one is one problem naming it, the value as sent and the fix. */
export function historyQuery(
  sinceText: string | undefined,
  limitText: string | undefined,
): { since: number; limit: number } | { problems: string[] } {
  const problems: string[] = [];
  const since = sinceText === undefined ? 0 : queryNumber(sinceText);
  if (since === undefined || !Number.isFinite(since) || since < 0) {
    problems.push(
      `since: expected a tick seq or a time in ms since the epoch (a number >= 0), got ${shownValue(sinceText)}; ` +
        'send e.g. since=42 (ticks after seq 42) or since=1764560000000 (ticks at or after that time), or leave it out',
    );
  }
  const limit = limitText === undefined ? MAX_HISTORY : queryNumber(limitText);
  if (limit === undefined || !Number.isInteger(limit) || limit < 1) {
    problems.push(
      `limit: expected a whole number of ticks >= 1, got ${shownValue(limitText)}; ` +
        `send e.g. limit=100 (the newest 100; at most ${MAX_HISTORY}), or leave it out for every kept tick`,
    );
  }
  if (problems.length > 0 || since === undefined || limit === undefined) return { problems };
  return { since, limit: Math.min(limit, MAX_HISTORY) };
}

export function createApiApp(options: ApiAppOptions): Hono {
  const { agent, token } = options;
  const app = new Hono();
  let ready = agent.ticks.toArray().some((t) => t.engineError === null);
  const markReady = (tick: { engineError: string | null }): void => {
    if (tick.engineError !== null) return;
    ready = true;
    agent.off('tick', markReady);
  };
  if (!ready) agent.on('tick', markReady);
  const isReady = (): boolean => ready;
  const metrics = createAgentMetrics(agent);

  // First, so every route (the dashboard, the API, and the routes other parts add) passes them.
  app.use('*', securityHeaders(), allowedHostsGuard(options.allowedHosts ?? []), requestBodyLimit(options.maxBodyBytes));
  app.onError((error, c) => {
    options.log?.error({ event: 'api-error', path: c.req.path }, errorMessage(error));
    return c.json({ error: errorMessage(error) }, 500);
  });
  app.notFound(notFoundOrNotAllowed(app));

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', (c) =>
    ready ? c.json({ ready: true }) : c.json({ ready: false, reason: 'no successful tick yet (the engine has not been read)' }, 503),
  );
  app.get('/api/state', (c) => c.json(buildState(agent, ready)));
  app.get('/api/history', (c) => {
    const query = historyQuery(c.req.query('since'), c.req.query('limit'));
    if ('problems' in query) return badRequest(c, query.problems);
    return c.json({ ticks: ticksSince(agent, query.since, query.limit) });
  });
  app.get('/metrics', async (c) => c.body(await metrics.render(), 200, { 'Content-Type': metrics.registry.contentType }));
  registerEvents(app, agent, options.events);
  registerControl(app, agent, token, isReady);
  const context: RouteContext = { agent, requireToken: requireToken(token), hasToken: (c) => hasToken(c, token) };
  for (const register of options.routes ?? []) register(app, context);
  registerDashboard(app, options.dashboardDir);
  return app;
}
