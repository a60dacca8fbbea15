// The docker engine on the real Docker Engine: the shared conformance suite, adoption by a restarted
// engine, health checks, missing images. Skips loudly when no engine is running.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import { after, describe, it } from 'node:test';
import { engineConformance } from '../testing/conformance.js';
import { EngineError } from '../../errors.js';
import { eventually, needService } from '../../testing/services.js';
import { containerSpec } from './lifecycle.js';
import {
  dockerCheck,
  dockerEngineFor as engineFor,
  dockerService as service,
  poolContainers,
  removePool,
  sleeper,
  testPool,
} from './testing/docker.js';

engineConformance('docker', {
  settleMs: 20_000,
  setup: async () => {
    if (!(await needService(undefined, dockerCheck))) return undefined;
    const pool = testPool('conf');
    const engine = engineFor(pool, [service('a'), service('b')]);
    return {
      engine,
      services: ['a', 'b'],
      cleanup: async () => {
        await engine.close();
        await removePool(pool);
      },
    };
  },
});

describe('docker engine on a real daemon', () => {
  const pools: string[] = [];
  after(async () => {
    for (const pool of pools) await removePool(pool);
  });

  it('adopts the containers it finds after a restart: no duplicates, no orphans', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('adopt');
    pools.push(pool);
    const first = engineFor(pool, [service('worker')]);
    await first.apply([{ name: 'worker', replicas: 3 }]);
    // Closed mid-scaling: the start in flight finishes, those not begun are dropped, nothing is stopped.
    await first.close();
    const existing = (await poolContainers(pool)).length;
    assert.ok(existing >= 1 && existing <= 3, `the first engine left ${existing} containers`);
    const second = engineFor(pool, [service('worker')]);
    try {
      const adopted = await second.observe();
      assert.equal(
        (adopted.get('worker')?.running ?? 0) + (adopted.get('worker')?.starting ?? 0),
        existing,
        'the restarted engine sees every container there',
      );
      await second.apply([{ name: 'worker', replicas: 3 }]);
      assert.ok(await eventually(async () => (await second.observe()).get('worker')?.running === 3, 15_000), 'reaches 3 running');
      assert.equal((await poolContainers(pool)).length, 3, 'only the missing ones were started: no duplicates');
      await second.apply([{ name: 'worker', replicas: 3 }]);
      assert.equal((await poolContainers(pool)).length, 3, 'and the same target again starts nothing');
      await second.apply([{ name: 'worker', replicas: 1 }]);
      assert.ok(
        await eventually(async () => (await poolContainers(pool)).length === 1, 15_000),
        'the adopted extras are stopped and removed',
      );
    } finally {
      await second.close();
    }
  });

  it('starts at once a container a killed agent created but never started, or removes it when not wanted', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('orphan');
    pools.push(pool);
    const docker = new Docker();
    // What an agent killed between create and start leaves: created containers carrying the pool's labels.
    const leftBehind = async (): Promise<string> =>
      (await docker.createContainer({ ...containerSpec(pool, 'worker', sleeper), HostConfig: { Init: true } })).id;
    const [wanted, extra] = [await leftBehind(), await leftBehind()];
    const engine = engineFor(pool, [service('worker')]);
    try {
      const first = await engine.observe();
      assert.equal(first.get('worker')?.starting, 2, 'both count as starting: the agent that created them wanted them');
      assert.ok(
        await eventually(async () => (await docker.getContainer(wanted).inspect()).State.Running, 5000),
        'started at once, not after a timeout',
      );
      await engine.apply([{ name: 'worker', replicas: 1 }]);
      assert.ok(await eventually(async () => (await poolContainers(pool)).length === 1, 10_000), 'the one not wanted is removed');
      const third = await leftBehind();
      // Target 1 is known and met: a new orphan is an extra, removed at the first observe that sees it.
      const removed = await eventually(async () => {
        await engine.observe();
        return !(await poolContainers(pool)).some((c) => c.Id === third);
      }, 5000);
      assert.ok(removed, 'an orphan beyond the target is removed at once');
      const left = await poolContainers(pool);
      assert.ok(
        left.length === 1 && [wanted, extra].includes(left[0]?.Id ?? '') && left[0]?.State === 'running',
        'the one kept is one of those left behind, running',
      );
    } finally {
      await engine.close();
    }
  });

  it('observing without acting (dry run, paused, standby) adopts and reaps nothing; acting does', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('noact');
    pools.push(pool);
    const docker = new Docker();
    const orphan = (await docker.createContainer({ ...containerSpec(pool, 'worker', sleeper), HostConfig: { Init: true } })).id;
    const crashed = await docker.createContainer({ ...containerSpec(pool, 'worker', { image: 'busybox:latest', command: ['true'] }) });
    await crashed.start();
    await crashed.wait();
    const states = async () => new Map((await poolContainers(pool)).map((c) => [c.Id, c.State]));
    const before = await states();
    const engine = engineFor(pool, [service('worker')]);
    try {
      for (let i = 0; i < 3; i++) {
        await engine.observe({ act: false });
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      assert.deepEqual(await states(), before, 'nothing started, nothing removed');
      await engine.observe();
      assert.ok(
        await eventually(async () => {
          await engine.observe();
          const now = await states();
          return now.get(orphan) === 'running' && !now.has(crashed.id);
        }, 10_000),
        `acting, the orphan is started and the crashed one removed: ${JSON.stringify([...(await states())])}`,
      );
    } finally {
      await engine.close();
    }
  });

  it('does not count a crashed (exited) container, and removes it', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('gone');
    pools.push(pool);
    const docker = new Docker();
    // A container that exited on its own (a crash) holds no process: it is reaped and never counted.
    const crashed = await docker.createContainer({
      ...containerSpec(pool, 'worker', { image: 'busybox:latest', command: ['true'] }),
      HostConfig: { Init: true },
    });
    await crashed.start();
    await crashed.wait();
    const engine = engineFor(pool, [service('worker')]);
    try {
      const seen = await engine.observe();
      assert.deepEqual(seen.get('worker'), { running: 0, starting: 0, stopping: 0 }, 'an exited container takes no room in the pool');
      assert.ok(await eventually(async () => (await poolContainers(pool)).length === 0, 5000), 'and it is removed');
    } finally {
      await engine.close();
    }
  });

  it("leaves another pool's containers alone", async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const [mine, theirs] = [testPool('mine'), testPool('theirs')];
    pools.push(mine, theirs);
    const other = engineFor(theirs, [service('worker')]);
    await other.apply([{ name: 'worker', replicas: 1 }]);
    await other.close();
    const engine = engineFor(mine, [service('worker')]);
    try {
      assert.equal((await engine.observe()).get('worker')?.starting, 0);
      assert.equal((await engine.observe()).get('worker')?.running, 0, 'containers of pool "theirs" are not counted');
      await engine.apply([{ name: 'worker', replicas: 0 }]);
      assert.equal((await poolContainers(theirs)).length, 1, 'nor stopped');
    } finally {
      await engine.close();
    }
  });

  it('counts a container with a health check as running only once it is healthy', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    execFileSync('docker', ['build', '-q', '-t', 'microscale-test-health:1', '-'], {
      input: 'FROM busybox:latest\nHEALTHCHECK --interval=1s --timeout=1s --start-period=10s CMD test -f /ready\n',
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    const pool = testPool('health');
    pools.push(pool);
    const engine = engineFor(pool, [
      service('web', { image: 'microscale-test-health:1', command: 'sleep 2; touch /ready; exec sleep 3600' }),
    ]);
    try {
      await engine.apply([{ name: 'web', replicas: 1 }]);
      assert.ok(await eventually(async () => (await poolContainers(pool)).some((c) => c.State === 'running'), 10_000), 'container started');
      assert.deepEqual(
        { running: (await engine.observe()).get('web')?.running, starting: (await engine.observe()).get('web')?.starting },
        { running: 0, starting: 1 },
        'running but not yet healthy counts as starting',
      );
      assert.ok(await eventually(async () => (await engine.observe()).get('web')?.running === 1, 15_000), 'healthy counts as running');
    } finally {
      await engine.close();
    }
  });

  it('names a missing image and how to get it', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('noimage');
    pools.push(pool);
    const engine = engineFor(pool, [service('ghost', { image: 'microscale-no-such-image:404' })]);
    try {
      await assert.rejects(engine.apply([{ name: 'ghost', replicas: 1 }]), (error: unknown) => {
        assert.ok(error instanceof EngineError);
        assert.equal(error.failure, 'not-found');
        assert.match(error.message, /image "microscale-no-such-image:404" is not on the Docker Engine/);
        assert.match(error.message, /docker build -t microscale-no-such-image:404/);
        return true;
      });
      assert.equal((await poolContainers(pool)).length, 0);
    } finally {
      await engine.close();
    }
  });
});
