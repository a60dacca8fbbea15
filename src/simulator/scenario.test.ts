import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../errors.js';
import { checkTraceColumns, parseScenario } from './scenario.js';
import { parseTrace } from './trace.js';

const orders = { name: 'orders', priority: 1, target: { queueLength: 50 }, simulation: { ratePerContainer: 10, sla: { queueLength: 200 } } };

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
    const scenario = parseScenario({ engine: { kind: 'sim', startLatency: '2s' }, capacity: 9, services: [{ ...orders, stopLatency: '3s' }, { name: 'reports', priority: 2, target: 'remainder' }] });
    assert.equal(scenario.config.capacity, 9);
    const [p1, p2] = scenario.services;
    assert.deepEqual(p1?.simulation, { ratePerContainer: 10, sla: { queueLength: 200 }, column: 'orders', initialQueue: 0, arrivalsMetric: false });
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
        { name: 'c', target: 'remainder', simulation: { ratePerContainer: 1 } },
        { ...orders, name: 'd', priority: 0 },
      ],
    });
    assert.ok(found.some((p) => p.startsWith('services[0].simulation: is required')), found.join('\n'));
    assert.ok(found.some((p) => p.startsWith('services[1].simulation.ratePerContainer: expected a number > 0')), found.join('\n'));
    assert.ok(found.some((p) => p.startsWith('services[1].simulation.sla: expected {queueLength: N} or {waitS: N}')), found.join('\n'));
    assert.ok(found.some((p) => p.startsWith('services[2].simulation: a remainder service')), found.join('\n'));
    assert.ok(found.some((p) => p.startsWith('services[3].priority')), found.join('\n'));
  });
  it('runs on the sim engine only', () => {
    assert.ok(problems({ engine: { kind: 'docker' }, capacity: 3, services: [orders] }).some((p) => p.startsWith('engine.kind: a scenario runs on the sim engine')));
  });
  it('says which trace column is missing and which there are', () => {
    const scenario = parseScenario({ capacity: 3, services: [orders] });
    assert.throws(() => checkTraceColumns(scenario, parseTrace('t_s,mail\n0,1\n'), 't.csv'), /simulation\.column: the trace t\.csv has no column "orders"; it has mail/);
  });
});
