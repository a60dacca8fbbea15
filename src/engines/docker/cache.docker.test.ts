// The container cache on a real daemon, when the events stream misses an exit: a full list must still tell
// the engine that a running container is gone, whether it is only exited or already removed, since a
// prepared start waits on that exit to begin. And when Docker's list lags a die the stream told (the
// daemon cleans up before it updates what it lists), the list must not bring the container back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Docker from 'dockerode';
import { silentLogger } from '../../log/logger.js';
import { eventually, needService } from '../../testing/services.js';
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

  it("a list older than a die the events stream told (Docker's lags it) neither brings the container back nor tells its die twice; a start on the stream does", async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const docker = new Docker();
    const pool = testPool('cache-lag');
    // Docker's list as the daemon answers it up to a few hundred ms after a die: the state before it.
    let stale: Docker.ContainerInfo[] | undefined;
    const lagging = Object.create(docker) as Docker;
    lagging.listContainers = ((options: Docker.ContainerListOptions) =>
      stale ? Promise.resolve(stale) : docker.listContainers(options)) as never;
    const cache = new ContainerCache(lagging, pool, undefined, 60_000, silentLogger(), () => false);
    const dies: string[] = [];
    cache.onEvent((entry, action) => {
      if (entry && action === 'die') dies.push(entry.id);
    });
    try {
      const container = await runningContainer(docker, pool);
      await cache.refresh(); // the events stream, and a list
      assert.equal(cache.entries.get(container.id)?.state, 'running');
      stale = await docker.listContainers({ all: true, filters: { label: [`io.microscale.pool=${pool}`] } });
      await container.kill();
      assert.ok(await eventually(async () => cache.entries.get(container.id)?.state === 'exited', 10_000), 'the stream told the die');
      await new Promise((resolve) => setTimeout(resolve, 20)); // the list begins after the die
      await cache.list(); // still says running
      assert.equal(cache.entries.get(container.id)?.state, 'exited', 'a list older than the die does not bring it back');
      stale = undefined;
      await cache.list(); // now says exited
      assert.deepEqual(dies, [container.id], 'its die is told once (a prepared start waits on each die)');
      await container.start(); // a real start: the stream tells it
      assert.ok(await eventually(async () => cache.entries.get(container.id)?.state === 'running', 10_000), 'a start brings it back');
    } finally {
      cache.close();
      await removePool(pool);
    }
  });
});
