// Pipelined starts on a real Docker Engine: a start that waits for room is created while the container
// it replaces stops, started on that container's `die` (no further apply), and removed when the plan no
// longer wants it; an exited container holds no place though it is not removed yet.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import Docker from 'dockerode';
import { eventually, needService } from '../../testing/services.js';
import { silentLogger } from '../../log/logger.js';
import { DockerEngine } from './docker.js';
import { LABEL, ownedLabels } from './labels.js';
import { dockerSchema } from './schema.js';
import { dockerCheck, dockerEngineFor, dockerService, poolContainers, removePool, sleeper, testPool } from './testing/docker.js';

// sh ignores TERM (tini passes it on, sh drops it): the container dies only when killed after its grace.
const stubborn = { image: 'busybox:latest', command: 'trap "" TERM; while true; do sleep 1; done' };
const GRACE_MS = 1500;

const inspect = (id: string) => new Docker().getContainer(id).inspect();
const ms = (iso: string) => Date.parse(iso);

describe('docker engine: prepared starts on a real daemon', () => {
  const pools: string[] = [];
  after(async () => {
    for (const pool of pools) await removePool(pool);
  });

  it('creates the waiting start while the pre-empted container stops, and starts it on its die with no further apply', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('prep');
    pools.push(pool);
    const engine = dockerEngineFor(pool, [dockerService('urgent'), dockerService('background', stubborn, GRACE_MS)]);
    let most = 0;
    const sampler = setInterval(() => {
      void poolContainers(pool).then((found) => {
        most = Math.max(most, found.filter((c) => c.State === 'running').length);
      });
    }, 50);
    try {
      await engine.apply([
        { name: 'urgent', replicas: 0 },
        { name: 'background', replicas: 1 },
      ]);
      assert.ok(await eventually(async () => (await engine.observe()).get('background')?.running === 1, 15_000), 'background runs');
      const [old] = await poolContainers(pool);
      // The plan of a pool of 1 when urgent wants 1: background stops, urgent's start waits for its exit.
      await engine.apply([
        { name: 'urgent', replicas: 0, prepare: { count: 1, afterExits: 0 } },
        { name: 'background', replicas: 0 },
      ]);
      assert.ok(
        await eventually(async () => (await engine.observe()).get('urgent')?.prepared === 1, 5_000),
        'the start is prepared while background stops',
      );
      const state = await engine.observe();
      assert.equal(
        (state.get('urgent')?.running ?? 0) +
          (state.get('urgent')?.starting ?? 0) +
          (state.get('background')?.running ?? 0) +
          (state.get('background')?.stopping ?? 0),
        1,
        'the prepared container holds no place',
      );
      assert.ok(
        await eventually(async () => (await engine.observe()).get('urgent')?.running === 1, 20_000),
        'urgent runs without another apply',
      );
      const urgent = (await poolContainers(pool)).find((c) => c.Labels[LABEL.service] === 'urgent');
      assert.ok(urgent && old);
      const [started, stopped] = await Promise.all([inspect(urgent.Id), inspect(old.Id).catch(() => undefined)]);
      assert.equal(started.Config.Labels[LABEL.prepared], 'true');
      if (stopped) {
        assert.ok(ms(started.Created) < ms(stopped.State.FinishedAt), 'created before the pre-empted container exited');
        assert.ok(ms(started.State.StartedAt) >= ms(stopped.State.FinishedAt), 'started only after it exited');
      }
      assert.ok(most <= 1, `${most} containers ran at once in a pool of 1`);
    } finally {
      clearInterval(sampler);
      await engine.close();
    }
  });

  it('removes a prepared container the next plan does not want, and starts nothing on the exit', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('prep-cancel');
    pools.push(pool);
    const engine = dockerEngineFor(pool, [dockerService('urgent'), dockerService('background', stubborn, GRACE_MS)]);
    try {
      await engine.apply([
        { name: 'urgent', replicas: 0 },
        { name: 'background', replicas: 1 },
      ]);
      assert.ok(await eventually(async () => (await engine.observe()).get('background')?.running === 1, 15_000));
      await engine.apply([
        { name: 'urgent', replicas: 0, prepare: { count: 1, afterExits: 0 } },
        { name: 'background', replicas: 0 },
      ]);
      assert.ok(
        await eventually(async () => (await poolContainers(pool)).some((c) => c.Labels[LABEL.service] === 'urgent'), 5_000),
        'prepared',
      );
      // Demand fell again before the room came: urgent no longer waits.
      await engine.apply([
        { name: 'urgent', replicas: 0 },
        { name: 'background', replicas: 0 },
      ]);
      assert.ok(
        await eventually(async () => !(await poolContainers(pool)).some((c) => c.Labels[LABEL.service] === 'urgent'), 10_000),
        'the prepared container is removed',
      );
      assert.ok(await eventually(async () => (await poolContainers(pool)).length === 0, 20_000), 'background is killed and removed');
      assert.equal((await engine.observe()).get('urgent')?.running ?? 0, 0, 'nothing started on the exit');
    } finally {
      await engine.close();
    }
  });

  it('a prepared container whose start the agent before this one sent just before it died holds a place from the first observe (never room for one more)', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('prep-inflight');
    pools.push(pool);
    const docker = new Docker();
    const leftover = await docker.createContainer({
      Image: 'busybox:latest',
      Cmd: ['sleep', '3600'],
      Labels: { ...ownedLabels(pool, 'worker'), [LABEL.prepared]: 'true' },
    });
    const start = leftover.start(); // the earlier agent's last request, still in progress at the daemon
    const engine = dockerEngineFor(pool, [dockerService('worker', sleeper)]);
    try {
      const state = (await engine.observe()).get('worker');
      assert.equal((state?.running ?? 0) + (state?.starting ?? 0), 1, `it holds a place: ${JSON.stringify(state)}`);
      await start;
      assert.ok(await eventually(async () => (await engine.observe()).get('worker')?.running === 1, 5_000), 'and runs, counted once');
    } finally {
      await engine.close();
    }
  });

  it('counts an exited container nowhere, though it is not removed yet; a prepared container another run left is started by the plan that wants it, not created again, and removed when not wanted', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('prep-exited');
    pools.push(pool);
    const docker = new Docker();
    const exited = await docker.createContainer({ Image: 'busybox:latest', Cmd: ['true'], Labels: ownedLabels(pool, 'worker') });
    await exited.start();
    await exited.wait();
    const leftovers = await Promise.all(
      [1, 2].map(() =>
        docker.createContainer({
          Image: 'busybox:latest',
          Cmd: ['sleep', '3600'],
          Labels: { ...ownedLabels(pool, 'worker'), [LABEL.prepared]: 'true' },
        }),
      ),
    );
    const leftoverIds = new Set(leftovers.map((c) => c.id));
    const engine = dockerEngineFor(pool, [dockerService('worker', sleeper)]);
    try {
      const first = (await engine.observe()).get('worker');
      assert.equal(first?.starting, 2, 'until an inspect has answered, a prepared container another run left holds a place');
      assert.ok(
        await eventually(async () => {
          const state = (await engine.observe()).get('worker');
          return state?.running === 0 && state.starting === 0 && state.stopping === 0 && state.prepared === 2;
        }, 5_000),
        'then neither the exited nor the prepared containers hold a place',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal((await poolContainers(pool)).filter((c) => leftoverIds.has(c.Id)).length, 2, 'adoption alone removes nothing');
      // The plan wants one: one leftover is started (no create), the other removed, the exited one reaped.
      await engine.apply([{ name: 'worker', replicas: 1 }]);
      assert.ok(
        await eventually(async () => {
          await engine.observe();
          const found = await poolContainers(pool);
          return found.length === 1 && found[0]?.State === 'running';
        }, 30_000),
        `one container runs, nothing else is left: ${JSON.stringify((await poolContainers(pool)).map((c) => c.State))}`,
      );
      const [running] = await poolContainers(pool);
      assert.ok(running && leftoverIds.has(running.Id), 'the running container is a leftover prepared one, started, not a new one');
      assert.equal((await engine.observe()).get('worker')?.running, 1);
    } finally {
      await engine.close();
    }
  });

  it('preCreate: keeps containers created ahead, starts them instead of creating, tops them up, and drops them when the keys change', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('prep-ahead');
    pools.push(pool);
    const engine = new DockerEngine(dockerSchema.parse({ kind: 'docker', pool, resync: '2s', preCreate: 2 }), [dockerService('worker')], {
      log: silentLogger(),
    });
    const states = async (): Promise<string[]> => (await poolContainers(pool)).map((c) => c.State).sort();
    const createdIds = async (): Promise<Set<string>> =>
      new Set((await poolContainers(pool)).filter((c) => c.State === 'created' && c.Labels[LABEL.prepared] === 'true').map((c) => c.Id));
    try {
      await engine.apply([{ name: 'worker', replicas: 1 }]);
      assert.ok(
        await eventually(async () => {
          await engine.observe();
          return JSON.stringify(await states()) === JSON.stringify(['created', 'created', 'running']);
        }, 20_000),
        `1 running and 2 created ahead: ${JSON.stringify(await states())}`,
      );
      const state = (await engine.observe()).get('worker');
      assert.deepEqual([state?.running, state?.starting, state?.prepared], [1, 0, 2], 'the containers created ahead hold no place');
      const ahead = await createdIds();
      await engine.apply([{ name: 'worker', replicas: 3 }]);
      assert.ok(
        await eventually(async () => (await engine.observe()).get('worker')?.running === 3, 20_000),
        'the service reaches 3 running',
      );
      const running = new Set((await poolContainers(pool)).filter((c) => c.State === 'running').map((c) => c.Id));
      for (const id of ahead) assert.ok(running.has(id), 'a container created ahead was started, not a new one created');
      assert.ok(
        await eventually(async () => {
          await engine.observe();
          const now = await createdIds();
          return now.size === 2 && ![...now].some((id) => ahead.has(id));
        }, 20_000),
        `topped up to 2 created ahead again: ${JSON.stringify(await states())}`,
      );
      // New keys: what was created with the old ones is removed, never started.
      const stale = await createdIds();
      await engine.reconfigure([dockerService('worker', { ...sleeper, env: { MODE: 'new' } })]);
      assert.ok(
        await eventually(async () => ![...(await createdIds())].some((id) => stale.has(id)), 20_000),
        'containers created with the old keys are removed',
      );
    } finally {
      await engine.close();
    }
    assert.equal((await createdIds()).size, 0, 'close() removes the containers created ahead');
  });
});
