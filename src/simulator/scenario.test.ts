import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../errors.js';
import { checkTraceColumns, parseScenario } from './scenario.js';
import { parseTrace } from './trace.js';

const orders = {
  name: 'orders',
  priority: 1,
  target: { queueLength: 50 },
  simulation: { ratePerContainer: 10, sla: { queueLength: 200 } },
};

function problems(document: unknown): string[] {
  try {
    parseScenario(document);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return [...error.problems];
  }
  assert.fail('parsed without an error');
}

describe('scenario', () => {
  it('is an ordinary sim config plus a simulation block per queue service', () => {
    const scenario = parseScenario({
      engine: { kind: 'sim', startLatency: '2s' },
      capacity: 9,
      services: [
        { ...orders, stopLatency: '3s' },
        { name: 'reports', priority: 2, target: 'remainder' },
      ],
    });
    assert.equal(scenario.config.capacity, 9);
    const [p1, p2] = scenario.services;
    assert.deepEqual(p1?.simulation, {
      ratePerContainer: 10,
      sla: { queueLength: 200 },
      column: 'orders',
      initialQueue: 0,
      arrivalsMetric: false,
    });
    assert.equal(p1?.startLatencyMs, 2000);
    assert.equal(p1?.stopLatencyMs, 3000);
    assert.equal(p2?.simulation, undefined);
  });
  it('names every problem by its YAML path', () => {
    const found = problems({
      capacity: 9,
      services: [
        { name: 'a', target: { queueLength: 50 } },
        { ...orders, name: 'b', simulation: { ratePerContainer: 0, sla: { latency: 3 } } },
        { name: 'c', target: 'remainder', simulation: { ratePerContainer: 1, sla: { queueLength: 5 } } },
        { ...orders, name: 'd', priority: 0 },
      ],
    });
    assert.ok(
      found.some((p) => p.startsWith('services[0].simulation: is required')),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => p.startsWith('services[1].simulation.ratePerContainer: expected a number > 0')),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => p.startsWith('services[1].simulation.sla: expected {queueLength: N} or {waitS: N}')),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => p.startsWith('services[2].simulation.sla: a remainder service has no target or SLA')),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => p.startsWith('services[3].priority')),
      found.join('\n'),
    );
  });
  it('gives a remainder service its own arrivals when it has a simulation block', () => {
    const scenario = parseScenario({
      capacity: 9,
      services: [
        orders,
        { name: 'reports', priority: 2, target: 'remainder', simulation: { ratePerContainer: 4 } },
        { name: 'batch', priority: 3, target: 'remainder' },
      ],
    });
    assert.deepEqual(scenario.services[1]?.background, { ratePerContainer: 4, column: 'reports', initialQueue: 0 });
    assert.equal(scenario.services[1]?.simulation, undefined, 'still a remainder service: no target, no SLA');
    assert.equal(scenario.services[2]?.background, undefined, 'without a block, background work is always there');
    assert.throws(
      () => checkTraceColumns(scenario, parseTrace('t_s,orders\n0,1\n'), 't.csv'),
      /services\[1\]\.simulation\.column: the trace t\.csv has no column "reports"/,
    );
  });
  it('refuses an arrivals: block the simulation would ignore, naming the fix', () => {
    const withArrivals = (simulation: object) => ({
      capacity: 3,
      services: [
        {
          ...orders,
          arrivals: { source: 'push' },
          controller: { ratePerContainer: 10 },
          simulation: { ...orders.simulation, ...simulation },
        },
      ],
    });
    const found = problems(withArrivals({}));
    assert.ok(
      found.some(
        (p) =>
          p.startsWith('services[0].arrivals: the simulator cannot read {"source":"push"}') &&
          p.includes('add simulation.arrivalsMetric: true') &&
          p.includes('or remove arrivals:'),
      ),
      found.join('\n'),
    );
    assert.ok(problems(withArrivals({ arrivalsMetric: false })).some((p) => p.startsWith('services[0].arrivals:')));
    assert.equal(parseScenario(withArrivals({ arrivalsMetric: true })).services[0]?.simulation?.arrivalsMetric, true);
  });
  it('runs on the sim engine only', () => {
    assert.ok(
      problems({ engine: { kind: 'docker' }, capacity: 3, services: [orders] }).some((p) =>
        p.startsWith('engine.kind: a scenario runs on the sim engine'),
      ),
    );
  });
  it('says which trace column is missing and which there are', () => {
    const scenario = parseScenario({ capacity: 3, services: [orders] });
    assert.throws(
      () => checkTraceColumns(scenario, parseTrace('t_s,mail\n0,1\n'), 't.csv'),
      /simulation\.column: the trace t\.csv has no column "orders"; it has mail/,
    );
  });
});
