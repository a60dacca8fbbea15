// Adoption on a real daemon, with its events stream made late (as a busy daemon's is: a start's answer
// can come before its `start` event): a prepared container an earlier agent left, adopted and then
// started by a plan, is an ordinary running container from its start's answer on, never a leftover again.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
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

/** `docker`, except that it answers each container inspect 1.5 s late. */
function slowInspect(docker: Docker): Docker {
  const wrapped = Object.create(docker) as Docker;
  wrapped.getContainer = (id: string) => {
    const container = docker.getContainer(id);
    const inspect = container.inspect.bind(container);
    container.inspect = (async () => {
      await sleep(1500);
      return inspect();
    }) as never;
    return container;
  };
  return wrapped;
}

interface Leftover {
  readonly docker: Docker;
  readonly pool: string;
  /** A prepared container of `worker` as an agent killed between its create and its start leaves it. */
  readonly leftover: Docker.Container;
  readonly engine: DockerEngine;
  /** How many times the engine woke its watcher so far. */
  readonly woken: () => number;
  /** The ids of every container of the pool, created or running. */
  readonly ids: () => Promise<string[]>;
}

/**
 * Runs `body` with a fresh pool holding one leftover and an engine serving `worker` on it (through
 * `through`, when given, for a daemon made late), then closes the engine and removes the pool.
 */
async function withLeftover(
  t: TestContext,
  name: string,
  body: (setup: Leftover) => Promise<void>,
  options: { config?: Record<string, unknown>; through?: (docker: Docker) => Docker } = {},
): Promise<void> {
  if (!(await needService(t, dockerCheck))) return;
  const pool = testPool(name);
  const docker = new Docker();
  try {
    const leftover = await docker.createContainer({
      Image: 'busybox:latest',
      Cmd: ['sleep', '3600'],
      Labels: { ...ownedLabels(pool, 'worker'), [LABEL.prepared]: 'true' },
    });
    const config = dockerSchema.parse({ kind: 'docker', pool, ...options.config });
    const engine = new DockerEngine(config, [dockerService('worker')], { log: silentLogger() }, options.through?.(docker));
    let woken = 0;
    const stop = engine.watch(() => woken++);
    const ids = async (): Promise<string[]> =>
      (await docker.listContainers({ all: true, filters: { label: [`${LABEL.pool}=${pool}`] } })).map((c) => c.Id);
    try {
      await body({ docker, pool, leftover, engine, woken: () => woken, ids });
    } finally {
      stop();
      await engine.close();
    }
  } finally {
    await removePool(pool);
  }
}

describe('docker adoption on a real daemon', () => {
  it('a prepared container an earlier agent left, adopted and started by the plan, stays running though its start event comes late', (t) =>
    withLeftover(
      t,
      'adopt-late',
      async ({ leftover, engine, ids }) => {
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
        assert.deepEqual(await ids(), [leftover.id], 'nothing else was created or left');
      },
      // A full list only at connect (and 1 s after it), then every 60 s: between lists only the events tell.
      { config: { resync: '60s' }, through: (docker) => lateEvents(docker, 3000) },
    ));

  it('wakes its watcher once a leftover prepared container is checked, so the agent plans with it at once, not a tick later', (t) =>
    withLeftover(t, 'adopt-wake', async ({ engine, woken }) => {
      assert.equal((await engine.observe()).get('worker')?.starting, 1, 'until its inspect answers it holds a place');
      assert.ok(await eventually(async () => woken() > 0, 5_000), 'woken when the inspect answered (nothing else happens in the pool)');
      assert.equal((await engine.observe()).get('worker')?.prepared, 1, 'the observe it woke hands it over');
    }));

  it('a plan made while a leftover is still being checked counts it as holding its place: nothing is created beside it', (t) =>
    withLeftover(
      t,
      'adopt-plan',
      async ({ leftover, engine, ids }) => {
        assert.equal((await engine.observe()).get('worker')?.starting, 1, 'being checked: it holds a place');
        await engine.apply([{ name: 'worker', replicas: 1 }]); // the plan already has its one
        await sleep(1000);
        assert.deepEqual(await ids(), [leftover.id], 'no container created beside the leftover being checked');
      },
      // The daemon answers the leftover's inspect late (as beside removals under load: ~1 s seen).
      { through: slowInspect },
    ));

  it('a leftover already checked but not yet handed over still holds its place: a plan in between creates nothing, and the handover starts it for that plan at once', (t) =>
    withLeftover(t, 'adopt-gap', async ({ leftover, engine, woken, ids }) => {
      await engine.observe(); // sends the inspect
      assert.ok(await eventually(async () => woken() > 0, 5_000), 'the inspect answered');
      await engine.apply([{ name: 'worker', replicas: 1 }]); // no observe since: not handed over yet
      await sleep(500);
      assert.deepEqual(await ids(), [leftover.id], 'nothing created in its place');
      // The plan counted it, so it is met for the agent: no further apply comes. The handover acts on it.
      await engine.observe(); // hands it over
      assert.ok(
        await eventually(async () => (await leftover.inspect()).State.Running, 5_000),
        'the handover started the leftover itself, with no further apply',
      );
      assert.deepEqual(await ids(), [leftover.id]);
    }));

  it('a leftover handed over when the plan is already met without it is removed at once, with no further apply', (t) =>
    withLeftover(t, 'adopt-met', async ({ docker, pool, leftover, engine, woken, ids }) => {
      // The plan (worker 1) is met by a running container: the leftover is found only afterwards, as when
      // the killed agent's create is answered after the restarted agent's first plan.
      await leftover.remove({ force: true });
      await engine.apply([{ name: 'worker', replicas: 1 }]);
      assert.ok(await eventually(async () => (await engine.observe()).get('worker')?.running === 1, 10_000), 'the plan is met');
      const late = await docker.createContainer({
        Image: 'busybox:latest',
        Cmd: ['sleep', '3600'],
        Labels: { ...ownedLabels(pool, 'worker'), [LABEL.prepared]: 'true' },
      });
      const wokenBefore = woken();
      assert.ok(
        await eventually(async () => (await engine.observe()).get('worker')?.starting === 1, 5_000),
        'listed and being checked: it holds a place',
      );
      assert.ok(await eventually(async () => woken() > wokenBefore, 5_000), 'the inspect answered');
      await engine.observe(); // hands it over: the plan is met without it
      assert.ok(
        await eventually(async () => !(await ids()).includes(late.id), 5_000),
        `removed at once, with no further apply (pool: ${JSON.stringify(await ids())})`,
      );
      const state = await engine.observe();
      assert.equal(state.get('worker')?.running, 1, 'the running container is untouched');
      assert.equal(state.get('worker')?.prepared, undefined, 'nothing left prepared');
    }));
});
