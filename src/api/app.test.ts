import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { TickRecord } from '../agent/records.js';
import { createApiApp } from './app.js';
import type { AgentState } from './state.js';
import { testAgent } from './testing/agent.js';

const TOKEN = 'test-token-0123456789';
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

function setup(token: string | null = TOKEN, options: { arrivals?: boolean; sla?: boolean } = {}) {
  const t = testAgent(options);
  stops.push(() => t.agent.stop());
  const app = createApiApp({ agent: t.agent, token: token ?? undefined, dashboardDir: '/nonexistent/dashboard' });
  const call = (path: string, init: RequestInit = {}) => Promise.resolve(app.request(path, init));
  const send = (method: string, path: string, body?: unknown, auth: string | null = `Bearer ${TOKEN}`) =>
    call(path, {
      method,
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { ...t, app, call, send };
}

describe('GET /healthz and /readyz', () => {
  it('is healthy at once, and ready only after the first successful tick', async () => {
    const { call, tickAt, startMs } = setup();
    assert.equal((await call('/healthz')).status, 200);
    const before = await call('/readyz');
    assert.equal(before.status, 503);
    assert.match(((await before.json()) as { reason: string }).reason, /no successful tick/);
    await tickAt(startMs);
    assert.equal((await call('/readyz')).status, 200);
  });
});

describe('what microscale measured (sla target)', () => {
  it('shows the rate per container and the measured start latency in /api/state, /metrics and the reason', async () => {
    const { call, source, tickAt, startMs } = setup(TOKEN, { sla: true });
    source.value = 0;
    await tickAt(startMs);
    source.value = 2000; // a backlog: the controller must start containers (the sim starts them in 300 ms)
    for (let i = 1; i <= 6; i++) await tickAt(startMs + i * 250);
    const state = (await (await call('/api/state')).json()) as AgentState;
    const orders = state.services[0];
    assert.equal(orders?.estimates?.ratePerContainer, 10);
    assert.equal(orders?.estimates?.ratePerContainerLearned, false);
    const start = orders?.estimates?.startLatencyS ?? 0;
    assert.ok(start >= 0.25 && start <= 0.5, `start latency ${start} s, the sim takes 0.3 s (ticks every 0.25 s)`);
    assert.match(
      orders?.reason ?? '',
      /^arrivals [\d.]+\/s \(±[\d.]+\) from the queue, 10\/s each, start 0\.\d+s: \d+ needed, (keeping|raising to) \d+ for the SLA \(queue ≤ 500/,
    );
    const metrics = await (await call('/metrics')).text();
    assert.match(metrics, /microscale_service_rate_per_container\{service="orders",priority="1"\} 10/);
    assert.match(metrics, /microscale_service_start_latency_seconds\{service="orders",priority="1"\} 0\.\d+/);
    // No cadence of rises learnt (none without measured arrivals): null in the state, absent from /metrics.
    assert.equal(orders?.estimates?.risePeriodS, null);
    assert.doesNotMatch(metrics, /microscale_service_rise_period_seconds\{/);
    assert.match(metrics, /# HELP microscale_service_rise_period_seconds/);
  });
});

describe('GET /api/state', () => {
  it('summarises the config and the latest tick per service, and the pool', async () => {
    const { call, source, tickAt, startMs } = setup();
    source.value = 120;
    await tickAt(startMs);
    await tickAt(startMs + 500);
    const state = (await (await call('/api/state')).json()) as AgentState;
    assert.equal(state.engine, 'sim');
    assert.match(state.summary, /^valid: 2 services \(priorities 1, 2\) on engine sim, capacity 9/);
    assert.equal(state.ready, true);
    assert.equal(state.pool.capacity, 9);
    assert.equal(state.pool.used, 9, 'the remainder service fills the pool');
    const [orders, reports] = state.services;
    assert.equal(orders?.name, 'orders');
    assert.equal(orders.priority, 1);
    assert.equal(orders.metricValue, 120);
    assert.equal(orders.targetValue, 50);
    assert.equal(orders.metricSource, 'random');
    assert.equal(orders.stale, false);
    assert.ok((orders.desired ?? 0) >= 1, 'a queue over target asks for containers');
    assert.equal(orders.running + orders.starting, orders.desired);
    assert.equal(reports?.priority, 2);
    assert.equal(reports.metricValue, null);
    assert.equal(orders.running + orders.starting + reports.running + reports.starting, 9);
  });
  it("keeps each service's JSON keys (a public contract: the dashboard and scripts read them)", async () => {
    const { call, source, tickAt, startMs } = setup();
    source.value = 120;
    await tickAt(startMs);
    const state = (await (await call('/api/state')).json()) as AgentState;
    // The keys as main served them before the service type was derived from the schema (issue 14), in order.
    const keys = ['name', 'priority', 'min', 'max', 'target', 'targetValue', 'metricSource', 'metricValue', 'arrivalsSource'];
    keys.push('arrivalRate', 'desired', 'running', 'starting', 'stopping', 'stale', 'nodes', 'problem', 'size', 'estimates', 'reason');
    for (const service of state.services) assert.deepEqual(Object.keys(service), keys, service.name);
    assert.deepEqual(state.services[0]?.target, { kind: 'queueLength', queueLength: 50 });
    assert.deepEqual(state.services[1]?.target, { kind: 'remainder' });
  });
});

describe('GET /api/history', () => {
  it('returns the ticks after a seq, or at or after a time in ms, oldest first', async () => {
    const { call, tickAt, startMs } = setup();
    for (let i = 0; i < 5; i++) await tickAt(startMs + i * 500);
    const bySeq = (await (await call('/api/history?since=2')).json()) as { ticks: TickRecord[] };
    assert.deepEqual(
      bySeq.ticks.map((t) => t.seq),
      [3, 4, 5],
    );
    const byTime = (await (await call(`/api/history?since=${startMs + 1000}`)).json()) as { ticks: TickRecord[] };
    assert.deepEqual(
      byTime.ticks.map((t) => t.seq),
      [3, 4, 5],
    );
    const limited = (await (await call('/api/history?limit=2')).json()) as { ticks: TickRecord[] };
    assert.deepEqual(
      limited.ticks.map((t) => t.seq),
      [4, 5],
    );
    assert.equal((await call('/api/history?since=yesterday')).status, 400);
  });

  it('names each bad query parameter once, with the value as sent and the fix, and none that is good', async () => {
    const { call } = setup();
    const problems = async (query: string) => {
      const response = await call(`/api/history?${query}`);
      assert.equal(response.status, 400, query);
      const body = (await response.json()) as { error: string; problems: string[] };
      assert.equal(body.error, body.problems.join('; '));
      return body.problems;
    };
    const since = await problems('since=abc&limit=5');
    assert.equal(since.length, 1, since.join('\n'));
    assert.match(
      since[0] ?? '',
      /^since: expected a tick seq or a time in ms since the epoch \(a number >= 0\), got "abc"; send e\.g\. since=42/,
    );
    const limit = await problems('since=3&limit=0');
    assert.equal(limit.length, 1, limit.join('\n'));
    assert.match(limit[0] ?? '', /^limit: expected a whole number of ticks >= 1, got "0"; send e\.g\. limit=100/);
    const both = await problems('since=-1&limit=2.5');
    assert.deepEqual(
      both.map((p) => p.split(':')[0]),
      ['since', 'limit'],
    );
    assert.match(both[0] ?? '', /got "-1"/);
    assert.match(both[1] ?? '', /got "2\.5"/);
    assert.match((await problems('since='))[0] ?? '', /^since: .*got ""/, 'an empty since is not 0');
    assert.equal((await call('/api/history?since=0&limit=100000000')).status, 200, 'a large limit is capped, not refused');
  });
});

describe('GET /metrics', () => {
  it('exposes per-service gauges, decisions, tick durations and error counters in Prometheus text', async () => {
    const { call, source, tickAt, startMs } = setup();
    source.value = 200;
    await tickAt(startMs);
    const response = await call('/metrics');
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const text = await response.text();
    assert.match(text, /microscale_service_metric\{service="orders",priority="1"\} 200/);
    assert.match(text, /microscale_service_target\{service="orders",priority="1"\} 50/);
    assert.match(text, /microscale_service_desired\{service="reports",priority="2"\} \d/);
    assert.match(text, /microscale_service_starting\{service="orders",priority="1"\} [1-9]/);
    assert.match(text, /microscale_pool_capacity 9/);
    assert.match(text, /microscale_decisions_total\{service="orders",direction="up"\} 1/);
    assert.match(text, /microscale_tick_duration_seconds_count 1/);
    assert.match(text, /# TYPE microscale_source_errors_total counter/);
    assert.match(text, /# TYPE microscale_engine_errors_total counter/);
    // A second scrape does not count the same tick twice.
    assert.match(await (await call('/metrics')).text(), /microscale_tick_duration_seconds_count 1\n/);
  });
});

describe('GET /metrics, process metrics', () => {
  it('names them microscale_process_* and keeps the old doubled microscale_process_process_* as deprecated aliases', async () => {
    const { call } = setup();
    const text = await (await call('/metrics')).text();
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1] ?? '');
    assert.equal(new Set(families).size, families.length, 'no family twice');
    for (const name of [
      'cpu_user_seconds_total',
      'cpu_system_seconds_total',
      'cpu_seconds_total',
      'start_time_seconds',
      'resident_memory_bytes',
    ]) {
      const value = (metric: string) => new RegExp(`^${metric} (\\S+)$`, 'm').exec(text)?.[1];
      assert.ok(families.includes(`microscale_process_${name}`), `microscale_process_${name} missing`);
      assert.ok(families.includes(`microscale_process_process_${name}`), `the old microscale_process_process_${name} is kept`);
      assert.ok(value(`microscale_process_${name}`) !== undefined, `microscale_process_${name} has no sample`);
      assert.equal(value(`microscale_process_process_${name}`), value(`microscale_process_${name}`), `${name}: one collection, one value`);
      assert.match(text, new RegExp(`^# HELP microscale_process_process_${name} Deprecated alias of microscale_process_${name} `, 'm'));
      assert.doesNotMatch(text, new RegExp(`^# HELP microscale_process_${name} Deprecated`, 'm'));
    }
    const doubled = families.filter((f) => f.startsWith('microscale_process_process_'));
    assert.deepEqual(
      doubled.map((f) => f.replace('microscale_process_process_', 'microscale_process_')).filter((f) => !families.includes(f)),
      [],
      'every old name has its new one',
    );
    assert.ok(families.includes('microscale_process_nodejs_heap_size_used_bytes'), 'the nodejs_ families keep their names');
  });
});

describe('mutations need the token', () => {
  const attempts: [string, string, unknown][] = [
    ['POST', '/api/pause', undefined],
    ['POST', '/api/resume', undefined],
    ['PATCH', '/api/services/orders', { priority: 3 }],
    ['POST', '/api/services/orders/metric', { value: 7 }],
    ['POST', '/api/services/orders/arrivals', { value: 7 }],
  ];

  it('refuses every mutation with 403 and a how-to when no token is configured, and changes nothing', async () => {
    const { agent, send } = setup(null);
    const before = JSON.stringify(agent.config);
    for (const [method, path, body] of attempts) {
      const response = await send(method, path, body, 'Bearer anything');
      assert.equal(response.status, 403, `${method} ${path}`);
      assert.match(((await response.json()) as { error: string }).error, /MICROSCALE_API_TOKEN/);
    }
    assert.equal(agent.paused, false);
    assert.equal(JSON.stringify(agent.config), before);
  });

  it('refuses a missing or wrong token with 401, and changes nothing', async () => {
    const { agent, source, send } = setup();
    const before = JSON.stringify(agent.config);
    for (const auth of [null, 'Bearer wrong-token', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
      for (const [method, path, body] of attempts) {
        const response = await send(method, path, body, auth);
        assert.equal(response.status, 401, `${method} ${path} with ${auth ?? 'no header'}`);
        assert.match(response.headers.get('www-authenticate') ?? '', /Bearer/);
      }
    }
    assert.equal(agent.paused, false);
    assert.equal(source.value, 0);
    assert.equal(JSON.stringify(agent.config), before);
  });

  it('takes no pushed arrivals without the right token', async () => {
    const { call, send, tickAt, startMs } = setup(TOKEN, { arrivals: true });
    for (const auth of [null, 'Bearer wrong-token'])
      assert.equal((await send('POST', '/api/services/orders/arrivals', { value: 50 }, auth)).status, 401);
    await tickAt(startMs);
    const orders = ((await (await call('/api/state')).json()) as AgentState).services[0];
    assert.equal(orders?.arrivalsSource, 'push');
    assert.equal(orders.arrivalRate, null, 'nothing was pushed');
  });
});

describe('a route asked with a method it does not take', () => {
  it('answers 405 with an Allow header for every route, before the token check, and changes nothing; unknown paths stay 404', async () => {
    const { agent, call, send } = setup();
    for (const [method, path, allow] of [
      ['PUT', '/api/pause', 'POST, OPTIONS'],
      ['GET', '/api/resume', 'POST, OPTIONS'],
      ['DELETE', '/api/services/orders', 'PATCH, OPTIONS'],
      ['GET', '/api/services/orders/metric', 'POST, OPTIONS'],
      ['PUT', '/api/services/orders/arrivals', 'POST, OPTIONS'],
      ['POST', '/api/state', 'GET, HEAD, OPTIONS'],
      ['DELETE', '/api/history', 'GET, HEAD, OPTIONS'],
      ['POST', '/api/events', 'GET, HEAD, OPTIONS'],
      ['PUT', '/metrics', 'GET, HEAD, OPTIONS'],
      ['POST', '/healthz', 'GET, HEAD, OPTIONS'],
      ['POST', '/readyz', 'GET, HEAD, OPTIONS'],
      ['POST', '/', 'GET, HEAD, OPTIONS'],
      ['PATCH', '/app.js', 'GET, HEAD, OPTIONS'],
    ] as const) {
      for (const auth of [null, `Bearer ${TOKEN}`, 'Bearer wrong']) {
        const response = await send(method, path, method === 'GET' ? undefined : { value: 1 }, auth);
        assert.equal(response.status, 405, `${method} ${path} with ${auth ?? 'no token'}`);
        assert.equal(response.headers.get('allow'), allow, `${method} ${path}`);
        const body = (await response.json()) as { error: string; allow: string[] };
        assert.match(body.error, new RegExp(`^method ${method} is not allowed on ${path.replace('.', '\\.')}: it takes `));
        assert.deepEqual(body.allow, allow.split(', '));
      }
    }
    assert.equal(agent.paused, false, 'PUT /api/pause paused nothing');
    const options = await send('OPTIONS', '/api/pause', undefined, null);
    assert.equal(options.status, 204);
    assert.equal(options.headers.get('allow'), 'POST, OPTIONS');
    assert.equal((await call('/api/state', { method: 'HEAD' })).status, 200, 'HEAD is served where GET is');
    const rebound = await call('/api/pause', { method: 'PUT', headers: { host: 'evil.example' } });
    assert.equal(rebound.status, 403, 'the Host guard comes before the method check');
    assert.equal(rebound.headers.get('allow'), null);
    assert.equal((await send('POST', '/api/pause', undefined, null)).status, 401, 'the right method without a token: 401 as before');
    assert.equal(agent.paused, false);
    for (const [method, path] of [
      ['GET', '/nope'],
      ['PUT', '/api/nope'],
      ['POST', '/api/services/orders/other'],
      ['OPTIONS', '/nope'],
    ] as const) {
      const response = await send(method, path, undefined, null);
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.equal(response.headers.get('allow'), null);
    }
  });

  it('keeps the no-token 403 on the right method, and lists the methods of routes other parts add', async () => {
    const t = testAgent();
    stops.push(() => t.agent.stop());
    const app = createApiApp({
      agent: t.agent,
      token: undefined,
      dashboardDir: '/nonexistent/dashboard',
      routes: [
        (api, { requireToken }) => {
          api.get('/api/things/:id', (c) => c.json({ id: c.req.param('id') }));
          api.delete('/api/things/:id', requireToken, (c) => c.json({ deleted: true }));
        },
      ],
    });
    assert.equal((await app.request('/api/pause', { method: 'POST' })).status, 403);
    assert.equal((await app.request('/api/pause', { method: 'PUT' })).status, 405);
    const put = await app.request('/api/things/7', { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, HEAD, DELETE, OPTIONS');
    assert.equal((await app.request('/api/things/7', { method: 'DELETE' })).status, 403);
  });
});

describe('mutations with the token', () => {
  it('pauses and resumes scaling', async () => {
    const { agent, send } = setup();
    assert.equal((await send('POST', '/api/pause')).status, 200);
    assert.equal(agent.paused, true);
    assert.equal((await send('POST', '/api/resume')).status, 200);
    assert.equal(agent.paused, false);
  });

  it('changes a service live, and the next tick uses it', async () => {
    const { agent, call, send, source, tickAt, startMs } = setup();
    source.value = 1000;
    const response = await send('PATCH', '/api/services/orders', { max: 3, target: { queueLength: 10 } });
    assert.equal(response.status, 200);
    assert.equal(agent.config.services[0]?.max, 3);
    assert.deepEqual(agent.config.services[0]?.target, { kind: 'queueLength', queueLength: 10 });
    await tickAt(startMs);
    const state = (await (await call('/api/state')).json()) as AgentState;
    assert.equal(state.services[0]?.targetValue, 10);
    assert.ok((state.services[0]?.desired ?? 99) <= 3, 'the new max holds');
  });

  it('refuses an invalid change with 400 and every problem, and changes nothing', async () => {
    const { agent, send } = setup();
    const before = JSON.stringify(agent.config);
    const response = await send('PATCH', '/api/services/orders', { priority: 0, min: 'two', image: 'x' });
    assert.equal(response.status, 400);
    const { problems } = (await response.json()) as { problems: string[] };
    assert.ok(
      problems.some((p) => /^services\[0\]\.priority: expected an integer >= 1, got 0/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /^services\[0\]\.min: expected an integer >= 0, got "two"/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /^services\[0\]\.image: unknown key/.test(p)),
      problems.join('\n'),
    );
    const crossField = await send('PATCH', '/api/services/orders', { min: 5, max: 2 });
    assert.equal(crossField.status, 400);
    assert.match(((await crossField.json()) as { error: string }).error, /min: expected min <= max \(2\), got 5/);
    assert.equal((await send('PATCH', '/api/services/nope', { priority: 2 })).status, 404);
    assert.equal((await send('PATCH', '/api/services/orders', undefined)).status, 400);
    assert.equal(JSON.stringify(agent.config), before);
  });

  it('takes a pushed metric value for a service whose source accepts it', async () => {
    const { send, source, tickAt, call, startMs } = setup();
    const response = await send('POST', '/api/services/orders/metric', { value: 321 });
    assert.equal(response.status, 200);
    assert.equal(source.value, 321);
    await tickAt(startMs);
    assert.equal(((await (await call('/api/state')).json()) as AgentState).services[0]?.metricValue, 321);
    assert.equal((await send('POST', '/api/services/reports/metric', { value: 1 })).status, 409, 'a remainder service takes no metric');
    assert.equal((await send('POST', '/api/services/nope/metric', { value: 1 })).status, 404);
    const bad = await send('POST', '/api/services/orders/metric', { value: 'lots' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /value: expected a number/);
    assert.equal(source.value, 321);
  });

  it('names the field, the value as sent and the fix for every bad push body, and takes none of them', async () => {
    const { send, call, source } = setup();
    source.value = 5;
    const refused = async (body: string) => {
      const response = await call('/api/services/orders/metric', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body,
      });
      assert.equal(response.status, 400, body);
      return ((await response.json()) as { error: string; problems: string[] }).problems;
    };
    assert.deepEqual(await refused('{"value": "12"}'), [
      'value: expected a number, got "12"; send {"value": 12}, a JSON number without quotes',
    ]);
    assert.match(
      (await refused('{"value": "lots"}'))[0] ?? '',
      /^value: expected a number, got "lots"; send a JSON number, e.g\. \{"value": 12\}$/,
    );
    assert.match((await refused('{"value": -3}'))[0] ?? '', /^value: expected a finite number >= 0, got -3; send 0 or more/);
    assert.match((await refused('{"value": 1e999}'))[0] ?? '', /^value: expected a finite number >= 0, got Infinity/);
    assert.deepEqual(
      (await refused('{"rate": 3}')).map((p) => p.split(':')[0]),
      ['value', 'rate'],
    );
    assert.match((await refused('{"rate": 3}'))[1] ?? '', /^rate: not a field here \(got 3\); send only \{"value": <number>\}/);
    assert.match((await refused('12'))[0] ?? '', /^\(body\): expected a JSON object \{"value": <number>\}, got 12; send \{"value": 12\}$/);
    assert.match(
      (await refused('value=12'))[0] ?? '',
      /^\(body\): expected JSON, got "value=12" \(.+\); send a JSON object such as \{"value": 12\}/,
    );
    assert.match((await refused(''))[0] ?? '', /^\(body\): expected JSON, got an empty body/);
    const error = ((await (await send('POST', '/api/services/orders/metric', { value: '12' })).json()) as { error: string }).error;
    assert.match(error, /^metric for service "orders": value: expected a number, got "12"/);
    assert.equal(source.value, 5, 'nothing refused was taken');
  });
});

describe('POST /api/services/{name}/arrivals', () => {
  it("hands the arrival rate to the service's push source; the state shows it and the controller acts on it", async () => {
    const { call, send, source, tickAt, startMs } = setup(TOKEN, { arrivals: true });
    source.value = 0; // an empty queue: only the arrivals can ask for containers
    const response = await send('POST', '/api/services/orders/arrivals', { value: 50 });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { accepted: 50 });
    await tickAt(startMs);
    const [orders, reports] = ((await (await call('/api/state')).json()) as AgentState).services;
    assert.equal(orders?.arrivalRate, 50);
    assert.ok((orders.desired ?? 0) >= 5, `50 msg/s at 10 msg/s per container needs 5, desired ${orders.desired}`);
    assert.equal(reports?.arrivalRate, null);
    assert.equal(reports.arrivalsSource, null);
    const history = (await (await call('/api/history')).json()) as { ticks: TickRecord[] };
    assert.equal(history.ticks.at(-1)?.services.find((s) => s.name === 'orders')?.arrivalRate, 50);
    const metrics = await (await call('/metrics')).text();
    assert.match(metrics, /microscale_service_arrival_rate\{service="orders",priority="1"\} 50/);
    assert.doesNotMatch(metrics, /microscale_service_arrival_rate\{service="reports"/);
  });

  it('counts failed arrivals reads in /metrics and shows them in the history', async () => {
    const { call, tickAt, startMs } = setup(TOKEN, { arrivals: true });
    await tickAt(startMs); // nothing pushed to /arrivals yet: the read fails, the service goes on from its queue
    const history = (await (await call('/api/history')).json()) as { ticks: TickRecord[] };
    assert.deepEqual(
      history.ticks.at(-1)?.arrivalErrors.map((e) => e.service),
      ['orders'],
    );
    assert.match(await (await call('/metrics')).text(), /microscale_arrivals_errors_total\{service="orders",source="push"\} 1/);
  });

  it('refuses services without arrivals: {source: push}, unknown services and bad values', async () => {
    const { send } = setup(TOKEN, { arrivals: true });
    const conflict = await send('POST', '/api/services/reports/arrivals', { value: 1 });
    assert.equal(conflict.status, 409);
    assert.match(
      ((await conflict.json()) as { error: string }).error,
      /does not take pushed arrivals \(it has no arrivals: block\); give it arrivals: \{source: push\}/,
    );
    assert.equal((await send('POST', '/api/services/nope/arrivals', { value: 1 })).status, 404);
    const negative = await send('POST', '/api/services/orders/arrivals', { value: -3 });
    assert.equal(negative.status, 400);
    assert.match(
      ((await negative.json()) as { error: string }).error,
      /^arrivals for service "orders": value: expected a finite number >= 0, got -3; send 0 or more/,
    );
    assert.equal((await send('POST', '/api/services/orders/arrivals', { rate: 3 })).status, 400);
  });
});

describe('extra routes and the dashboard', () => {
  it('mounts routes given by other parts, with the token guard available to them', async () => {
    const t = testAgent();
    stops.push(() => t.agent.stop());
    const app = createApiApp({
      agent: t.agent,
      token: TOKEN,
      routes: [
        (api, { agent, requireToken }) => {
          api.get('/api/hello', (c) => c.json({ services: agent.config.services.length }));
          api.post('/api/hello', requireToken, (c) => c.json({ ok: true }));
        },
      ],
    });
    assert.deepEqual(await (await app.request('/api/hello')).json(), { services: 2 });
    assert.equal((await app.request('/api/hello', { method: 'POST' })).status, 401);
    assert.equal((await app.request('/api/hello', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
  });

  it('serves the built dashboard at /, and says how to build it when it is missing', async () => {
    const { call, agent } = setup();
    const missing = await call('/');
    assert.equal(missing.status, 503);
    assert.match(await missing.text(), /npm run build/);
    const dir = mkdtempSync(join(tmpdir(), 'microscale-dashboard-'));
    for (const name of ['index.html', 'app.js', 'app.css']) writeFileSync(join(dir, name), `/* ${name} */`);
    const app = createApiApp({ agent, dashboardDir: dir });
    const page = await app.request('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(await page.text(), '/* index.html */');
    assert.match((await app.request('/app.js')).headers.get('content-type') ?? '', /javascript/);
    assert.equal((await app.request('/nope')).status, 404);
  });
});
