import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../testing/services.js';
import { engineRejection } from '../../testing/engine-rejection.js';
import { engineConformance } from '../testing/conformance.js';
import { agentKeepsOtherServicesRight } from '../../agent/testing/engine-resilience.js';
import type { FakeNomad } from '../../bench/fakes/fake-nomad.js';
import { create, services, startFake, TOKEN } from './testing/nomad.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

engineConformance('nomad (documented API fake)', {
  settleMs: 3000,
  setup: async () => {
    const { fake, address } = await startFake();
    fake.addJob({ id: 'web', groups: [{ name: 'web', count: 0 }] });
    fake.addJob({ id: 'worker', groups: [{ name: 'work', count: 0 }] });
    const engine = await create(address, services('web', 'worker'));
    return { engine, services: ['web', 'worker'], cleanup: async () => (await engine.close(), await fake.http.stop()) };
  },
});

describe('nomad engine against the documented API', () => {
  let fake: FakeNomad;
  let address: string;
  before(async () => ({ fake, address } = await startFake({ evalDelayMs: 5, startLatencyMs: 20, stopLatencyMs: 20 })));
  after(() => fake.http.stop());

  it('sends the documented scale request: Count, Target.Group, Message, the token header and the namespace', async () => {
    fake.addJob({ id: 'api', namespace: 'apps', groups: [{ name: 'http', count: 1 }] });
    const engine = await create(address, [{ name: 'api', stopGracePeriodMs: 0, options: { job: 'api', group: 'http' } }], {
      namespace: 'apps',
    });
    await engine.observe();
    await engine.apply([{ name: 'api', replicas: 3 }]);
    const last = fake.http.requests.at(-1)!;
    assert.equal(last.method, 'POST');
    assert.equal(last.url.pathname, '/v1/job/api/scale');
    assert.equal(last.url.searchParams.get('namespace'), 'apps');
    assert.equal(last.headers['x-nomad-token'], TOKEN);
    const body = JSON.parse(last.body) as { Count: number; Target: { Group: string }; Message: string };
    assert.deepEqual({ Count: body.Count, Target: body.Target }, { Count: 3, Target: { Group: 'http' } });
    assert.match(body.Message, /microscale/);
    await fake.settled();
    assert.equal(fake.liveCount('api', 'http', 'apps'), 3);
  });

  it('counts a stopped allocation that is still running as stopping, not live', async () => {
    const slow = await startFake({ evalDelayMs: 5, startLatencyMs: 20, stopLatencyMs: 1000 });
    try {
      slow.fake.addJob({ id: 'stopper', groups: [{ name: 'g', count: 3 }] });
      const engine = await create(slow.address, services('stopper'));
      await new Promise((resolve) => setTimeout(resolve, 40));
      await engine.observe();
      await engine.apply([{ name: 'stopper', replicas: 1 }]);
      await slow.fake.settled(); // the scheduler has marked two allocations stop; they take 1 s to finish
      const state = (await engine.observe()).get('stopper');
      assert.deepEqual(state, { running: 1, starting: 0, stopping: 2 });
    } finally {
      await slow.fake.http.stop();
    }
  });

  it('refuses at start a wrong token (auth), a job that does not exist (not-found), and names them', async () => {
    fake.addJob({ id: 'present', groups: [{ name: 'g', count: 0 }] });
    const auth = await engineRejection(create(address, services('present'), { token: 'wrong-token' }));
    assert.equal(auth.failure, 'auth');
    assert.match(auth.message, /ACL token not found/);
    const missing = await engineRejection(create(address, services('present', 'ghost')));
    assert.equal(missing.failure, 'not-found');
    assert.match(missing.message, /ghost/);
  });

  it('refuses a group the Nomad Autoscaler owns (enabled scaling policy), saying why', async () => {
    fake.addJob({ id: 'autoscaled', groups: [{ name: 'g', count: 1, scaling: { Enabled: true, Min: 1, Max: 10 } }] });
    const error = await engineRejection(create(address, services('autoscaled')));
    assert.equal(error.failure, 'refused');
    assert.match(error.message, /enabled scaling policy.*Nomad Autoscaler/);
  });

  it("keeps counts within a disabled scaling block's min and max (Nomad refuses them otherwise)", async () => {
    fake.addJob({ id: 'bounded', groups: [{ name: 'g', count: 1, scaling: { Enabled: false, Min: 1, Max: 2 } }] });
    const engine = await create(address, services('bounded'));
    await engine.apply([{ name: 'bounded', replicas: 5 }]);
    await fake.settled();
    assert.equal(fake.liveCount('bounded', 'g'), 2);
  });

  it('reads "blocked due to active deployment" as a conflict and backs off before trying again', async () => {
    fake.addJob({ id: 'deploying', groups: [{ name: 'g', count: 1 }], deploymentMs: 400 });
    const engine = await create(address, services('deploying'));
    await engine.apply([{ name: 'deploying', replicas: 2 }]);
    await engine.observe();
    const conflict = await engineRejection(engine.apply([{ name: 'deploying', replicas: 3 }]));
    assert.equal(conflict.failure, 'conflict');
    const sent = fake.scaleRequests.length;
    await engine.observe();
    await engine.apply([{ name: 'deploying', replicas: 3 }]);
    assert.equal(fake.scaleRequests.length, sent, 'no new scale request inside the backoff');
    await new Promise((resolve) => setTimeout(resolve, 600));
    await engine.observe();
    await engine.apply([{ name: 'deploying', replicas: 3 }]);
    assert.equal(fake.scaleRequests.length, sent + 1);
    await fake.settled();
    assert.equal(fake.liveCount('deploying', 'g'), 3);
  });

  it('reads 429 as throttled and waits as long as Retry-After says', async () => {
    fake.addJob({ id: 'busy', groups: [{ name: 'g', count: 0 }] });
    const engine = await create(address, services('busy'));
    fake.http.fail({
      method: 'POST',
      path: /\/v1\/job\/busy\/scale$/,
      fault: {
        status: 429,
        body: 'Your IP is issuing too many concurrent connections, please rate limit your calls',
        headers: { 'Retry-After': '1' },
      },
      times: 1,
    });
    const throttled = await engineRejection(engine.apply([{ name: 'busy', replicas: 1 }]));
    assert.equal(throttled.failure, 'throttled');
    await new Promise((resolve) => setTimeout(resolve, 700));
    await engine.observe();
    await engine.apply([{ name: 'busy', replicas: 1 }]);
    await fake.settled();
    assert.equal(fake.liveCount('busy', 'g'), 0, 'still waiting: Retry-After is 1 s, longer than the first backoff');
    await new Promise((resolve) => setTimeout(resolve, 400));
    await engine.observe();
    await engine.apply([{ name: 'busy', replicas: 1 }]);
    await fake.settled();
    assert.equal(fake.liveCount('busy', 'g'), 1);
  });

  it('times out a hung request: one hung service is held, the others are read; all hung rejects with timeout', async () => {
    fake.addJob({ id: 'hung', groups: [{ name: 'g', count: 1 }] });
    fake.addJob({ id: 'fine', groups: [{ name: 'g', count: 1 }] });
    const engine = await create(address, services('hung', 'fine'), { timeout: '300ms' });
    await new Promise((resolve) => setTimeout(resolve, 40));
    await engine.observe();
    fake.http.fail({ path: /\/v1\/job\/hung\/allocations$/, fault: 'hang' });
    const state = await engine.observe();
    assert.deepEqual(state.get('hung'), { running: 1, starting: 0, stopping: 0 }, 'last known state');
    assert.equal(state.get('fine')?.running, 1);
    fake.http.fail({ path: /\/v1\/job\/fine\/allocations$/, fault: 'hang' });
    await new Promise((resolve) => setTimeout(resolve, 600)); // past hung's first backoff
    const timeout = await engineRejection(engine.observe());
    assert.equal(timeout.failure, 'timeout');
    fake.http.clearFaults();
  });

  it('watches allocations with blocking queries: the agent is woken when one changes, not on a timer', async () => {
    fake.addJob({ id: 'watched', groups: [{ name: 'g', count: 0 }] });
    const engine = await create(address, services('watched'));
    let changes = 0;
    const unwatch = engine.watch!(() => changes++);
    try {
      await pause(100);
      assert.equal(changes, 0, 'no change, no wake-up');
      const blocking = fake.http.requests.filter(
        (r) => r.url.pathname === '/v1/job/watched/allocations' && r.url.searchParams.get('wait') === '30s',
      );
      assert.ok(
        blocking.some((r) => Number(r.url.searchParams.get('index')) > 0),
        'a blocking query with the last X-Nomad-Index is waiting',
      );
      await engine.observe();
      await engine.apply([{ name: 'watched', replicas: 1 }]);
      assert.ok(
        await eventually(() => changes >= 2, 2000),
        `woken as the allocation is placed and again when it runs (woken ${changes} times)`,
      );
    } finally {
      unwatch();
      await engine.close();
    }
  });

  it('a permission refused on scale is an auth EngineError; the other service is still scaled', async () => {
    fake.addJob({ id: 'locked', groups: [{ name: 'g', count: 0 }] });
    fake.addJob({ id: 'open', groups: [{ name: 'g', count: 0 }] });
    const engine = await create(address, services('locked', 'open'));
    fake.http.fail({ method: 'POST', path: /\/v1\/job\/locked\/scale$/, fault: { status: 403, body: 'Permission denied' } });
    const error = await engineRejection(
      engine.apply([
        { name: 'locked', replicas: 2 },
        { name: 'open', replicas: 2 },
      ]),
    );
    assert.equal(error.failure, 'auth');
    assert.equal(error.service, 'locked');
    await fake.settled();
    assert.equal(fake.liveCount('open', 'g'), 2);
    fake.http.clearFaults();
  });
});

describe('nomad engine under the agent', () => {
  for (const kind of ['scale refused (403)', 'reads hang (timeout)'] as const) {
    it(`keeps ticking and keeps the other service right when every call for one service fails: ${kind}`, async () => {
      const { fake, address } = await startFake({ evalDelayMs: 5, startLatencyMs: 20, stopLatencyMs: 20 });
      fake.addJob({ id: 'a', groups: [{ name: 'g', count: 0 }] });
      fake.addJob({ id: 'b', groups: [{ name: 'g', count: 0 }] });
      try {
        await agentKeepsOtherServicesRight({
          engine: { kind: 'nomad', address, token: TOKEN, timeout: kind === 'reads hang (timeout)' ? '500ms' : '2s' },
          serviceKeys: (name) => ({ job: name }),
          live: (name) => fake.liveCount(name, 'g'),
          breakB: () =>
            kind === 'scale refused (403)'
              ? fake.http.fail({ method: 'POST', path: /\/v1\/job\/b\/scale$/, fault: { status: 403, body: 'Permission denied' } })
              : fake.http.fail({ path: /\/v1\/job\/b(\/allocations)?$/, fault: 'hang' }),
        });
      } finally {
        await fake.http.stop();
      }
    });
  }
});
