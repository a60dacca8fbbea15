// Removal incidents on a real daemon, with one of its answers replaced by a failure (a daemon that times
// out a stop, or cannot delete a layer, cannot be asked for on demand): the message says whether the
// container still counts in the pool, and the incident ends when the container goes, whoever removed it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Docker from 'dockerode';
import { pino } from 'pino';
import { needService } from '../../testing/services.js';
import { ContainerCache, type ContainerEntry } from './cache.js';
import { ownedLabels } from './labels.js';
import { Removals } from './removals.js';
import { dockerCheck, removePool, testPool } from './testing/docker.js';

type Line = Record<string, unknown>;

/** `docker`, except that the named calls on a container fail as a daemon that gives up does (HTTP 500). */
function failing(docker: Docker, calls: readonly ('kill' | 'remove')[]): Docker {
  const wrapped = Object.create(docker) as Docker;
  wrapped.getContainer = (id: string) => {
    const container = docker.getContainer(id);
    for (const call of calls)
      container[call] = (() =>
        Promise.reject(Object.assign(new Error(`(HTTP code 500) server error - ${call} timed out`), { statusCode: 500 }))) as never;
    return container;
  };
  return wrapped;
}

function setUp(pool: string, docker: Docker) {
  const lines: Line[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Line) });
  const cache = new ContainerCache(new Docker(), pool, undefined, 60_000, log, () => false);
  const removals = new Removals(docker, cache, undefined, log, { serves: () => true, holdsPlace: () => true, exited: () => undefined });
  return { lines, cache, removals };
}

async function entryOf(cache: ContainerCache, id: string): Promise<ContainerEntry> {
  await cache.list();
  const entry = cache.entries.get(id);
  assert.ok(entry, 'the cache lists the container');
  return entry;
}

describe('docker removal incidents', () => {
  it('a running container whose stop failed is said to count as running again, not to hold no place', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const docker = new Docker();
    const pool = testPool('removals');
    const { lines, cache, removals } = setUp(pool, failing(docker, ['kill']));
    try {
      const container = await docker.createContainer({ Image: 'busybox:latest', Cmd: ['sleep', '3600'], Labels: ownedLabels(pool, 'svc') });
      await container.start();
      removals.request(await entryOf(cache, container.id), 1000);
      assert.equal(removals.isStopping(container.id), true, 'it holds its place while it is being stopped');
      await removals.drain();
      assert.equal(removals.isStopping(container.id), false, 'no stop in flight: it counts as running again');
      assert.equal((await container.inspect()).State.Running, true, 'it still runs');
      const failed = lines.filter((l) => l.event === 'docker-remove-failed');
      assert.equal(failed.length, 1);
      assert.match(String(failed[0]?.msg), /it was not seen to exit, so it counts as running in the pool again/);
      assert.doesNotMatch(String(failed[0]?.msg), /holds no place/);
    } finally {
      cache.close();
      await removePool(pool);
    }
  });

  it('a removal incident ends with a recovered line when the container is removed by someone else', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const docker = new Docker();
    const pool = testPool('removals');
    const { lines, cache, removals } = setUp(pool, failing(docker, ['remove']));
    try {
      const container = await docker.createContainer({ Image: 'busybox:latest', Cmd: ['sleep', '3600'], Labels: ownedLabels(pool, 'svc') });
      removals.request(await entryOf(cache, container.id), 0);
      await removals.drain();
      const failed = lines.filter((l) => l.event === 'docker-remove-failed');
      assert.equal(failed.length, 1, 'the failed removal is reported');
      assert.match(String(failed[0]?.msg), /it holds no place in the pool; retrying in 1000ms/);
      removals.reap();
      assert.equal(lines.filter((l) => l.event === 'docker-remove-failed-recovered').length, 0, 'still there: the incident stays open');

      await container.remove({ force: true }); // an operator's `docker rm -f`
      await cache.list();
      removals.reap();
      const recovered = lines.filter((l) => l.event === 'docker-remove-failed-recovered');
      assert.equal(recovered.length, 1, 'the incident ends once a list no longer shows the container');
      assert.equal(recovered[0]?.container, container.id.slice(0, 12));
      assert.equal(recovered[0]?.service, 'svc');
      assert.match(String(recovered[0]?.msg), /is gone \(removed outside this engine\)/);
      removals.reap();
      assert.equal(lines.filter((l) => l.event === 'docker-remove-failed-recovered').length, 1, 'told once');
    } finally {
      cache.close();
      await removePool(pool);
    }
  });
});
