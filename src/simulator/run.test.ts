import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPolicy } from './policies/index.js';
import { microscalePolicy } from './policies/microscale.js';
import type { PolicyName } from './policy.js';
import { simulate } from './run.js';
import { parseScenario } from './scenario.js';
import { generateTrace } from './trace-gen.js';
import { parseTrace } from './trace.js';

// A pool of 20 shared by a queue consumer (10 msg/s per container) and background work.
const poolOf20 = (reports: Record<string, unknown>) =>
  parseScenario({
    engine: { kind: 'sim', startLatency: '2s', stopLatency: '1s' },
    capacity: 20,
    services: [
      {
        name: 'orders',
        priority: 1,
        min: 1,
        max: 20,
        target: { queueLength: 50 },
        simulation: { ratePerContainer: 10, sla: { queueLength: 200 } },
      },
      { name: 'reports', priority: 2, target: 'remainder', ...reports },
    ],
  });
const scenario = poolOf20({});
const step = generateTrace({ shape: 'step', column: 'orders', durationS: 900, rowS: 10, low: 20, high: 150, atS: 300 });

function run(policy: PolicyName, trace = step, staticCounts?: Map<string, number>) {
  return simulate(scenario, trace, createPolicy(policy, { scenario, trace, staticCounts })).score;
}

describe('simulation', () => {
  it('microscale holds the SLA on a step far better than the HPA does', () => {
    const ours = run('microscale').services[0];
    const hpa = run('hpa').services[0];
    assert.ok(ours && hpa);
    assert.ok(hpa.slaViolationS > 0, 'the step should trouble the HPA');
    assert.ok(
      ours.slaViolationS * 10 <= hpa.slaViolationS,
      `microscale ${ours.slaViolationS} s over the SLA vs hpa ${hpa.slaViolationS} s`,
    );
  });
  it('the oracle is a lower bound: no policy violates the SLA for less time', () => {
    const oracle = run('oracle').services[0]?.slaViolationS ?? Infinity;
    for (const policy of ['microscale', 'hpa', 'keda', 'kpa', 'static'] as const) {
      assert.ok(oracle <= (run(policy).services[0]?.slaViolationS ?? 0), `${policy} beat the oracle`);
    }
  });
  it('a static split big enough for the peak never violates, and leaves the rest to background work', () => {
    const score = run('static', step, new Map([['orders', 15]]));
    assert.equal(score.services[0]?.slaViolationS, 0);
    const reports = score.services[1];
    assert.ok(
      reports && Math.abs(reports.containerSeconds - 5 * score.durationS) < 20,
      `reports held ${reports?.containerSeconds} container-seconds`,
    );
  });
  it('never overcommits the pool', () => {
    for (const policy of ['microscale', 'hpa', 'kpa', 'oracle'] as const) {
      const score = run(policy);
      const held = score.services.reduce((sum, s) => sum + s.containerSeconds, 0);
      assert.ok(held <= score.capacity * score.durationS + 1e-6, `${policy} held ${held} of ${score.capacity * score.durationS}`);
    }
  });
  it('with an arrival-rate metric, microscale follows a slow wave with about as few starts as the HPA and keeps the pool busy', () => {
    const withArrivals = {
      ...scenario,
      services: scenario.services.map((s) => (s.simulation ? { ...s, simulation: { ...s.simulation, arrivalsMetric: true } } : s)),
    };
    const wave = generateTrace({ shape: 'sine', column: 'orders', durationS: 4 * 3600, rowS: 10, low: 20, high: 150, periodS: 4 * 3600 });
    const ours = simulate(withArrivals, wave, createPolicy('microscale', { scenario: withArrivals, trace: wave })).score;
    const queueOnly = simulate(scenario, wave, createPolicy('microscale', { scenario, trace: wave })).score;
    const hpa = simulate(scenario, wave, createPolicy('hpa', { scenario, trace: wave })).score;
    const started = (score: typeof ours) => score.services[0]?.started ?? 0;
    assert.equal(ours.services[0]?.slaViolationS, 0);
    assert.ok(started(ours) <= 1.5 * started(hpa), `${started(ours)} starts vs hpa ${started(hpa)}`);
    assert.ok(started(ours) < started(queueOnly), `no fewer starts than probing from the queue (${started(queueOnly)})`);
    assert.ok(ours.utilization >= 0.95, `pool utilisation ${ours.utilization}`);
  });
  it('counts a remainder service busy only for its own work when it has a simulation block', () => {
    const withWork = poolOf20({ simulation: { ratePerContainer: 10 } });
    const trace = parseTrace('t_s,orders,reports\n0,20,20\n600,20,20\n');
    const score = (s: typeof scenario) =>
      simulate(s, trace, createPolicy('static', { scenario: s, trace, staticCounts: new Map([['orders', 5]]) })).score;
    const useful = score(withWork);
    const always = score(scenario);
    const reports = useful.services[1];
    assert.ok(
      reports && Math.abs(reports.busySeconds - 2 * useful.durationS) < 1,
      `15 reports containers for 20 msg/s at 10 each: ${reports?.busySeconds} busy s, expected ${2 * useful.durationS}`,
    );
    assert.ok(
      Math.abs((always.services[1]?.busySeconds ?? 0) - 15 * always.durationS) < 1,
      'without the block, every running reports container is busy',
    );
    const busy = useful.services.reduce((sum, s) => sum + s.busySeconds, 0);
    assert.ok(Math.abs(useful.utilization - busy / (20 * useful.durationS)) < 1e-9);
    assert.ok(useful.utilization < 0.25, `utilisation ${useful.utilization}: 2 orders + 2 reports containers of work in a pool of 20`);
  });
  it('is deterministic', () => {
    assert.deepEqual(run('microscale'), run('microscale'));
  });
});

describe('background work of its own', () => {
  // An sla consumer (20 msg/s each) with bursts every 60 s, and background work that reads its queue.
  const withBackground = parseScenario({
    engine: { kind: 'sim', startLatency: '1s', stopLatency: '500ms' },
    capacity: 30,
    services: [
      {
        name: 'orders',
        priority: 1,
        min: 1,
        max: 30,
        target: { sla: { queueLength: 500 } },
        simulation: { ratePerContainer: 20, sla: { queueLength: 500 }, arrivalsMetric: true },
      },
      { name: 'reports', priority: 2, target: 'remainder', simulation: { ratePerContainer: 10 } },
    ],
  });
  const rows = ['t_s,orders,reports'];
  const trace = (reports: number) => {
    const lines = [...rows];
    for (let t = 0; t < 600; t += 10) lines.push(`${t},${t % 60 === 30 ? 300 : 40},${reports}`);
    return parseTrace(lines.join('\n'));
  };
  const urgent = (reports: number) => {
    const t = trace(reports);
    const score = simulate(withBackground, t, createPolicy('microscale', { scenario: withBackground, trace: t })).score;
    return { orders: score.services[0], utilization: score.utilization };
  };

  it('keeps the urgent containers while the background has nothing to do with their slots, and gives them back when it has', () => {
    // 50 msg/s of background work needs 5 of the ~28 slots it has: a stopped urgent container would idle.
    const idle = urgent(50);
    // 2,000 msg/s needs every slot it can get: each urgent container stopped goes to work.
    const busy = urgent(2000);
    assert.ok(idle.orders && busy.orders);
    assert.ok(
      idle.orders.started * 3 <= busy.orders.started,
      `urgent starts: ${idle.orders.started} with idle background, ${busy.orders.started} with busy background`,
    );
    assert.ok(idle.orders.slaViolationS <= busy.orders.slaViolationS, 'the kept containers cost no seconds over the SLA');
    // With busy background the urgent service still comes down between bursts: its slots do work there.
    assert.ok(busy.orders.containerSeconds < 30 * 600 * 0.5, `urgent held ${busy.orders.containerSeconds} container-seconds of 18,000`);
  });
});

describe('the microscale policy for studies of it (scripts/sla-sweep.mjs)', () => {
  it('tells an observer every outcome without changing a decision, and leaves the rate to be learnt when asked', () => {
    const seen: { service: string; rate: number | undefined }[] = [];
    const observed = simulate(
      scenario,
      step,
      microscalePolicy(
        { scenario },
        { observe: (service, _tS, _outcome, policy) => seen.push({ service, rate: policy.pid.ratePerContainer }) },
      ),
    ).score;
    assert.deepEqual(observed, run('microscale'), 'the same run as without the observer');
    const orders = seen.filter((s) => s.service === 'orders');
    assert.ok(orders.length > 100 && orders.length === seen.length / 2, `an outcome per service per step (${seen.length})`);
    assert.equal(orders[0]?.rate, 10, "the simulation's rate per container, as a live user would configure it");
    const learnt: (number | undefined)[] = [];
    simulate(
      scenario,
      step,
      microscalePolicy({ scenario }, { learnRate: true, observe: (_s, _t, _o, policy) => learnt.push(policy.pid.ratePerContainer) }),
    );
    assert.ok(learnt.length > 0 && learnt.every((rate) => rate === undefined), 'no rate given: the controller learns it');
  });
});

describe('containers within a tick', () => {
  it('a container works from the moment it runs, not from the next tick (2 s ticks, 1 s start)', () => {
    const slowTick = parseScenario({
      engine: { kind: 'sim', startLatency: '1s', stopLatency: '500ms' },
      capacity: 2,
      interval: '2s',
      services: [
        {
          name: 'orders',
          priority: 1,
          min: 0,
          max: 2,
          target: { queueLength: 50 },
          simulation: { ratePerContainer: 10, initialQueue: 100, sla: { queueLength: 500 } },
        },
      ],
    });
    const quiet = parseTrace('t_s,orders\n0,0\n60,0\n', 'quiet.csv');
    const oneContainer = { name: 'one', decide: () => new Map([['orders', 1]]) };
    const series = simulate(slowTick, quiet, oneContainer, { sampleEveryS: 2, durationS: 6 }).series;
    // Asked for at 0, running at 1 s: 10 msg/s for the tick's second half, then for whole ticks.
    assert.deepEqual(
      series.map((point) => point.queue[0]),
      [90, 70, 50],
    );
  });
});
