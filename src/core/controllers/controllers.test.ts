import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PidTuning, ServicePolicy, TargetSpec } from '../types.js';
import { decide, directController, pidController, proportionalController, type PidState } from './index.js';

const policy = (target: TargetSpec, extra: Partial<ServicePolicy> = {}): ServicePolicy => ({
  name: 's',
  priority: 1,
  min: 0,
  max: 20,
  target,
  tolerance: 0.1,
  pid: {},
  ...extra,
});

const count = (desired: { kind: string; count?: number }): number | undefined => (desired.kind === 'count' ? desired.count : undefined);

describe('direct controller', () => {
  const cases: [number, number, number, number][] = [
    // value, min, max → desired
    [5, 0, 9, 5],
    [4.2, 0, 9, 5],
    [12, 0, 9, 9],
    [0, 1, 9, 1],
  ];
  for (const [value, min, max, expected] of cases) {
    it(`demand ${value} within [${min}, ${max}] → ${expected}`, () => {
      const out = directController.decide(
        { policy: policy({ kind: 'direct' }, { min, max }), observation: { value, atMs: 0 }, current: 3, dtS: 0.5 },
        null,
      );
      assert.equal(count(out.desired), expected);
    });
  }
  it('holds the current count when there is no reading yet', () => {
    const out = directController.decide({ policy: policy({ kind: 'direct' }), observation: undefined, current: 3, dtS: 0 }, null);
    assert.equal(count(out.desired), 3);
  });
});

describe('proportional controller (the HPA rule)', () => {
  const cases: [number, number, number, string][] = [
    // value, current, → desired, why
    [250, 2, 3, 'ceil(250 / 100)'],
    [205, 2, 2, 'within the 10% tolerance of 2 × 100'],
    [180, 2, 2, 'within tolerance below'],
    [170, 2, 2, 'ceil(170/100) = 2'],
    [50, 4, 1, 'scale down to ceil(50/100)'],
    [0, 3, 0, 'no load'],
    [350, 0, 4, 'from zero'],
  ];
  for (const [value, current, expected, why] of cases) {
    it(`${value} with ${current} running → ${expected} (${why})`, () => {
      const out = proportionalController.decide(
        { policy: policy({ kind: 'perContainer', perContainer: 100 }), observation: { value, atMs: 0 }, current, dtS: 15 },
        null,
      );
      assert.equal(count(out.desired), expected);
    });
  }
});

/** A closed loop: a queue fed at `arrivals(t)` msg/s, each container working `rate` msg/s, starting after `startS`. */
function simulate(
  tuning: PidTuning,
  arrivals: (t: number) => number,
  options: { rate: number; target: number; seconds: number; startS?: number; max?: number; measured?: boolean },
) {
  const dt = 0.5;
  const p = policy({ kind: 'queueLength', queueLength: options.target }, { pid: tuning, max: options.max ?? 50 });
  let state: PidState = pidController.initialState();
  let queue = 0;
  const ready: number[] = []; // start times of live containers
  const history: { t: number; queue: number; desired: number; live: number }[] = [];
  for (let t = 0; t < options.seconds; t += dt) {
    const running = ready.filter((at) => at <= t).length;
    queue = Math.max(0, queue + (arrivals(t) - running * options.rate) * dt);
    // A measured rate reads the last interval, as a publish-rate metric does.
    const arrivalRate = options.measured ? arrivals(Math.max(0, t - dt)) : undefined;
    const out = pidController.decide(
      { policy: p, observation: { value: queue, atMs: t * 1000, arrivalRate }, current: ready.length, running, dtS: t === 0 ? 0 : dt },
      state,
    );
    state = out.state;
    const desired = count(out.desired) ?? ready.length;
    while (ready.length < desired) ready.push(t + (options.startS ?? 0.5));
    while (ready.length > desired) ready.pop();
    history.push({ t, queue, desired, live: ready.length });
  }
  return history;
}

function reversals(values: number[]): number {
  let count = 0;
  let direction = 0;
  for (let i = 1; i < values.length; i++) {
    const d = Math.sign((values[i] ?? 0) - (values[i - 1] ?? 0));
    if (d !== 0 && direction !== 0 && d !== direction) count++;
    if (d !== 0) direction = d;
  }
  return count;
}

describe('pid controller: step response', () => {
  // Arrivals step from 20 to 80 msg/s at t = 20 s; containers work 10 msg/s each: 2 → 8 containers needed.
  const step = (t: number): number => (t < 20 ? 20 : 80);

  for (const [label, tuning] of [
    ['with the per-container rate known (feed-forward)', { ratePerContainer: 10 }],
    ['without the per-container rate', {}],
  ] as const) {
    it(`${label}: clears the backlog fast and settles without oscillating`, () => {
      const history = simulate(tuning, step, { rate: 10, target: 50, seconds: 120 });
      const after = history.filter((h) => h.t >= 20);
      const peak = Math.max(...after.map((h) => h.queue));
      const settledAt = after.find((h, i) => after.slice(i).every((x) => Math.abs(x.queue - 50) <= 50))?.t;
      assert.ok(settledAt !== undefined, 'the queue never settled near its target');
      assert.ok(settledAt - 20 <= 45, `took ${settledAt - 20} s to settle`);
      const finalLive = history.at(-1)?.live ?? 0;
      assert.ok(finalLive >= 8 && finalLive <= 9, `ended with ${finalLive} containers for a load needing 8`);
      const steady = history.filter((h) => h.t >= settledAt).map((h) => h.live);
      assert.ok(reversals(steady) <= 2, `containers went up and down ${reversals(steady)} times after settling: ${steady.join(',')}`);
      assert.ok(Math.max(...after.map((h) => h.live)) <= 14, 'overshot far past the 8 containers needed');
      assert.ok(peak < 1000, `backlog peaked at ${peak}`);
    });
  }

  it('is faster with feed-forward than without', () => {
    const timeToEight = (tuning: PidTuning): number =>
      simulate(tuning, step, { rate: 10, target: 50, seconds: 120 }).find((h) => h.t >= 20 && h.live >= 8)?.t ?? Infinity;
    assert.ok(timeToEight({ ratePerContainer: 10 }) <= timeToEight({}));
  });

  it('does not wind up while the pool holds it at its max', () => {
    // Needs 8 but max is 4 for a minute, then the load falls away: it must come down promptly.
    const load = (t: number): number => (t < 60 ? 80 : 0);
    const history = simulate({}, load, { rate: 10, target: 50, seconds: 300, max: 4 });
    const downAt = history.find((h) => h.t >= 60 && h.queue <= 50 && h.desired < 4)?.t;
    const emptyAt = history.find((h) => h.t >= 60 && h.queue <= 50)?.t ?? Infinity;
    assert.ok(
      downAt !== undefined && downAt - emptyAt <= 10,
      `still at max ${downAt === undefined ? 'forever' : `${downAt - emptyAt} s`} after the backlog cleared`,
    );
  });

  it('respects the step limits per tick', () => {
    const history = simulate({ maxStepUp: 1, maxStepDown: 1 }, step, { rate: 10, target: 50, seconds: 60 });
    for (let i = 1; i < history.length; i++) assert.ok(Math.abs((history[i]?.live ?? 0) - (history[i - 1]?.live ?? 0)) <= 1);
  });

  it('ignores errors inside the deadband', () => {
    const p = policy({ kind: 'queueLength', queueLength: 50 }, { pid: { deadband: 10 } });
    let state = pidController.initialState();
    for (const value of [50, 55, 45, 58, 42, 50]) {
      const out = pidController.decide({ policy: p, observation: { value, atMs: 0 }, current: 3, dtS: 0.5 }, state);
      state = out.state;
      assert.equal(count(out.desired), 3, `moved at queue ${value}`);
    }
  });
});

describe('pid controller: queue length only, probing down', () => {
  it('backs off from probes that fail: in a steady load, at most one start per 10 min once it has learnt', () => {
    // 75 msg/s needs exactly 8 containers of 10 msg/s: a probe to 7 lets the queue grow and is taken back.
    const history = simulate({ ratePerContainer: 10 }, () => 75, { rate: 10, target: 50, seconds: 3 * 3600, startS: 2 });
    const startsBetween = (fromS: number, toS: number): number => {
      let started = 0;
      for (let i = 1; i < history.length; i++) {
        const h = history[i];
        if (h && h.t >= fromS && h.t < toS) started += Math.max(0, h.live - (history[i - 1]?.live ?? 0));
      }
      return started;
    };
    assert.ok(startsBetween(0, 3600) >= 1, 'never probed: an empty queue should be tested for too many containers');
    assert.ok(startsBetween(3600, 3 * 3600) <= 12, `${startsBetween(3600, 3 * 3600)} starts in the two steady hours after learning`);
    assert.ok(
      history.filter((h) => h.t >= 3600).every((h) => h.queue <= 200),
      'a probe let the queue past 200',
    );
  });
});

describe('pid controller: with the arrival rate measured (arrivals:)', () => {
  const p = (pid: PidTuning = {}) => policy({ kind: 'queueLength', queueLength: 50 }, { pid: { ratePerContainer: 10, ...pid } });
  const decideAt = (pol: ServicePolicy, state: PidState, tS: number, arrivalRate: number, current: number, queue = 0) =>
    pidController.decide(
      { policy: pol, observation: { value: queue, atMs: tS * 1000, arrivalRate }, current, running: current, dtS: 0.5 },
      state,
    );

  it('goes up to what the arrivals need at once, even with an empty queue', () => {
    const out = decideAt(p(), pidController.initialState(), 0, 47, 2);
    assert.equal(count(out.desired), 5, 'ceil(47 msg/s ÷ 10 msg/s per container)');
    assert.match(out.reason, /queue 0 < target 50; arrivals 47\/s need 5/);
  });

  it('comes down only after the arrivals stayed low for scaleDownDelay, then straight to the most they needed', () => {
    const pol = p({ scaleDownDelayMs: 10_000 });
    let state = decideAt(pol, pidController.initialState(), 0, 80, 8).state;
    const seen: number[] = [];
    // Arrivals fall to 20 msg/s, with one blip to 35 at t = 5 s: the most needed during the delay is 4.
    for (let t = 0.5; t <= 12; t += 0.5) {
      const out = decideAt(pol, state, t, t === 5 ? 35 : 20, 8);
      state = out.state;
      seen.push(count(out.desired) ?? -1);
    }
    // Low from t = 0.5 s: the delay is up at t = 10.5 s (the 21st decision).
    assert.ok(
      seen.slice(0, 20).every((c) => c === 8),
      `came down before the 10 s delay: ${seen.join(',')}`,
    );
    assert.equal(seen[20], 4, `after 10 s: to the 4 the blip needed, in one step: ${seen.join(',')}`);
  });

  it('a rise during the delay starts it again', () => {
    const pol = p({ scaleDownDelayMs: 10_000 });
    let state = decideAt(pol, pidController.initialState(), 0, 80, 8).state;
    for (let t = 0.5; t < 8; t += 0.5) state = decideAt(pol, state, t, 20, 8).state;
    state = decideAt(pol, state, 8, 80, 8).state; // back up: the lull is over
    const out = decideAt(pol, state, 12, 20, 8);
    assert.equal(count(out.desired), 8, 'only 4 s of the new lull have passed');
  });

  it('on slowly changing demand, starts about as many containers as the demand needs, not a probe each hold', () => {
    // One slow wave 20 → 150 → 20 msg/s over an hour: 13 containers up and down once.
    const wave = (t: number): number => 85 - 65 * Math.cos((2 * Math.PI * t) / 3600);
    const starts = (measured: boolean): number => {
      const history = simulate({ ratePerContainer: 10 }, wave, { rate: 10, target: 50, seconds: 3600, startS: 2, measured });
      let started = 0;
      for (let i = 1; i < history.length; i++) started += Math.max(0, (history[i]?.live ?? 0) - (history[i - 1]?.live ?? 0));
      return started;
    };
    const measured = starts(true);
    assert.ok(measured <= 16, `${measured} starts for a wave needing 13`);
    assert.ok(measured < starts(false), 'no better than estimating the arrivals from the queue');
  });

  it('holds the SLA through a step it sees one interval late', () => {
    const step = (t: number): number => (t < 20 ? 20 : 80);
    const history = simulate({ ratePerContainer: 10 }, step, { rate: 10, target: 50, seconds: 120, startS: 2, measured: true });
    const before = history.find((h) => h.t === 19.5)?.queue ?? 0;
    const rise = Math.max(...history.map((h) => h.queue)) - before;
    // The least any reactive controller can let in: 60 msg/s too many for one interval of measurement plus the 2 s start = 150.
    assert.ok(rise <= 160, `queue rose by ${rise}`);
    assert.equal(history.at(-1)?.live, 8, 'the backlog cleared and the default 30 s delay passed: back to the 8 the load needs');
  });
});

describe('decide', () => {
  it('gives remainder services no count: the arbiter gives them what is left', () => {
    assert.deepEqual(decide({ policy: policy({ kind: 'remainder' }), observation: undefined, current: 2, dtS: 0 }, undefined).desired, {
      kind: 'remainder',
    });
  });
});
