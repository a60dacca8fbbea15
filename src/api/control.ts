// The API's mutating routes, all behind the bearer token: pause and resume scaling, live changes to a
// service (validated like the config file), and pushed values for `source: push` metrics and arrivals.
import type { Context, Hono } from 'hono';
import type { Agent } from '../agent/agent.js';
import { patchService } from '../agent/live-changes.js';
import { ConfigError, errorMessage } from '../errors.js';
import { requireToken } from './auth.js';
import { badRequest, jsonBody, shownValue } from './input.js';
import { buildState } from './state.js';

const PUSH_EXAMPLE = '{"value": 12}';

/** `{"value": n}` with n a finite number >= 0, or one problem per bad field, each naming it, its value and the fix. */
export function pushedValue(body: unknown): { value: number } | { problems: string[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const fix = typeof body === 'number' ? `{"value": ${body}}` : PUSH_EXAMPLE;
    return { problems: [`(body): expected a JSON object {"value": <number>}, got ${shownValue(body)}; send ${fix}`] };
  }
  const problems = Object.entries(body)
    .filter(([key]) => key !== 'value')
    .map(([key, value]) => `${key}: not a field here (got ${shownValue(value)}); send only {"value": <number>}, e.g. ${PUSH_EXAMPLE}`);
  const value: unknown = (body as Record<string, unknown>)['value'];
  if (value === undefined) {
    problems.unshift(`value: is required, got nothing; send {"value": <number>}, e.g. ${PUSH_EXAMPLE}`);
  } else if (typeof value !== 'number') {
    const asNumber = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    const fix = Number.isFinite(asNumber) ? `{"value": ${asNumber}}, a JSON number without quotes` : `a JSON number, e.g. ${PUSH_EXAMPLE}`;
    problems.unshift(`value: expected a number, got ${shownValue(value)}; send ${fix}`);
  } else if (!Number.isFinite(value) || value < 0) {
    problems.unshift(`value: expected a finite number >= 0, got ${shownValue(value)}; send 0 or more, e.g. ${PUSH_EXAMPLE}`);
  }
  return problems.length > 0 ? { problems } : { value: value as number };
}

/** POST /api/services/{name}/metric or /arrivals: `{"value": n}` handed to the service's push source. */
function pushHandler(agent: Agent, role: 'metric' | 'arrivals', push: (service: string, value: number) => void) {
  return async (c: Context): Promise<Response> => {
    const name = c.req.param('name') ?? '';
    if (!agent.config.services.some((s) => s.name === name)) {
      return c.json({ error: `no service named "${name}"; known: ${agent.config.services.map((s) => s.name).join(', ')}` }, 404);
    }
    const parsed = await jsonBody(c, PUSH_EXAMPLE);
    if (!parsed.ok) return parsed.response;
    const body = pushedValue(parsed.body);
    if ('problems' in body) return badRequest(c, body.problems, `${role} for service "${name}": `);
    try {
      push(name, body.value);
    } catch (error) {
      // A value the source refuses is bad input; a service that takes no pushes is a conflict.
      return c.json({ error: errorMessage(error) }, error instanceof RangeError ? 400 : 409);
    }
    agent.wake();
    return c.json({ accepted: body.value });
  };
}

function serviceState(agent: Agent, ready: () => boolean, name: string) {
  return buildState(agent, ready()).services.find((s) => s.name === name);
}

export function registerControl(app: Hono, agent: Agent, token: string | undefined, ready: () => boolean): void {
  const auth = requireToken(token);
  app.post('/api/pause', auth, (c) => {
    agent.pause();
    return c.json({ paused: true });
  });
  app.post('/api/resume', auth, (c) => {
    agent.resume();
    return c.json({ paused: false });
  });

  app.patch('/api/services/:name', auth, async (c) => {
    const name = c.req.param('name');
    const parsed = await jsonBody(c, '{"priority": 2}');
    if (!parsed.ok) return parsed.response;
    let next;
    try {
      next = patchService(agent.config, name, parsed.body);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const status = agent.config.services.some((s) => s.name === name) ? 400 : 404;
      return c.json({ error: `change refused, nothing was changed: ${error.problems.join('; ')}`, problems: error.problems }, status);
    }
    await agent.reconfigure(next);
    return c.json({ service: serviceState(agent, ready, name) });
  });

  app.post(
    '/api/services/:name/metric',
    auth,
    pushHandler(agent, 'metric', (name, value) => agent.pushMetric(name, value)),
  );
  app.post(
    '/api/services/:name/arrivals',
    auth,
    pushHandler(agent, 'arrivals', (name, value) => agent.pushArrivals(name, value)),
  );
}
