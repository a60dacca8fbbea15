import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentLatencies, type PoolEvent } from './agent-latency.js';
import type { DockerCall } from './docker-recorder.js';

const id = (n: number): string => String(n).padStart(64, 'a');
const start = (n: number, atMs: number, status = 204): DockerCall => ({
  method: 'POST',
  path: `/v1.41/containers/${id(n)}/start`,
  atMs,
  status,
});
const stop = (n: number, atMs: number): DockerCall => ({
  method: 'POST',
  path: `/v1.41/containers/${id(n)}/kill?signal=SIGTERM`,
  atMs,
  status: 204,
});
const event = (n: number, action: string, atMs: number): PoolEvent => ({ id: id(n), action, atMs });
/** Six containers started long before; the restarted agent spawned at 1000, first tick at 1500. */
const base = { capacity: 6, spawnedAtMs: 1000, firstTickMs: 1500, untilMs: 10_000 };
const running = [1, 2, 3, 4, 5, 6].map((n) => event(n, 'start', 100));

describe('agentLatencies', () => {
  it('a stop counts from the first tick; a start from the exit that made room, not from when the daemon finished it', () => {
    const late = agentLatencies({
      ...base,
      calls: [stop(1, 1600), start(7, 2100), start(8, 3500)],
      // The daemon took 2 s to finish each start: not the agent's.
      events: [...running, event(1, 'die', 2000), event(7, 'start', 4100), event(2, 'die', 2200), event(8, 'start', 5500)],
    });
    assert.deepEqual(
      late.map((l) => [l.action, l.possibleMs, l.lateMs]),
      [
        ['stop', 1500, 100],
        ['start', 2000, 100],
        ['start', 2200, 1300],
      ],
    );
  });

  it('a place free at the first tick can be taken at once; a start the killed agent sent that finished later takes a place first', () => {
    const late = agentLatencies({
      ...base,
      // 1 and 2 died before the restart: two places. The killed agent's start of 9 (sent at 900) finished at 1700.
      calls: [start(9, 900), start(7, 1550), start(8, 1600)],
      events: [...running, event(1, 'die', 700), event(2, 'die', 800), event(9, 'start', 1700), event(3, 'die', 2600)],
    });
    assert.deepEqual(
      late.map((l) => [l.container, l.possibleMs, l.lateMs]),
      [
        [id(7).slice(0, 12), 1500, 50],
        // the second free place went to 9: 8 waited for the next exit, and was sent before it (not late)
        [id(8).slice(0, 12), 2600, 0],
      ],
    );
  });

  it("a start waits for its container's create to be answered; a refused start and the killed agent's finished starts are not judged", () => {
    const late = agentLatencies({
      ...base,
      calls: [
        { method: 'POST', path: '/v1.41/containers/create?name=x', atMs: 1510, answeredMs: 2400, status: 201, createdId: id(7) },
        start(7, 2450),
        start(8, 900), // the killed agent's, finished before the first tick
        start(9, 1700, 304), // already started: nothing done
      ],
      events: [...running.slice(1), event(8, 'start', 1200), event(2, 'die', 1400)],
    });
    assert.deepEqual(
      late.map((l) => [l.container, l.possibleMs, l.lateMs]),
      [[id(7).slice(0, 12), 2400, 50]],
    );
  });

  it("a leftover's start waits for the answer to the restarted agent's inspect of it (adoption needs it)", () => {
    const late = agentLatencies({
      ...base,
      calls: [{ method: 'GET', path: `/v1.41/containers/${id(7)}/json`, atMs: 1520, answeredMs: 2600, status: 200 }, start(7, 2650)],
      events: running.slice(1),
    });
    assert.deepEqual(
      late.map((l) => [l.possibleMs, l.lateMs]),
      [[2600, 50]],
    );
  });
});
