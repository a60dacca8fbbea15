// The API's mutating routes, all behind the bearer token: pause and resume scaling, live changes to a
// service (validated like the config file), and pushed values for `source: push` metrics and arrivals.
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { Agent } from '../agent/agent.js';
import { patchService } from '../agent/live-changes.js';
import { ConfigError, errorMessage } from '../errors.js';
import { requireToken } from './auth.js';
import { buildState } from './state.js';

const metricBody = z
  .object({
    value: z
      .number({ invalid_type_error: 'expected a number', required_error: 'is required (a number)' })
      .finite('expected a finite number'),
  })
  .strict();

async function jsonBody(c: Context): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  try {
    return { ok: true, body: await c.req.json() };
  } catch {
    return {
      ok: false,
      response: c.json({ error: 'the request body is not JSON; send a JSON object with Content-Type: application/json' }, 400),
    };
  }
}

/** POST /api/services/{name}/metric or /arrivals: `{"value": n}` handed to the service's push source. */
function pushHandler(agent: Agent, push: (service: string, value: number) => void) {
  return async (c: Context): Promise<Response> => {
    const name = c.req.param('name') ?? '';
    if (!agent.config.services.some((s) => s.name === name)) {
      return c.json({ error: `no service named "${name}"; known: ${agent.config.services.map((s) => s.name).join(', ')}` }, 404);
    }
    const parsed = await jsonBody(c);
    if (!parsed.ok) return parsed.response;
    const body = metricBody.safeParse(parsed.body);
    if (!body.success) {
      const problems = body.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
      return c.json({ error: `expected {"value": <number>}: ${problems.join('; ')}`, problems }, 400);
    }
    try {
      push(name, body.data.value);
    } catch (error) {
      // A value the source refuses (negative, say) is bad input; a service that takes no pushes is a conflict.
      return c.json({ error: errorMessage(error) }, error instanceof RangeError ? 400 : 409);
    }
    agent.wake();
    return c.json({ accepted: body.data.value });
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
    const parsed = await jsonBody(c);
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
    pushHandler(agent, (name, value) => agent.pushMetric(name, value)),
  );
  app.post(
    '/api/services/:name/arrivals',
    auth,
    pushHandler(agent, (name, value) => agent.pushArrivals(name, value)),
  );
}
