// The swarm engine told of a config reload on a real single-node Swarm: an added service (from an image,
// or an existing Swarm service) is read, scaled and watched; a removed one is no longer read or scaled
// and its Swarm service is left as it is; a reload breaking the image-or-service rule is refused, naming
// the service, and the old list is still served. Skips loudly when no Docker Engine is running.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import Docker from 'dockerode';
import { ConfigError } from '../../errors.js';
import { silentLogger } from '../../log/logger.js';
import { engineRejection } from '../../testing/engine-rejection.js';
import { eventually, needService } from '../../testing/services.js';
import { LABEL } from '../docker/labels.js';
import { testPool } from '../docker/testing/docker.js';
import { swarmSchema } from './schema.js';
import { SwarmEngine, swarmServiceName } from './swarm.js';
import { removeServices, sleeper, swarmCheck, swarmService } from './testing/swarm.js';

const SETTLE_MS = 30_000;

async function replicasOf(name: string): Promise<number | undefined> {
  const spec = (await new Docker().getService(name).inspect()) as { Spec: { Mode: { Replicated?: { Replicas?: number } } } };
  return spec.Spec.Mode.Replicated?.Replicas;
}

describe('swarm engine: a reload adds and removes services', () => {
  const pool = testPool('swarm-reload');
  const existing = `microscale-test-reload-${pool.slice(-6)}`;
  const engineFor = (services: Parameters<typeof swarmService>[]) =>
    new SwarmEngine(
      swarmSchema.parse({ kind: 'swarm', pool }),
      services.map((args) => swarmService(...args)),
      { log: silentLogger() },
    );
  after(async () => {
    await removeServices({ label: [`${LABEL.pool}=${pool}`] }).catch(() => undefined);
    await removeServices({ name: [existing] }).catch(() => undefined);
  });

  it('reads, scales and watches added services; a removed one is no longer read or scaled and is left as it is', async (t) => {
    if (!(await needService(t, swarmCheck))) return;
    // Not labelled with the pool: only its name, added by the reload, can make its events wake the agent.
    await new Docker().createService({
      Name: existing,
      TaskTemplate: { ContainerSpec: { Image: 'busybox:latest', Args: ['sleep', '3600'], Init: true } },
      Mode: { Replicated: { Replicas: 0 } },
    });
    const engine = engineFor([['kept', sleeper]]);
    let wakes = 0;
    const unwatch = engine.watch(() => wakes++);
    try {
      await engine.reconfigure([
        swarmService('kept', sleeper),
        swarmService('made', sleeper),
        swarmService('theirs', { service: existing }),
      ]);
      assert.deepEqual([...(await engine.observe()).keys()].sort(), ['kept', 'made', 'theirs'], 'the added services are observed');
      await engine.apply([{ name: 'made', replicas: 1 }]);
      assert.ok(
        await eventually(async () => (await engine.observe()).get('made')?.running === 1, SETTLE_MS),
        'made: its Swarm service is created and runs 1 task',
      );
      const woken = wakes;
      await engine.apply([{ name: 'theirs', replicas: 1 }]);
      assert.ok(
        await eventually(async () => (await engine.observe()).get('theirs')?.running === 1, SETTLE_MS),
        'theirs: the existing Swarm service runs 1 task',
      );
      assert.ok(
        await eventually(() => wakes > woken, 5000),
        "the existing service's container events wake the agent once the reload names it",
      );

      await engine.reconfigure([swarmService('kept', sleeper)]);
      assert.deepEqual([...(await engine.observe()).keys()], ['kept'], 'removed services are not observed');
      const refused = await engineRejection(engine.apply([{ name: 'made', replicas: 0 }]));
      assert.equal(refused.failure, 'not-found');
      assert.match(refused.message, /service "made" is not configured on this engine/);
      assert.equal(await replicasOf(swarmServiceName(pool, sleeper, 'made')), 1, "the removed service's Swarm service is left as it is");
      assert.equal(await replicasOf(existing), 1);
    } finally {
      unwatch();
      await engine.close();
    }
  });

  it('refuses a reload breaking the image-or-service rule, naming the service, and still serves the old list', async (t) => {
    if (!(await needService(t, swarmCheck))) return;
    const engine = engineFor([['old', sleeper]]);
    try {
      await assert.rejects(
        engine.reconfigure([
          swarmService('old', sleeper),
          swarmService('lost', {}),
          swarmService('both', { ...sleeper, service: existing }),
        ]),
        (error: unknown) =>
          error instanceof ConfigError &&
          /services "lost": set image .* or service/.test(error.message) &&
          /services "both": set image .* not both or neither/.test(error.message),
      );
      assert.deepEqual([...(await engine.observe()).keys()], ['old'], 'still the old list');
      await engine.apply([{ name: 'old', replicas: 1 }]);
      assert.ok(await eventually(async () => (await engine.observe()).get('old')?.running === 1, SETTLE_MS), 'and still scales it');
    } finally {
      await engine.close();
    }
  });
});
