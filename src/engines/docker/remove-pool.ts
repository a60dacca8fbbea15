// Force-removes every container of a pool, running or not, with its anonymous volumes: how the demo, the
// bench, the fault scenarios and the tests leave nothing behind. (The engine removes one container at a
// time, after a graceful stop: lifecycle.ts.)
import type Docker from 'dockerode';
import { errorMessage } from '../../errors.js';
import { failureOf } from './connection.js';
import { poolFilter } from './labels.js';

/**
 * Removes every container carrying the pool's labels. A container already gone (404) or already being
 * removed (409) is not a failure; any other is, named in the error thrown once every removal has been tried.
 */
export async function removePoolContainers(docker: Docker, pool: string): Promise<void> {
  return removeContainers(docker, await docker.listContainers({ all: true, filters: { label: poolFilter(pool) } }), `pool ${pool}`);
}

/** Every container of a daemon of its own (a private dockerd), as removePoolContainers does for a pool. */
export async function removeEveryContainer(docker: Docker): Promise<void> {
  return removeContainers(docker, await docker.listContainers({ all: true }), 'the daemon');
}

async function removeContainers(docker: Docker, found: readonly Docker.ContainerInfo[], where: string): Promise<void> {
  const results = await Promise.all(
    found.map(async (c) => {
      try {
        await docker.getContainer(c.Id).remove({ force: true, v: true });
        return undefined;
      } catch (error) {
        const failure = failureOf(error);
        return failure === 'not-found' || failure === 'conflict' ? undefined : `${c.Id.slice(0, 12)}: ${errorMessage(error)}`;
      }
    }),
  );
  const failed = results.filter((r) => r !== undefined);
  if (failed.length > 0)
    throw new Error(`could not remove ${failed.length} of the ${found.length} containers of ${where}: ${failed.join('; ')}`);
}
