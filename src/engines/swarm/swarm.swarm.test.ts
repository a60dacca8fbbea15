// The swarm engine on a real single-node Swarm (the test runs `docker swarm init` when the engine is
// up but not in a swarm, and leaves the swarm active): the shared conformance suite, and scaling an
// existing Swarm service by name. Skips loudly when no Docker Engine is running.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import Docker from 'dockerode';
import { engineConformance } from '../testing/conformance.js';
import { ConfigError } from '../../errors.js';
import { silentLogger } from '../../log/logger.js';
import { eventually, needService } from '../../testing/services.js';
import { LABEL } from '../docker/labels.js';
import { testPool } from '../docker/testing/docker.js';
import { swarmSchema } from './schema.js';
import { SwarmEngine } from './swarm.js';
import { removeServices, sleeper, swarmCheck, swarmService as service } from './testing/swarm.js';

engineConformance('swarm', {
  settleMs: 30_000,
  setup: async () => {
    if (!(await needService(undefined, swarmCheck))) return undefined;
    const pool = testPool('swarm');
    const engine = new SwarmEngine(swarmSchema.parse({ kind: 'swarm', pool }), [service('a', sleeper), service('b', sleeper)], {
      log: silentLogger(),
    });
    return {
      engine,
      services: ['a', 'b'],
      cleanup: async () => {
        await engine.close();
        await removeServices({ label: [`${LABEL.pool}=${pool}`] });
      },
    };
  },
});

describe('swarm engine', () => {
  const existing = `microscale-test-existing-${testPool('x').slice(-6)}`;
  after(async () => {
    await removeServices({ name: [existing] }).catch(() => undefined);
  });

  it('scales an existing Swarm service by name, changing only its replica count', async (t) => {
    if (!(await needService(t, swarmCheck))) return;
    const docker = new Docker();
    await docker.createService({
      Name: existing,
      Labels: { team: 'theirs' },
      TaskTemplate: { ContainerSpec: { Image: 'busybox:latest', Args: ['sleep', '3600'], Init: true } },
      Mode: { Replicated: { Replicas: 0 } },
    });
    const engine = new SwarmEngine(swarmSchema.parse({ kind: 'swarm' }), [service('web', { service: existing })], { log: silentLogger() });
    try {
      await engine.apply([{ name: 'web', replicas: 2 }]);
      assert.ok(await eventually(async () => (await engine.observe()).get('web')?.running === 2, 30_000), 'reached 2 running tasks');
      const spec = (await docker.getService(existing).inspect()) as {
        Spec: { Labels: Record<string, string>; TaskTemplate: { ContainerSpec: { Args: string[] } } };
      };
      assert.deepEqual(spec.Spec.Labels, { team: 'theirs' }, 'labels untouched');
      assert.deepEqual(spec.Spec.TaskTemplate.ContainerSpec.Args, ['sleep', '3600'], 'task template untouched');
      await engine.apply([{ name: 'web', replicas: 0 }]);
      assert.ok(
        await eventually(async () => {
          const s = (await engine.observe()).get('web');
          return s?.running === 0 && s.stopping === 0;
        }, 30_000),
        'scaled back to zero',
      );
    } finally {
      await engine.close();
    }
  });

  it('refuses a service with neither image nor service, naming it', () => {
    assert.throws(
      () => new SwarmEngine(swarmSchema.parse({ kind: 'swarm' }), [service('lost', {})], { log: silentLogger() }),
      (error: unknown) => error instanceof ConfigError && /services "lost": set image .* or service/.test(error.message),
    );
  });
});
