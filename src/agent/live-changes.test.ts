import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from './config-loader.js';
import { ConfigError } from '../errors.js';
import { patchService } from './live-changes.js';

const config = parseConfig({
  capacity: 6,
  services: [
    { name: 'orders', priority: 1, min: 1, max: 6, metric: { source: 'random' }, target: { queueLength: 50 } },
    { name: 'reports', priority: 2, min: 1, target: 'remainder' },
  ],
});

function problemsOf(patch: unknown, name = 'orders'): readonly string[] {
  try {
    patchService(config, name, patch);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('the change was accepted');
}

describe('live service changes', () => {
  it('applies priority, min, max and target, leaving everything else and the original untouched', () => {
    const next = patchService(config, 'orders', { priority: 3, min: 2, max: 4, target: { perContainer: 10 } });
    const orders = next.services[0];
    assert.deepEqual([orders?.priority, orders?.min, orders?.max, orders?.target], [3, 2, 4, { kind: 'perContainer', perContainer: 10 }]);
    assert.deepEqual(orders?.metric, config.services[0]?.metric);
    assert.equal(next.services[1], config.services[1]);
    assert.equal(config.services[0]?.priority, 1, 'the config passed in is not modified');
  });

  it("reports every field problem with the YAML path and value, in the config file's words", () => {
    const problems = problemsOf({ priority: 'high', max: -1, target: { queueLength: 0 }, replicas: 3 });
    assert.ok(problems.includes('services[0].priority: expected an integer >= 1, got "high"'), problems.join('\n'));
    assert.ok(problems.includes('services[0].max: expected an integer >= 0, got -1'), problems.join('\n'));
    assert.ok(
      problems.some((p) => p.startsWith('services[0].target.queueLength: expected a number > 0')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /^services\[0\]\.replicas: unknown key.*live changes take priority, min, max, target/.test(p)),
      problems.join('\n'),
    );
  });

  it('runs the cross-field checks of the config file', () => {
    assert.match(problemsOf({ min: 5, max: 3 }).join('\n'), /services\[0\]\.min: expected min <= max \(3\), got 5/);
    assert.match(problemsOf({ min: 6 }).join('\n'), /mins would add up to 7, more than the pool of 6/);
    assert.match(problemsOf({ target: 'direct' }, 'reports').join('\n'), /services\[1\]\.target: "direct" needs a metric/);
  });

  it('turns a service with a metric into a remainder one, keeping the metric (its queue says whether it has work)', () => {
    const next = patchService(config, 'orders', { target: 'remainder' });
    assert.deepEqual(next.services[0]?.target, { kind: 'remainder' });
    assert.deepEqual(next.services[0]?.metric, config.services[0]?.metric);
  });

  it('keeps a service with arrivals on a queueLength or sla target', () => {
    const withArrivals = parseConfig({
      capacity: 6,
      services: [
        {
          name: 'orders',
          metric: { source: 'push' },
          arrivals: { source: 'push' },
          controller: { ratePerContainer: 10 },
          target: { queueLength: 50 },
        },
      ],
    });
    assert.throws(
      () => patchService(withArrivals, 'orders', { target: { perContainer: 10 } }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /^services\[0\]\.target: only a \{queueLength: N\} or \{sla: \.\.\.\} target takes arrivals, and this service has push arrivals; remove arrivals in the config file first/.test(
          error.problems.join('\n'),
        ),
    );
    assert.deepEqual(patchService(withArrivals, 'orders', { target: { queueLength: 20 } }).services[0]?.target, {
      kind: 'queueLength',
      queueLength: 20,
    });
    assert.deepEqual(patchService(withArrivals, 'orders', { target: { sla: { wait: '10s' } } }).services[0]?.target, {
      kind: 'sla',
      sla: { waitMs: 10_000 },
    });
  });

  it('refuses unknown services, non-objects and empty changes', () => {
    assert.match(problemsOf({ priority: 2 }, 'nope').join('\n'), /no service named "nope"; known: orders, reports/);
    assert.match(problemsOf([1]).join('\n'), /expected an object/);
    assert.match(problemsOf({}).join('\n'), /nothing to change/);
  });
});
