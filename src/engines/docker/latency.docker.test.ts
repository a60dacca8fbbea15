// Start and stop latency learnt from a real daemon read every 2 s: timed to the daemon's own start and
// die events (core/latency.ts, moments.ts), not to the read that saw them, which gives 2 s each.
// The engine is read on a fixed 2 s beat here, without the agent: the agent also ticks at once when the
// events stream reports a change (engine.watch), which hides the tick's resolution on Docker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Docker from 'dockerode';
import { INITIAL_LATENCY, observeLatency, type LatencyState } from '../../core/latency.js';
import { EMPTY_STATE } from '../../core/types.js';
import { needService } from '../../testing/services.js';
import { dockerCheck, dockerEngineFor, dockerService, poolContainers, removePool, testPool } from './testing/docker.js';

const TICK_MS = 2000;

describe('latency learnt from the docker engine', () => {
  it("learns a start to within 300 ms of the daemon's own request → running (StartedAt) when read every 2 s, not a whole read", async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const pool = testPool('latency');
    const engine = dockerEngineFor(pool, [dockerService('svc')]);
    const docker = new Docker();
    // Each container's request → running by the daemon's clock (State.StartedAt − the read that asked
    // for it), and the daemon's own create → running (State.StartedAt − Created), for the record.
    const requestToRunningS = new Map<string, number>();
    const createToRunningS: number[] = [];
    let latency: LatencyState = INITIAL_LATENCY;
    let previousTarget = 0;
    let requestedMs = 0;
    try {
      // Each read: the state into the estimate (timed at the read, as the agent does), then the target.
      for (const target of [3, 3, 1, 1, 4, 4, 1, 1, 1]) {
        const beganMs = Date.now();
        const actual = (await engine.observe()).get('svc') ?? EMPTY_STATE;
        latency = observeLatency(latency, actual, beganMs);
        for (const info of await poolContainers(pool, docker)) {
          if (info.State !== 'running' || requestToRunningS.has(info.Id)) continue;
          const inspected = await docker.getContainer(info.Id).inspect();
          const startedMs = Date.parse(inspected.State.StartedAt);
          requestToRunningS.set(info.Id, (startedMs - requestedMs) / 1000);
          createToRunningS.push((startedMs - Date.parse(inspected.Created)) / 1000);
        }
        if (target > previousTarget) requestedMs = beganMs;
        previousTarget = target;
        await engine.apply([{ name: 'svc', replicas: target }]);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, beganMs + TICK_MS - Date.now())));
      }
      const truth = [...requestToRunningS.values()];
      const truthMeanS = truth.reduce((a, b) => a + b, 0) / truth.length;
      const learntS = latency.start?.meanS ?? Number.NaN;
      const stopS = latency.stop?.meanS ?? Number.NaN;
      const figures = `learnt start ${learntS.toFixed(3)} s, request → running by the daemon's StartedAt ${truth.map((s) => s.toFixed(3)).join(', ')} s (mean ${truthMeanS.toFixed(3)}), the daemon's create → running ${createToRunningS.map((s) => s.toFixed(3)).join(', ')} s, learnt stop ${stopS.toFixed(3)} s, read every ${TICK_MS / 1000} s`;
      assert.equal(truth.length, 6, figures);
      // The estimate smooths (recent starts weigh more), so it is compared with the mean, not matched.
      assert.ok(Math.abs(learntS - truthMeanS) <= 0.3, figures);
      // Timed to the read, a stop would be a whole read too; a `sleep` under tini dies well within one.
      assert.ok(stopS < TICK_MS / 1000 - 0.5, figures);
      t.diagnostic(figures);
    } finally {
      await engine.close();
      await removePool(pool);
    }
  });
});
