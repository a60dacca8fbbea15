// Adoption on a real daemon, with its events stream made late (as a busy daemon's is: a start's answer
// can come before its `start` event): a prepared container an earlier agent left, adopted and then
// started by a plan, is an ordinary running container from its start's answer on, never a leftover again.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import Docker from 'dockerode';
import { silentLogger } from '../../log/logger.js';
import { eventually, needService } from '../../testing/services.js';
import { DockerEngine } from './docker.js';
import { LABEL, ownedLabels } from './labels.js';
import { dockerSchema } from './schema.js';
import { dockerCheck, dockerService, removePool, testPool } from './testing/docker.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `docker`, except that its events stream tells each event `lateMs` after the daemon sent it. */
function lateEvents(docker: Docker, lateMs: number): Docker {
  const wrapped = Object.create(docker) as Docker;
  wrapped.getEvents = (async (options: Docker.GetEventsOptions) => {
    const real = await docker.getEvents(options);
    const late = new PassThrough();
    real.on('data', (chunk: Buffer) => setTimeout(() => late.write(chunk), lateMs).unref());
    late.on('close', () => (real as NodeJS.ReadableStream & { destroy: () => void }).destroy());
    return late;
  }) as never;
  return wrapped;
}

describe('docker adoption on a real daemon', () => {
  it('a prepared container an earlier agent left, adopted and started by the plan, stays running though its start event comes late', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('adopt-late');
    const docker = new Docker();
    try {
      const leftover = await docker.createContainer({
        Image: 'busybox:latest',
        Cmd: ['sleep', '3600'],
        Labels: { ...ownedLabels(pool, 'worker'), [LABEL.prepared]: 'true' },
      });
      // A full list only at connect (and 1 s after it), then every 60 s: between lists only the events tell.
      const config = dockerSchema.parse({ kind: 'docker', pool, resync: '60s' });
      const engine = new DockerEngine(config, [dockerService('worker')], { log: silentLogger() }, lateEvents(docker, 3000));
      try {
        assert.ok(
          await eventually(async () => (await engine.observe()).get('worker')?.prepared === 1, 5_000),
          'inspected, then adopted: a prepared container that holds no place',
        );
        await sleep(1100);
        await engine.observe(); // the list 1 s after the events stream connected
        await engine.apply([{ name: 'worker', replicas: 1 }]); // starts the adopted one (no create)
        assert.ok(await eventually(async () => (await leftover.inspect()).State.Running, 5_000), 'the plan started the adopted container');
        await sleep(200); // its start's answer has reached the engine; its event has not (3 s late)
        for (let i = 0; i < 3; i++) {
          await engine.observe();
          await engine.apply([{ name: 'worker', replicas: 1 }]);
          await sleep(300);
        }
        const state = await leftover.inspect().catch(() => undefined);
        assert.equal(state?.State.Running, true, `the started container still runs (${state ? state.State.Status : 'removed'})`);
        const found = await docker.listContainers({ all: true, filters: { label: [`${LABEL.pool}=${pool}`] } });
        assert.deepEqual(
          found.map((c) => [c.Id, c.State]),
          [[leftover.id, 'running']],
          'nothing else was created or left',
        );
      } finally {
        await engine.close();
      }
    } finally {
      await removePool(pool);
    }
  });

  it('wakes its watcher once a leftover prepared container is checked, so the agent plans with it at once, not a tick later', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('adopt-wake');
    const docker = new Docker();
    try {
      await docker.createContainer({
        Image: 'busybox:latest',
        Cmd: ['sleep', '3600'],
        Labels: { ...ownedLabels(pool, 'worker'), [LABEL.prepared]: 'true' },
      });
      const engine = new DockerEngine(dockerSchema.parse({ kind: 'docker', pool }), [dockerService('worker')], { log: silentLogger() });
      let woken = 0;
      const stop = engine.watch(() => woken++);
      try {
        assert.equal((await engine.observe()).get('worker')?.starting, 1, 'until its inspect answers it holds a place');
        assert.ok(await eventually(async () => woken > 0, 5_000), 'woken when the inspect answered (nothing else happens in the pool)');
        assert.equal((await engine.observe()).get('worker')?.prepared, 1, 'the observe it woke hands it over');
      } finally {
        stop();
        await engine.close();
      }
    } finally {
      await removePool(pool);
    }
  });

  it('a plan made while a leftover is still being checked counts it as holding its place: nothing is created beside it', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('adopt-plan');
    const docker = new Docker();
    // The daemon answers the leftover's inspect late (as beside removals under load: ~1 s seen).
    const slowInspect = Object.create(docker) as Docker;
    slowInspect.getContainer = (id: string) => {
      const container = docker.getContainer(id);
      const inspect = container.inspect.bind(container);
      container.inspect = (async () => {
        await sleep(1500);
        return inspect();
      }) as never;
      return container;
    };
    try {
      const leftover = await docker.createContainer({
        Image: 'busybox:latest',
        Cmd: ['sleep', '3600'],
        Labels: { ...ownedLabels(pool, 'worker'), [LABEL.prepared]: 'true' },
      });
      const engine = new DockerEngine(
        dockerSchema.parse({ kind: 'docker', pool }),
        [dockerService('worker')],
        { log: silentLogger() },
        slowInspect,
      );
      try {
        assert.equal((await engine.observe()).get('worker')?.starting, 1, 'being checked: it holds a place');
        await engine.apply([{ name: 'worker', replicas: 1 }]); // the plan already has its one
        await sleep(1000);
        const found = await docker.listContainers({ all: true, filters: { label: [`${LABEL.pool}=${pool}`] } });
        assert.deepEqual(
          found.map((c) => c.Id),
          [leftover.id],
          'no container created beside the leftover being checked',
        );
      } finally {
        await engine.close();
      }
    } finally {
      await removePool(pool);
    }
  });

  it('a leftover already checked but not yet handed over still holds its place: a plan in between creates nothing, the next one starts it', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('adopt-gap');
    const docker = new Docker();
    try {
      const leftover = await docker.createContainer({
        Image: 'busybox:latest',
        Cmd: ['sleep', '3600'],
        Labels: { ...ownedLabels(pool, 'worker'), [LABEL.prepared]: 'true' },
      });
      const engine = new DockerEngine(dockerSchema.parse({ kind: 'docker', pool }), [dockerService('worker')], { log: silentLogger() });
      let checked = false;
      const stop = engine.watch(() => (checked = true));
      try {
        await engine.observe(); // sends the inspect
        assert.ok(await eventually(async () => checked, 5_000), 'the inspect answered');
        await engine.apply([{ name: 'worker', replicas: 1 }]); // no observe since: not handed over yet
        await sleep(500);
        const after = async () =>
          (await docker.listContainers({ all: true, filters: { label: [`${LABEL.pool}=${pool}`] } })).map((c) => c.Id);
        assert.deepEqual(await after(), [leftover.id], 'nothing created in its place');
        await engine.observe(); // hands it over
        await engine.apply([{ name: 'worker', replicas: 1 }]);
        assert.ok(
          await eventually(async () => (await leftover.inspect()).State.Running, 5_000),
          'the next plan starts the leftover itself',
        );
        assert.deepEqual(await after(), [leftover.id]);
      } finally {
        stop();
        await engine.close();
      }
    } finally {
      await removePool(pool);
    }
  });
});
