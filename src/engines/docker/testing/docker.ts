// Test helpers for the docker and swarm engines: the real-engine check, a throwaway pool name, an engine
// on that pool, and removal of every container a test pool left behind.
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { silentLogger } from '../../../log/logger.js';
import type { ServiceCheck } from '../../../testing/services.js';
import type { EngineService } from '../../types.js';
import { DockerEngine } from '../docker.js';
import { poolFilter } from '../labels.js';
import { removePoolContainers } from '../remove-pool.js';
import { dockerSchema, type DockerServiceOptions } from '../schema.js';

export const dockerCheck: ServiceCheck = {
  what: 'Docker Engine on /var/run/docker.sock (or DOCKER_HOST) with busybox:latest',
  howToStart: '../shared/tools/docker-engine up',
  probe: async () => {
    const docker = new Docker();
    await docker.ping();
    await docker.getImage('busybox:latest').inspect();
    return true;
  },
};

export function testPool(prefix: string): string {
  return `test-${prefix}-${randomBytes(3).toString('hex')}`;
}

export const sleeper: DockerServiceOptions = { image: 'busybox:latest', command: ['sleep', '3600'] };

export const dockerService = (
  name: string,
  options: DockerServiceOptions = sleeper,
  stopGracePeriodMs = 2000,
): EngineService<DockerServiceOptions> => ({ name, stopGracePeriodMs, options });

/** A docker engine on `pool` with a 2 s resync. */
export function dockerEngineFor(pool: string, services: EngineService<DockerServiceOptions>[]): DockerEngine {
  return new DockerEngine(dockerSchema.parse({ kind: 'docker', pool, resync: '2s' }), services, { log: silentLogger() });
}

/** Removes (force) every container of the pool, stopped or not: removePoolContainers on the local daemon. */
export function removePool(pool: string, docker = new Docker()): Promise<void> {
  return removePoolContainers(docker, pool);
}

export async function poolContainers(pool: string, docker = new Docker()): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: poolFilter(pool) } });
}
