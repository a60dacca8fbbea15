// removePoolContainers on a real daemon: every container of the pool goes, whatever its state, with its
// anonymous volumes; another pool's containers stay; two cleanups racing on one pool both succeed (the
// loser's 404 or 409 is not a failure), and any other failure is named.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Docker from 'dockerode';
import { needService } from '../../testing/services.js';
import { ownedLabels } from './labels.js';
import { removePoolContainers } from './remove-pool.js';
import { dockerCheck, poolContainers, testPool } from './testing/docker.js';

function create(docker: Docker, pool: string): Promise<Docker.Container> {
  return docker.createContainer({
    Image: 'busybox:latest',
    Cmd: ['sleep', '3600'],
    Labels: ownedLabels(pool, 'svc'),
    Volumes: { '/data': {} },
  });
}

async function volumesOf(container: Docker.Container): Promise<string[]> {
  const { Mounts } = await container.inspect();
  return Mounts.map((m) => m.Name ?? '').filter((name) => name !== '');
}

async function volumeExists(docker: Docker, name: string): Promise<boolean> {
  return docker
    .getVolume(name)
    .inspect()
    .then(() => true)
    .catch(() => false);
}

describe('removePoolContainers', () => {
  it('removes every container of the pool (created, running, exited) with its anonymous volume, and no other', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const docker = new Docker();
    const pool = testPool('rmpool');
    const other = testPool('rmpool-other');
    try {
      const created = await create(docker, pool);
      const running = await create(docker, pool);
      await running.start();
      const exited = await create(docker, pool);
      await exited.start();
      await exited.kill();
      const kept = await create(docker, other);
      const volumes = (await Promise.all([created, running, exited].map(volumesOf))).flat();
      assert.equal(volumes.length, 3, 'one anonymous volume each');

      await removePoolContainers(docker, pool);
      assert.deepEqual(await poolContainers(pool, docker), []);
      for (const volume of volumes) assert.equal(await volumeExists(docker, volume), false, `volume ${volume} removed`);
      assert.deepEqual(
        (await poolContainers(other, docker)).map((c) => c.Id),
        [kept.id],
        "another pool's container stays",
      );
    } finally {
      await removePoolContainers(docker, pool);
      await removePoolContainers(docker, other);
    }
  });

  it('two cleanups of one pool at once both succeed; any other failure is named', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const docker = new Docker();
    const pool = testPool('rmpool');
    try {
      for (let i = 0; i < 3; i++) await (await create(docker, pool)).start();
      await Promise.all([removePoolContainers(docker, pool), removePoolContainers(docker, pool)]);
      assert.deepEqual(await poolContainers(pool, docker), []);

      const refused = await create(docker, pool);
      const failing = Object.create(docker) as Docker;
      failing.getContainer = (id: string) =>
        Object.assign(docker.getContainer(id), {
          remove: () => Promise.reject(Object.assign(new Error('(HTTP code 500) server error - driver failed'), { statusCode: 500 })),
        });
      await assert.rejects(
        removePoolContainers(failing, pool),
        new RegExp(`could not remove 1 of the 1 containers of pool ${pool}: ${refused.id.slice(0, 12)}: .*driver failed`),
      );
    } finally {
      await removePoolContainers(docker, pool);
    }
  });
});
