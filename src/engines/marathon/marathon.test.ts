import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../log/logger.js';
import { agentKeepsOtherServicesRight } from '../../agent/testing/engine-resilience.js';
import { engineRejection } from '../../testing/engine-rejection.js';
import { engineConformance } from '../testing/conformance.js';
import type { Engine, EngineService } from '../types.js';
import { FakeMarathon, type FakeMarathonOptions } from '../../bench/fakes/fake-marathon.js';
import { createMarathonEngine, marathonSchema, type MarathonServiceOptions } from './marathon.js';

const BASIC = { username: 'microscale', password: 's3cret' };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startFake(options: FakeMarathonOptions = { basic: BASIC }): Promise<{ fake: FakeMarathon; url: string }> {
  const fake = new FakeMarathon({ actMs: 5, startLatencyMs: 20, stopLatencyMs: 20, healthyLatencyMs: 30, ...options });
  return { fake, url: (await fake.http.start()).origin };
}

function services(...apps: string[]): EngineService<MarathonServiceOptions>[] {
  return apps.map((app) => ({ name: app.replace(/^\//, '').replaceAll('/', '-'), stopGracePeriodMs: 1000, options: { app } }));
}

async function create(
  url: string,
  list: EngineService<MarathonServiceOptions>[],
  overrides: Record<string, unknown> = {},
): Promise<Engine> {
  const config = marathonSchema.parse({ kind: 'marathon', url, ...BASIC, timeout: '2s', ...overrides });
  return createMarathonEngine(config, list, { log: silentLogger(), nowMs: Date.now });
}

engineConformance('marathon (documented API fake)', {
  settleMs: 3000,
  setup: async () => {
    const { fake, url } = await startFake();
    fake.addApp('/shop/web');
    fake.addApp('/shop/worker', { healthChecks: true });
    const engine = await create(url, services('/shop/web', '/shop/worker'));
    return { engine, services: ['shop-web', 'shop-worker'], cleanup: async () => (await engine.close(), await fake.http.stop()) };
  },
});

describe('marathon engine against the documented API', () => {
  let fake: FakeMarathon;
  let url: string;
  before(async () => ({ fake, url } = await startFake()));
  after(() => fake.http.stop());

  it('sends PUT /v2/apps/{appId} with {"instances": n} and basic auth; a DC/OS token goes as "token=..."', async () => {
    fake.addApp('/prod/orders', { instances: 1 });
    const engine = await create(url, services('/prod/orders'));
    await engine.apply([{ name: 'prod-orders', replicas: 3 }]);
    const put = fake.http.requests.filter((r) => r.method === 'PUT').at(-1)!;
    assert.equal(put.url.pathname, '/v2/apps/prod/orders');
    assert.deepEqual(JSON.parse(put.body), { instances: 3 });
    assert.equal(put.headers.authorization, `Basic ${Buffer.from('microscale:s3cret').toString('base64')}`);

    const dcos = await startFake({ token: 'eyJhbGciOi.dcos' });
    try {
      dcos.fake.addApp('/orders');
      const withToken = await create(dcos.url, services('/orders'), { username: undefined, password: undefined, token: 'eyJhbGciOi.dcos' });
      await withToken.apply([{ name: 'orders', replicas: 1 }]);
      assert.equal(dcos.fake.http.requests.at(-1)!.headers.authorization, 'token=eyJhbGciOi.dcos');
    } finally {
      await dcos.fake.http.stop();
    }
  });

  it('with health checks, counts a running task as starting until it is healthy', async () => {
    const slow = await startFake({ basic: BASIC, healthyLatencyMs: 400 });
    try {
      slow.fake.addApp('/checked', { instances: 2, healthChecks: true });
      const engine = await create(slow.url, services('/checked'));
      await pause(100); // running after 25 ms, healthy only after 425 ms
      assert.deepEqual((await engine.observe()).get('checked'), { running: 0, starting: 2, stopping: 0 });
      await pause(400);
      assert.deepEqual((await engine.observe()).get('checked'), { running: 2, starting: 0, stopping: 0 });
    } finally {
      await slow.fake.http.stop();
    }
  });

  it('counts tasks being killed (TASK_KILLING) as stopping', async () => {
    const slow = await startFake({ basic: BASIC, stopLatencyMs: 1000 });
    try {
      slow.fake.addApp('/shrink', { instances: 3 });
      const engine = await create(slow.url, services('/shrink'));
      await pause(40);
      await engine.observe();
      await engine.apply([{ name: 'shrink', replicas: 1 }]);
      await pause(50); // the deployment has started killing; the kills take 1 s
      assert.deepEqual((await engine.observe()).get('shrink'), { running: 1, starting: 0, stopping: 2 });
      assert.equal(slow.fake.http.requests.at(-1)?.url.searchParams.getAll('embed').includes('app.tasks'), true);
    } finally {
      await slow.fake.http.stop();
    }
  });

  it('retries "App is locked by one or more deployments" (409) with backoff, not every tick', async () => {
    fake.addApp('/locked', { instances: 1, deploymentMs: 400 });
    const engine = await create(url, services('/locked'));
    const conflict = await engineRejection(engine.apply([{ name: 'locked', replicas: 2 }]));
    assert.equal(conflict.failure, 'conflict');
    assert.match(conflict.message, /locked by one or more deployments/);
    const sent = fake.puts.length;
    await engine.observe();
    await engine.apply([{ name: 'locked', replicas: 2 }]);
    assert.equal(fake.puts.length, sent, 'no PUT inside the backoff');
    await pause(600);
    await engine.observe();
    await engine.apply([{ name: 'locked', replicas: 2 }]);
    assert.equal(fake.puts.length, sent + 1);
    assert.equal(fake.puts.at(-1)?.force, false);
    await pause(20);
    assert.equal(fake.liveCount('/locked'), 2);
  });

  it('with force: true, overrides a deployment in progress with ?force=true', async () => {
    fake.addApp('/forced', { instances: 1, deploymentMs: 5000 });
    const engine = await create(url, services('/forced'), { force: true });
    await engine.apply([{ name: 'forced', replicas: 2 }]);
    assert.deepEqual(
      fake.puts.slice(-2).map((p) => p.force),
      [false, true],
    );
    await pause(20);
    assert.equal(fake.liveCount('/forced'), 2);
  });

  it('refuses at start wrong credentials (auth) and an app that does not exist (not-found)', async () => {
    fake.addApp('/here');
    const auth = await engineRejection(create(url, services('/here'), { password: 'wrong' }));
    assert.equal(auth.failure, 'auth');
    assert.match(auth.message, /Invalid username or password/);
    const missing = await engineRejection(create(url, services('/here', '/nowhere')));
    assert.equal(missing.failure, 'not-found');
    assert.match(missing.message, /App '\/nowhere' does not exist/);
  });

  it('reads 403 as auth, 429 from a proxy as throttled, and times out a hung request', async () => {
    fake.addApp('/edge', { instances: 1 });
    fake.addApp('/other', { instances: 1 });
    const engine = await create(url, services('/edge', '/other'), { timeout: '300ms' });
    fake.http.fail({
      method: 'PUT',
      path: /^\/v2\/apps\/edge$/,
      fault: { status: 403, body: { message: 'Not Authorized to perform this action!' } },
      times: 1,
    });
    assert.equal((await engineRejection(engine.apply([{ name: 'edge', replicas: 2 }]))).failure, 'auth');
    fake.http.fail({
      method: 'PUT',
      path: /^\/v2\/apps\/other$/,
      fault: { status: 429, body: '<html>429 Too Many Requests</html>', headers: { 'Retry-After': '2' } },
      times: 1,
    });
    assert.equal((await engineRejection(engine.apply([{ name: 'other', replicas: 2 }]))).failure, 'throttled');
    fake.http.fail({ method: 'GET', fault: 'hang' });
    await pause(600); // both services are past their first backoff
    const started = Date.now();
    assert.equal((await engineRejection(engine.observe())).failure, 'timeout');
    assert.ok(Date.now() - started < 2000, 'the hung request is cut at the timeout');
    fake.http.clearFaults();
  });
});

describe('marathon engine under the agent', () => {
  it('keeps ticking and keeps the other app right while every PUT for one app is refused with 409', async () => {
    const { fake, url } = await startFake();
    fake.addApp('/a');
    fake.addApp('/b');
    try {
      await agentKeepsOtherServicesRight({
        engine: { kind: 'marathon', url, ...BASIC, timeout: '2s' },
        serviceKeys: (name) => ({ app: `/${name}` }),
        live: (name) => fake.liveCount(`/${name}`),
        breakB: () =>
          fake.http.fail({
            method: 'PUT',
            path: /^\/v2\/apps\/b$/,
            fault: {
              status: 409,
              body: {
                message:
                  "App is locked by one or more deployments. Override with the option '?force=true'. " +
                  "View details at '/v2/deployments/<DEPLOYMENT_ID>'.",
                deployments: [{ id: 'stuck' }],
              },
            },
          }),
      });
    } finally {
      await fake.http.stop();
    }
  });
});
