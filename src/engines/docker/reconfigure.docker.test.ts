// The docker engine told of a config reload on the real Docker Engine: an added service is read and
// scaled with its own keys, a changed one's new containers take the new keys, a removed one is no longer
// read or scaled and its containers are left running. Skips loudly when no engine is running.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { engineRejection } from '../../testing/engine-rejection.js';
import { eventually, needService } from '../../testing/services.js';
import { LABEL } from './labels.js';
import { dockerCheck, dockerEngineFor, dockerService, poolContainers, removePool, sleeper, testPool } from './testing/docker.js';

const containersOf = async (pool: string, service: string) =>
  (await poolContainers(pool)).filter((c) => c.Labels[LABEL.service] === service);

describe('docker engine: a reload adds, changes and removes services', () => {
  const pools: string[] = [];
  after(async () => {
    for (const pool of pools) await removePool(pool);
  });

  it("reads and scales an added service, with its own keys; a changed service's new containers take the new keys", async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('reload-add');
    pools.push(pool);
    const engine = dockerEngineFor(pool, [dockerService('kept')]);
    try {
      assert.deepEqual([...(await engine.observe()).keys()], ['kept']);
      await engine.reconfigure([
        dockerService('kept', { ...sleeper, labels: { version: '2' } }),
        dockerService('added', { ...sleeper, labels: { team: 'new' } }),
      ]);
      assert.deepEqual([...(await engine.observe()).keys()].sort(), ['added', 'kept'], 'the added service is observed');
      await engine.apply([
        { name: 'added', replicas: 2 },
        { name: 'kept', replicas: 1 },
      ]);
      assert.ok(
        await eventually(async () => {
          const state = await engine.observe();
          return state.get('added')?.running === 2 && state.get('kept')?.running === 1;
        }, 20_000),
        'added reaches 2 running, kept 1',
      );
      const added = await containersOf(pool, 'added');
      assert.equal(added.length, 2);
      assert.ok(
        added.every((c) => c.Labels.team === 'new' && c.Labels[LABEL.pool] === pool),
        "created with the added service's labels, in the pool",
      );
      const [kept] = await containersOf(pool, 'kept');
      assert.equal(kept?.Labels.version, '2', 'a container started after the reload has the changed keys');
    } finally {
      await engine.close();
    }
  });

  it('no longer reads or scales a removed service, and leaves its containers running', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('reload-remove');
    pools.push(pool);
    const engine = dockerEngineFor(pool, [dockerService('kept'), dockerService('gone')]);
    try {
      await engine.apply([{ name: 'gone', replicas: 1 }]);
      assert.ok(await eventually(async () => (await engine.observe()).get('gone')?.running === 1, 20_000), 'gone runs one container');
      await engine.reconfigure([dockerService('kept')]);
      assert.deepEqual([...(await engine.observe()).keys()], ['kept'], 'the removed service is not observed');
      const refused = await engineRejection(engine.apply([{ name: 'gone', replicas: 0 }]));
      assert.equal(refused.failure, 'not-found');
      assert.match(refused.message, /service "gone" is not configured on this engine/);
      await engine.apply([{ name: 'kept', replicas: 1 }]);
      assert.ok(await eventually(async () => (await engine.observe()).get('kept')?.running === 1, 20_000), 'kept still scales');
      const gone = await containersOf(pool, 'gone');
      assert.deepEqual(
        gone.map((c) => c.State),
        ['running'],
        "the removed service's container is left as it was",
      );
    } finally {
      await engine.close();
    }
  });

  it('is never refused, as at start: an added service with a missing image is reported by the apply that needs it, naming it', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('reload-noimage');
    pools.push(pool);
    const engine = dockerEngineFor(pool, [dockerService('kept')]);
    try {
      await engine.reconfigure([dockerService('kept'), dockerService('ghost', { image: 'microscale-no-such-image:404' })]);
      assert.deepEqual((await engine.observe()).get('ghost'), { running: 0, starting: 0, stopping: 0 });
      const missing = await engineRejection(
        engine.apply([
          { name: 'ghost', replicas: 1 },
          { name: 'kept', replicas: 1 },
        ]),
      );
      assert.equal(missing.service, 'ghost');
      assert.match(missing.message, /image "microscale-no-such-image:404" is not on the Docker Engine/);
      assert.ok(
        await eventually(async () => (await engine.observe()).get('kept')?.running === 1, 20_000),
        'the other service is still scaled',
      );
      assert.equal((await containersOf(pool, 'ghost')).length, 0);
    } finally {
      await engine.close();
    }
  });
});
