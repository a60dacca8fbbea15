// The nomad engine (and through it the remote-engine layer marathon and ecs share) told of a config
// reload, against the documented-API fake: an added job is read, scaled and watched; a removed one is
// no longer read, scaled or watched; a changed job is the one scaled; a staying service keeps its
// backoff; a reload with a job that cannot be served is refused, naming it, and the old list is served.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engineRejection } from '../../testing/engine-rejection.js';
import { eventually } from '../../testing/services.js';
import type { FakeNomad } from '../../bench/fakes/fake-nomad.js';
import { create, services, startFake, TOKEN } from './testing/nomad.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('nomad engine: a reload adds, removes and changes services', () => {
  let fake: FakeNomad;
  let address: string;
  before(async () => ({ fake, address } = await startFake({ evalDelayMs: 5, startLatencyMs: 20, stopLatencyMs: 20 })));
  after(() => fake.http.stop());

  /** Scales a job behind the engine's back, as another operator would. */
  const scaleDirectly = (job: string, count: number) =>
    fetch(`${address}/v1/job/${job}/scale`, {
      method: 'POST',
      headers: { 'X-Nomad-Token': TOKEN },
      body: JSON.stringify({ Count: count, Target: { Group: 'g' } }),
    });
  const allocationQueries = (job: string) =>
    fake.http.requests.filter((r) => r.url.pathname === `/v1/job/${job}/allocations` && r.url.searchParams.has('wait')).length;

  it('reads, scales and watches an added job; a removed one is no longer read, scaled or watched', async () => {
    fake.addJob({ id: 'first', groups: [{ name: 'g', count: 0 }] });
    fake.addJob({ id: 'second', groups: [{ name: 'g', count: 0 }] });
    const engine = await create(address, services('first'));
    let changes = 0;
    const unwatch = engine.watch!(() => changes++);
    try {
      await engine.reconfigure!(services('first', 'second'));
      assert.deepEqual([...(await engine.observe()).keys()].sort(), ['first', 'second'], 'the added job is observed');
      await pause(100); // the added job's watch has its first index
      assert.ok(allocationQueries('second') >= 2, 'the added job is watched with blocking queries');
      await engine.apply([{ name: 'second', replicas: 2 }]);
      await fake.settled();
      assert.equal(fake.liveCount('second', 'g'), 2, 'and scaled');
      assert.ok(await eventually(() => changes >= 1, 2000), 'its allocations changing wake the agent');

      await engine.reconfigure!(services('second'));
      assert.deepEqual([...(await engine.observe()).keys()], ['second'], 'the removed job is not observed');
      const sent = fake.scaleRequests.length;
      await engine.apply([{ name: 'first', replicas: 3 }]);
      assert.equal(fake.scaleRequests.length, sent, 'nor scaled');
      await pause(100);
      const [woken, queried] = [changes, allocationQueries('first')];
      await scaleDirectly('first', 1);
      await fake.settled();
      await pause(200);
      assert.equal(fake.liveCount('first', 'g'), 1);
      assert.equal(changes, woken, 'nor watched: its allocations changing wakes nobody');
      assert.equal(allocationQueries('first'), queried, 'and no blocking query on it follows');
    } finally {
      unwatch();
      await engine.close();
    }
  });

  it('scales the new job of a service whose job changed', async () => {
    fake.addJob({ id: 'blue', groups: [{ name: 'g', count: 0 }] });
    fake.addJob({ id: 'green', groups: [{ name: 'g', count: 0 }] });
    const engine = await create(address, [{ name: 'web', stopGracePeriodMs: 1000, options: { job: 'blue' } }]);
    await engine.reconfigure!([{ name: 'web', stopGracePeriodMs: 1000, options: { job: 'green' } }]);
    await engine.observe();
    await engine.apply([{ name: 'web', replicas: 2 }]);
    await fake.settled();
    assert.deepEqual([fake.liveCount('blue', 'g'), fake.liveCount('green', 'g')], [0, 2]);
    await engine.close();
  });

  it("keeps a staying service's backoff across a reload", async () => {
    fake.addJob({ id: 'busy', groups: [{ name: 'g', count: 0 }] });
    fake.addJob({ id: 'extra', groups: [{ name: 'g', count: 0 }] });
    const engine = await create(address, services('busy'));
    fake.http.fail({
      method: 'POST',
      path: /\/v1\/job\/busy\/scale$/,
      fault: { status: 429, body: 'rate limit your calls', headers: { 'Retry-After': '5' } },
      times: 1,
    });
    assert.equal((await engineRejection(engine.apply([{ name: 'busy', replicas: 1 }]))).failure, 'throttled');
    await engine.reconfigure!(services('busy', 'extra'));
    const sent = fake.scaleRequests.length;
    await engine.observe();
    await engine.apply([
      { name: 'busy', replicas: 1 },
      { name: 'extra', replicas: 1 },
    ]);
    assert.deepEqual(
      fake.scaleRequests.slice(sent).map((r) => r.job),
      ['extra'],
      'busy still waits out its Retry-After; extra is scaled',
    );
    await engine.close();
  });

  it('refuses a reload with a job that cannot be served, naming each, and still serves the old list', async () => {
    fake.addJob({ id: 'steady', groups: [{ name: 'g', count: 0 }] });
    fake.addJob({ id: 'owned', groups: [{ name: 'g', count: 1, scaling: { Enabled: true, Min: 1, Max: 5 } }] });
    const engine = await create(address, services('steady'));
    const refused = await engineRejection(
      engine.reconfigure!([{ name: 'steady', stopGracePeriodMs: 1000, options: { job: 'nowhere' } }, ...services('owned')]),
    );
    assert.match(refused.message, /cannot serve the new services/);
    assert.match(refused.message, /service "steady"\): not-found: .*job not found/);
    assert.match(refused.message, /service "owned"\): refused: .*enabled scaling policy/);
    assert.deepEqual([...(await engine.observe()).keys()], ['steady'], 'still the old list');
    await engine.apply([{ name: 'steady', replicas: 2 }]);
    await fake.settled();
    assert.equal(fake.liveCount('steady', 'g'), 2, 'steady still scales its old job');
    await engine.close();
  });
});
