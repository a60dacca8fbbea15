// How Swarm tasks (shaped as GET /tasks returns them) add up to an ActualState, and the moments their
// Status.Timestamp gives the latency estimate: the task's own start and end, or the read (the tick)
// when a timestamp is absent, unparseable or off (a manager clock behind or ahead of ours).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INITIAL_LATENCY, observeLatency, type LatencyState } from '../../core/latency.js';
import { swarmState, type TaskInfo } from './tasks.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '123456Z'); // nanoseconds, as the API writes them

const task = (desired: string, state: string, timestamp?: string): TaskInfo => ({
  NodeID: 'node1',
  DesiredState: desired,
  Status: { State: state, ...(timestamp === undefined ? {} : { Timestamp: timestamp }) },
});

/**
 * Read every 2 s: asked for 2 tasks at T0 (0 → 2), which become running 0.7 s and 0.9 s later; asked for
 * 0 at T0 + 4 s, the tasks ending 0.3 s later. `stamp` writes each task's Status.Timestamp from its true
 * moment (ms), or leaves it out (undefined).
 */
function learn(stamp: (ms: number) => string | undefined): LatencyState {
  const reads: [number, number, TaskInfo[]][] = [
    [T0, 0, []],
    [T0 + 2000, 2, [task('running', 'running', stamp(T0 + 700)), task('running', 'running', stamp(T0 + 900))]],
    [T0 + 4000, 2, [task('running', 'running', stamp(T0 + 700)), task('running', 'running', stamp(T0 + 900))]],
    [T0 + 6000, 0, [task('remove', 'shutdown', stamp(T0 + 4300)), task('remove', 'shutdown', stamp(T0 + 4300))]],
  ];
  // A rise in the live count between two reads is a start asked for at the first (core/latency.ts).
  let latency: LatencyState = INITIAL_LATENCY;
  for (const [atMs, replicas, tasks] of reads) latency = observeLatency(latency, swarmState(replicas, tasks), atMs);
  return latency;
}

describe('swarm task state', () => {
  it('counts running, starting (replicas without a task yet) and stopping tasks', () => {
    const state = swarmState(3, [task('running', 'running'), task('running', 'preparing'), task('shutdown', 'running')]);
    assert.equal(state.running, 1);
    assert.equal(state.starting, 2);
    assert.equal(state.stopping, 1);
  });

  it("gives the running tasks' and the ended tasks' Status.Timestamp as the moments, oldest first", () => {
    const state = swarmState(2, [
      task('running', 'running', iso(T0 + 900)),
      task('running', 'running', iso(T0 + 700)),
      task('running', 'starting', iso(T0 + 950)),
      task('remove', 'shutdown', iso(T0 + 400)),
      task('shutdown', 'complete', iso(T0 + 300)),
      task('shutdown', 'failed', iso(T0 + 200)),
    ]);
    assert.deepEqual(state.runningAtMs, [T0 + 700, T0 + 900]);
    assert.deepEqual(state.goneAtMs, [T0 + 200, T0 + 300, T0 + 400]);
  });

  it('gives no moment for a task with no timestamp, an unparseable one or Go zero time', () => {
    const state = swarmState(3, [
      task('running', 'running'),
      task('running', 'running', 'yesterday'),
      task('running', 'running', '0001-01-01T00:00:00Z'),
      task('remove', 'shutdown'),
    ]);
    assert.equal(state.running, 3);
    assert.equal(state.runningAtMs, undefined);
    assert.equal(state.goneAtMs, undefined);
  });

  it("learns start and stop from the tasks' timestamps, not the 2 s read that saw them", () => {
    const learnt = learn(iso);
    assert.ok(learnt.start && learnt.stop);
    // Two starts, 0.7 s then 0.9 s: the smoothed mean is 0.7 + 0.2 × 0.2.
    assert.ok(Math.abs(learnt.start.meanS - 0.74) < 1e-9, `start ${learnt.start.meanS}`);
    assert.ok(Math.abs(learnt.stop.meanS - 0.3) < 1e-9, `stop ${learnt.stop.meanS}`);
  });

  it('falls back to the read (2 s, the tick) when the timestamps are absent, garbage or a manager clock that is off', () => {
    const cases: [string, (ms: number) => string | undefined][] = [
      ['absent', () => undefined],
      ['garbage', () => 'not a time'],
      ['Go zero time', () => '0001-01-01T00:00:00Z'],
      ['clock 1 h behind', (ms) => iso(ms - 3_600_000)],
      ['clock 2.5 s behind', (ms) => iso(ms - 2500)],
      ['clock 2.5 s ahead', (ms) => iso(ms + 2500)],
      ['clock 1 h ahead', (ms) => iso(ms + 3_600_000)],
    ];
    for (const [what, stamp] of cases) {
      const learnt = learn(stamp);
      assert.equal(learnt.start?.meanS, 2, `start, timestamps ${what}`);
      assert.equal(learnt.stop?.meanS, 2, `stop, timestamps ${what}`);
    }
  });
});
