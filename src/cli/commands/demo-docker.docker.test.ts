// End to end on real containers: the docker demo's image and config, a producer container filling a
// Redis list fast, and the agent scaling consumer containers up (pre-empting the fillers) until the
// consumers, really popping the list, drain it once the producer stops. Needs Docker and Redis.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { Agent } from '../../agent/agent.js';
import { createEngine } from '../../agent/wiring.js';
import { silentLogger } from '../../log/logger.js';
import { eventually, needService } from '../../testing/services.js';
import { REDIS_URL, redisCheck } from '../../bench/services/redis.js';
import { dockerCheck, testPool } from '../../engines/docker/testing/docker.js';
import { dockerDemoConfig, ensureDemoImage, startProducer, teardownDockerDemo } from './demo-docker.js';

describe('docker demo end to end', () => {
  it('scales consumer containers up as the Redis queue grows, and they drain it', async (t) => {
    if (!(await needService(t, dockerCheck)) || !(await needService(t, redisCheck))) return;
    const docker = new Docker();
    await ensureDemoImage(docker, () => undefined);
    const pool = testPool('demo');
    const queue = `microscale:test:${pool}`;
    const config = await dockerDemoConfig({ redisUrl: REDIS_URL, queue }, pool);
    const redis = new Redis(REDIS_URL);
    const engine = await createEngine(config, { log: silentLogger(), nowMs: Date.now });
    const agent = new Agent(config, { engine, log: silentLogger() });
    const latest = new Map<string, number>();
    agent.on('tick', (tick) => {
      for (const s of tick.services) latest.set(s.name, s.running);
    });
    try {
      await agent.start();
      assert.ok(await eventually(() => latest.get('filler') === 9, 20_000), 'with an empty queue the fillers take the whole pool');
      // 30 items/s: more than 5 consumers working 5 items/s each can keep up with.
      const producer = await startProducer(
        docker,
        { REDIS_HOST: '127.0.0.1', REDIS_PORT: '6379', QUEUE: queue, RATES: '30', PHASE: '3600' },
        pool,
      );
      assert.ok(await eventually(async () => (await redis.llen(queue)) > 20, 15_000), 'the producer fills the queue');
      assert.ok(
        await eventually(() => (latest.get('consumer') ?? 0) >= 5, 30_000),
        `consumers scaled up with the queue (running ${latest.get('consumer') ?? 0})`,
      );
      assert.ok((latest.get('filler') ?? 9) <= 4, 'the fillers made room');
      await producer.remove({ force: true });
      assert.ok(await eventually(async () => (await redis.llen(queue)) === 0, 30_000), 'the consumers drained the queue');
    } finally {
      await agent.stop();
      await teardownDockerDemo(docker, config, REDIS_URL, queue, pool);
      redis.disconnect();
    }
    const left = await docker.listContainers({ all: true, filters: { label: [`io.microscale.pool=${pool}`] } });
    assert.equal(left.length, 0, 'teardown removed every demo container');
  });
});
