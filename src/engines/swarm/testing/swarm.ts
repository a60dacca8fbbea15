// Test helpers for the swarm engine: the single-node Swarm check (it runs `docker swarm init` when the
// engine is up but not in a swarm, and leaves the swarm active), services to configure, and removal of
// the Swarm services a test created.
import Docker from 'dockerode';
import type { ServiceCheck } from '../../../testing/services.js';
import type { EngineService } from '../../types.js';
import type { SwarmServiceOptions } from '../schema.js';

export const swarmCheck: ServiceCheck = {
  what: 'Docker Engine in Swarm mode (single node) with busybox:latest',
  howToStart: '../shared/tools/docker-engine up && docker swarm init --advertise-addr 127.0.0.1',
  probe: async () => {
    const docker = new Docker();
    const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } };
    if (info.Swarm?.LocalNodeState === 'inactive') await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' });
    await docker.getImage('busybox:latest').inspect();
    return true;
  },
};

export async function removeServices(filter: { label?: string[]; name?: string[] }): Promise<void> {
  const docker = new Docker();
  const found = await docker.listServices({ filters: filter });
  await Promise.all(
    found.map((s) =>
      docker
        .getService(s.ID ?? '')
        .remove()
        .catch(() => undefined),
    ),
  );
}

export const swarmService = (name: string, options: SwarmServiceOptions): EngineService<SwarmServiceOptions> => ({
  name,
  stopGracePeriodMs: 1000,
  options,
});

export const sleeper: SwarmServiceOptions = { image: 'busybox:latest', command: ['sleep', '3600'] };
