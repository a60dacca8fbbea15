// The docker engine without a daemon: config errors, and an unreachable engine (DOCKER_HOST pointing at
// a dead socket) giving a clear error while the agent keeps running and holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Agent } from '../../agent/agent.js';
import { createEngine } from '../../agent/wiring.js';
import { parseConfig } from '../../agent/config-loader.js';
import { ConfigError, EngineError } from '../../errors.js';
import { silentLogger } from '../../log/logger.js';
import { eventually } from '../../testing/services.js';
import type { Source } from '../../sources/types.js';
import { DockerEngine } from './docker.js';
import { dockerSchema } from './schema.js';

const deadSocket = 'unix:///tmp/microscale-no-docker-here.sock';

describe('docker engine config', () => {
  it('requires an image on each service, naming the service and the key', () => {
    assert.throws(
      () => parseConfig({ engine: { kind: 'docker' }, capacity: 2, services: [{ name: 'web', target: 'remainder' }] }),
      (error: unknown) =>
        error instanceof ConfigError && error.problems.some((p) => p.includes('services[0].image') || p.includes('services.0.image')),
    );
  });

  it('rejects a host that is not a Docker address', () => {
    assert.throws(
      () =>
        parseConfig({
          engine: { kind: 'docker', host: '/var/run/docker.sock' },
          capacity: 1,
          services: [{ name: 'w', target: 'remainder', image: 'busybox' }],
        }),
      /unix:\/\/\/var\/run\/docker.sock or tcp:/,
    );
  });
});

describe('docker engine unreachable', () => {
  it('observe() rejects with EngineError unreachable naming DOCKER_HOST and what to do', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = deadSocket;
    try {
      const engine = new DockerEngine(
        dockerSchema.parse({ kind: 'docker' }),
        [{ name: 'w', stopGracePeriodMs: 1000, options: { image: 'busybox:latest' } }],
        { log: silentLogger() },
      );
      await assert.rejects(engine.observe(), (error: unknown) => {
        assert.ok(error instanceof EngineError);
        assert.equal(error.failure, 'unreachable');
        assert.match(error.message, /cannot reach the Docker Engine at unix:\/\/\/tmp\/microscale-no-docker-here.sock/);
        assert.match(error.message, /is the daemon running/);
        return true;
      });
      await engine.close();
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('the agent keeps ticking, reports the engine error and holds', async () => {
    const config = parseConfig({
      engine: { kind: 'docker', host: deadSocket },
      capacity: 3,
      interval: '50ms',
      services: [{ name: 'w', metric: { source: 'random' }, target: 'direct', image: 'busybox:latest' }],
    });
    const source: Source = { read: async () => 3, close: async () => {} };
    const engine = await createEngine(config, { log: silentLogger(), nowMs: Date.now });
    const agent = new Agent(config, { engine, log: silentLogger(), sources: new Map([['w', source]]) });
    try {
      await agent.start();
      assert.ok(await eventually(() => agent.ticks.length >= 3, 5000), 'the agent keeps ticking');
      const ticks = agent.ticks.toArray();
      assert.ok(
        ticks.every((tick) => tick.engineError !== null),
        'every tick says the engine is unreachable',
      );
      assert.match(ticks[0]?.engineError ?? '', /docker engine: unreachable: cannot reach the Docker Engine/);
      assert.ok(
        ticks.every((tick) => tick.decisions.length === 0),
        'no decisions without an observation',
      );
    } finally {
      await agent.stop();
    }
  });
});
