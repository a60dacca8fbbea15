// Start and stop latency learnt from a real daemon at a 2 s tick: timed to the daemon's own start and
// die events (core/latency.ts, moments.ts), not to the tick that saw them, which would give 2 s each.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Docker from 'dockerode';
import { Agent } from '../../agent/agent.js';
import { createEngine } from '../../agent/wiring.js';
import { parseConfig } from '../../agent/config-loader.js';
import { silentLogger } from '../../log/logger.js';
import type { ServiceEstimates } from '../../core/types.js';
import type { Source } from '../../sources/types.js';
import { eventually, needService } from '../../testing/services.js';
import { dockerCheck, poolContainers, removePool, testPool } from './testing/docker.js';

class ManualSource implements Source {
  value = 1;
  async read(): Promise<number> {
    return this.value;
  }
  async close(): Promise<void> {}
}

const TICK_MS = 2000;

describe('latency learnt from the docker engine', () => {
  it("learns a start to within 300 ms of the daemon's own create → running at a 2 s tick, not a multiple of the tick", async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('latency');
    const config = parseConfig({
      engine: { kind: 'docker', pool },
      capacity: 4,
      interval: `${TICK_MS}ms`,
      services: [
        { name: 'svc', priority: 1, metric: { source: 'random' }, target: 'direct', image: 'busybox:latest', command: ['sleep', '3600'] },
      ],
    });
    const demand = new ManualSource();
    const engine = await createEngine(config, { log: silentLogger(), nowMs: Date.now });
    const agent = new Agent(config, { engine, log: silentLogger(), sources: new Map([['svc', demand]]) });
    let running = 0;
    let estimates: ServiceEstimates | undefined;
    agent.on('tick', (tick) => {
      const svc = tick.services.find((s) => s.name === 'svc');
      running = svc?.running ?? 0;
      estimates = svc?.estimates;
    });
    // The daemon's own figure for each container: State.StartedAt − Created.
    const docker = new Docker();
    const daemonStartS = new Map<string, number>();
    const recordStarts = async (): Promise<void> => {
      for (const info of await poolContainers(pool, docker)) {
        if (info.State !== 'running' || daemonStartS.has(info.Id)) continue;
        const inspected = await docker.getContainer(info.Id).inspect();
        daemonStartS.set(info.Id, (Date.parse(inspected.State.StartedAt) - Date.parse(inspected.Created)) / 1000);
      }
    };
    try {
      await agent.start();
      for (const [up, down] of [
        [3, 1],
        [4, 1],
      ] as const) {
        demand.value = up;
        assert.ok(await eventually(() => running === up, 30_000), `scaled to ${up}`);
        await recordStarts();
        demand.value = down;
        assert.ok(await eventually(() => running === down, 30_000), `scaled back to ${down}`);
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS + 500)); // the stops settled by a read
      const daemon = [...daemonStartS.values()];
      const daemonMeanS = daemon.reduce((a, b) => a + b, 0) / daemon.length;
      const learntS = estimates?.startLatencyS ?? Number.NaN;
      const figures = `learnt start ${learntS.toFixed(3)} s, daemon's create → running ${daemon.map((s) => s.toFixed(3)).join(', ')} s (mean ${daemonMeanS.toFixed(3)}), tick ${TICK_MS / 1000} s, stop learnt ${estimates?.stopLatencyS?.toFixed(3)} s`;
      assert.equal(daemon.length, 6, figures);
      assert.ok(Math.abs(learntS - daemonMeanS) <= 0.3, figures);
      // Timed to the tick, a stop would be a whole tick too; the daemon's die comes well within one here.
      const stopS = estimates?.stopLatencyS ?? Number.NaN;
      assert.ok(stopS < TICK_MS / 1000 - 0.5, figures);
      t.diagnostic(figures);
    } finally {
      await agent.stop();
      await removePool(pool);
    }
  });
});
