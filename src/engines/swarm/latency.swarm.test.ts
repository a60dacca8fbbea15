// Start and stop latency learnt from a real single-node Swarm read every 2 s: starts timed to the tasks'
// own Status.Timestamp (tasks.ts, core/latency.ts), stops to their containers' die events, not to the
// read that saw them, which gives whole reads.
// The engine is read on a fixed 2 s beat here, without the agent (as latency.docker.test.ts does).
// Skips loudly when no Docker Engine is running; runs `docker swarm init` when it is not in a swarm.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Docker from 'dockerode';
import { INITIAL_LATENCY, observeLatency, type LatencyState } from '../../core/latency.js';
import { EMPTY_STATE, type ActualState } from '../../core/types.js';
import { silentLogger } from '../../log/logger.js';
import { needService } from '../../testing/services.js';
import { LABEL } from '../docker/labels.js';
import { testPool } from '../docker/testing/docker.js';
import { swarmSchema } from './schema.js';
import { SwarmEngine } from './swarm.js';
import { removeServices, sleeper, swarmCheck, swarmService } from './testing/swarm.js';

const TICK_MS = 2000;

interface Task {
  readonly ID: string;
  readonly CreatedAt: string;
  readonly DesiredState: string;
  readonly Status: { readonly State: string; readonly Timestamp: string };
}

const withoutMoments = ({ runningAtMs: _r, goneAtMs: _g, ...rest }: ActualState): ActualState => rest;

describe('latency learnt from the swarm engine', () => {
  it("learns a start to within 300 ms of the tasks' own request → running (Status.Timestamp) when read every 2 s, not whole reads; the stop well under a read", async (t) => {
    if (!(await needService(t, swarmCheck))) return;
    const pool = testPool('swarmlat');
    const engine = new SwarmEngine(swarmSchema.parse({ kind: 'swarm', pool }), [swarmService('svc', sleeper)], { log: silentLogger() });
    const docker = new Docker();
    // Each task's request → running by the manager's clock (its running Status.Timestamp − the read
    // that asked for it), and its own create → running (Status.Timestamp − CreatedAt), for the record.
    const requestToRunningS = new Map<string, number>();
    const createToRunningS: number[] = [];
    let latency: LatencyState = INITIAL_LATENCY;
    let byTick: LatencyState = INITIAL_LATENCY; // the same reads without the moments: the tick's measure
    let previousTarget = 0;
    let requestedMs = 0;
    const stopRequestsMs: number[] = [];
    const sinceS = Math.floor(Date.now() / 1000) - 1;
    // The die events (this node's, as the agent follows them) time the stops whose tasks Swarm deletes
    // before a read sees them shut down.
    const unwatch = engine.watch(() => undefined);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const target of [3, 3, 3, 3, 1, 1, 1, 4, 4, 4, 4, 1, 1, 1]) {
        const beganMs = Date.now();
        const actual = (await engine.observe()).get('svc') ?? EMPTY_STATE;
        latency = observeLatency(latency, actual, beganMs);
        byTick = observeLatency(byTick, withoutMoments(actual), beganMs);
        const [info] = await docker.listServices({ filters: { name: [`ms-${pool}-svc`] } });
        const tasks = info?.ID ? ((await docker.listTasks({ filters: { service: [info.ID] } })) as Task[]) : [];
        for (const task of tasks) {
          if (task.DesiredState !== 'running' || task.Status.State !== 'running' || requestToRunningS.has(task.ID)) continue;
          const runningMs = Date.parse(task.Status.Timestamp);
          requestToRunningS.set(task.ID, (runningMs - requestedMs) / 1000);
          createToRunningS.push((runningMs - Date.parse(task.CreatedAt)) / 1000);
        }
        if (target > previousTarget) requestedMs = beganMs;
        if (target < previousTarget) stopRequestsMs.push(beganMs);
        previousTarget = target;
        await engine.apply([{ name: 'svc', replicas: target }]);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, beganMs + TICK_MS - Date.now())));
      }
      // Each stop's request → gone by the daemon's die events (the latest stop request before each die).
      const stream = await docker.getEvents({
        since: sinceS,
        until: Math.ceil(Date.now() / 1000) + 1,
        filters: { type: ['container'], event: ['die'], label: [`com.docker.swarm.service.name=ms-${pool}-svc`] },
      });
      const dies: number[] = [];
      stream.setEncoding('utf8');
      for await (const chunk of stream as AsyncIterable<string>)
        for (const line of chunk.split('\n').filter((l) => l.trim() !== ''))
          dies.push((JSON.parse(line) as { timeNano: number }).timeNano / 1e6);
      const stopTruth = dies.map((ms) => (ms - Math.max(...stopRequestsMs.filter((r) => r <= ms))) / 1000);
      const stopTruthMeanS = stopTruth.reduce((a, b) => a + b, 0) / stopTruth.length;
      const truth = [...requestToRunningS.values()];
      const truthMeanS = truth.reduce((a, b) => a + b, 0) / truth.length;
      const learntS = latency.start?.meanS ?? Number.NaN;
      const tickS = byTick.start?.meanS ?? Number.NaN;
      const figures =
        `learnt start ${learntS.toFixed(3)} s (the tick's measure: ${tickS.toFixed(3)} s), ` +
        `request → running by the tasks' Status.Timestamp ${truth.map((s) => s.toFixed(3)).join(', ')} s (mean ${truthMeanS.toFixed(3)}), ` +
        `the tasks' own create → running ${createToRunningS.map((s) => s.toFixed(3)).join(', ')} s, ` +
        `learnt stop ${(latency.stop?.meanS ?? Number.NaN).toFixed(3)} s (the tick's measure: ${(byTick.stop?.meanS ?? Number.NaN).toFixed(3)} s), ` +
        `request → gone by the die events ${stopTruth.map((s) => s.toFixed(3)).join(', ')} s (mean ${stopTruthMeanS.toFixed(3)}), read every ${TICK_MS / 1000} s`;
      assert.equal(truth.length, 6, figures);
      // The estimate smooths (recent starts weigh more), so it is compared with the mean, not matched.
      assert.ok(Math.abs(learntS - truthMeanS) <= 0.3, figures);
      // And with Swarm's own create → running (which leaves out our read and the scale call).
      const createMeanS = createToRunningS.reduce((a, b) => a + b, 0) / createToRunningS.length;
      assert.ok(Math.abs(learntS - createMeanS) <= 0.3, figures);
      // Timed to the read, a stop would be a whole read too; Swarm's scale-down of a `sleep` under tini ends within one.
      assert.equal(stopTruth.length, 5, figures);
      assert.ok(Math.abs((latency.stop?.meanS ?? Number.NaN) - stopTruthMeanS) <= 0.3, figures);
      t.diagnostic(figures);
    } finally {
      unwatch();
      await engine.close();
      await removeServices({ label: [`${LABEL.pool}=${pool}`] });
    }
  });
});
