// The container cache on a real daemon, when the events stream misses an exit: a full list must still tell
// the engine that a running container is gone, whether it is only exited or already removed, since a
// prepared start waits on that exit to begin.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Docker from 'dockerode';
import { silentLogger } from '../../log/logger.js';
import { needService } from '../../testing/services.js';
import { ContainerCache } from './cache.js';
import { ownedLabels } from './labels.js';
import { dockerCheck, removePool, testPool } from './testing/docker.js';

async function runningContainer(docker: Docker, pool: string): Promise<Docker.Container> {
  const container = await docker.createContainer({ Image: 'busybox:latest', Cmd: ['sleep', '3600'], Labels: ownedLabels(pool, 'svc') });
  await container.start();
  return container;
}

describe('docker container cache without its events stream', () => {
  it('tells a die for a running container that a later list finds exited, or finds no more', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const docker = new Docker();
    const pool = testPool('cache');
    // list() only: the events stream is never connected, as while it is down.
    const cache = new ContainerCache(docker, pool, undefined, 60_000, silentLogger(), () => false);
    const dies: { id: string; stateBefore: string | undefined }[] = [];
    cache.onEvent((entry, action, stateBefore) => {
      if (entry && action === 'die') dies.push({ id: entry.id, stateBefore });
    });
    try {
      const exited = await runningContainer(docker, pool);
      const removed = await runningContainer(docker, pool);
      await cache.list();
      assert.equal(dies.length, 0, 'nothing has exited yet');
      await exited.kill();
      await removed.remove({ force: true });
      await new Promise((resolve) => setTimeout(resolve, 50)); // two distinct list timestamps
      await cache.list();
      assert.deepEqual(
        dies.map((d) => d.id).sort(),
        [exited.id, removed.id].sort(),
        'one die each: the exited one and the one already removed',
      );
      assert.ok(dies.every((d) => d.stateBefore === 'running'));
      await cache.list();
      assert.equal(dies.length, 2, 'told once, not at every list');
    } finally {
      cache.close();
      await removePool(pool);
    }
  });
});
