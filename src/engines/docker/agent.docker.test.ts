// The agent driving the docker engine on a real daemon: a priority-1 service pre-empting a background
// service whose containers ignore SIGTERM. The pool must never be overcommitted while they are killed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Agent } from '../../agent/agent.js';
import { createEngine } from '../../agent/wiring.js';
import { parseConfig } from '../../agent/config-loader.js';
import { silentLogger } from '../../log/logger.js';
import type { Source } from '../../sources/types.js';
import { eventually, needService } from '../../testing/services.js';
import { dockerCheck, poolContainers, removePool, testPool } from './testing/docker.js';

class ManualSource implements Source {
  value = 0;
  async read(): Promise<number> {
    return this.value;
  }
  async close(): Promise<void> {}
}

describe('agent on the docker engine', () => {
  it('waits for a SIGTERM-ignoring container to be killed after its grace period, never overcommitting the pool', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('grace');
    const graceMs = 1500;
    const config = parseConfig({
      engine: { kind: 'docker', pool },
      capacity: 2,
      interval: '200ms',
      services: [
        {
          name: 'urgent',
          priority: 1,
          metric: { source: 'random' },
          target: 'direct',
          image: 'busybox:latest',
          command: ['sleep', '3600'],
        },
        // sh ignores TERM (tini passes it on, sh drops it), so only the kill after the grace period stops it.
        {
          name: 'stubborn',
          priority: 2,
          target: 'remainder',
          stopGracePeriod: `${graceMs}ms`,
          image: 'busybox:latest',
          command: 'trap "" TERM; while true; do sleep 1; done',
        },
      ],
    });
    const demand = new ManualSource();
    const engine = await createEngine(config, { log: silentLogger(), nowMs: Date.now });
    const agent = new Agent(config, { engine, log: silentLogger(), sources: new Map([['urgent', demand]]) });
    const latest = new Map<string, number>();
    agent.on('tick', (tick) => {
      for (const s of tick.services) latest.set(s.name, s.running);
    });
    const running = (name: string): number | undefined => latest.get(name);
    let most = 0;
    const sampler = setInterval(() => {
      // On the daemon a place is held from a container's start to its exit: created (prepared) and exited ones hold none.
      void poolContainers(pool).then((found) => {
        most = Math.max(most, found.filter((c) => c.State === 'running' || c.State === 'restarting' || c.State === 'paused').length);
      });
    }, 100);
    try {
      await agent.start();
      assert.ok(await eventually(() => running('stubborn') === 2, 15_000), 'background fills the pool of 2');
      const demandAtMs = Date.now();
      demand.value = 2;
      assert.ok(await eventually(() => running('urgent') === 2, 20_000), 'urgent gets the pool');
      const tookMs = Date.now() - demandAtMs;
      assert.ok(
        tookMs >= graceMs,
        `urgent ran after ${tookMs}ms: it cannot have waited for the ${graceMs}ms grace of the containers it replaced`,
      );
      assert.ok(most <= 2, `up to ${most} containers ran at once in a pool of 2`);
      assert.ok(
        agent.ticks.toArray().every((tick) => tick.used <= 2),
        'every tick saw the pool within capacity',
      );
      // Removals wait for the starts in flight (they would slow them), then go: nothing is left stopped.
      const left = async (): Promise<string[]> => (await poolContainers(pool)).map((c) => c.Labels['io.microscale.service'] ?? '').sort();
      assert.ok(
        await eventually(async () => JSON.stringify(await left()) === JSON.stringify(['urgent', 'urgent']), 10_000),
        `the killed containers were removed, not left stopped: ${JSON.stringify(await left())}`,
      );
    } finally {
      clearInterval(sampler);
      await agent.stop();
      await removePool(pool);
    }
  });
});
