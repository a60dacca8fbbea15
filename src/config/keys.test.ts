// "did you mean" finds the right key through every wrapper a block's schema has: a default around a
// transform (controller:), refinements (the marathon engine block, a redis metric block).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../agent/config-loader.js';
import { configProblems } from '../testing/config-problems.js';

const service = { name: 'orders', target: { queueLength: 10 }, metric: { source: 'random' } };

describe('unknown keys', () => {
  it('suggests the key inside a defaulted, transformed block (controller:)', () => {
    const problems = configProblems(() => parseConfig({ services: [{ ...service, controller: { kpp: 1 } }] }, {}));
    assert.ok(problems.includes('services[0].controller.kpp: unknown key; did you mean "kp"?'), problems.join('\n'));
  });

  it('suggests the key of a refined engine block', () => {
    const problems = configProblems(() =>
      parseConfig({ engine: { kind: 'marathon', usrname: 'a' }, services: [{ ...service, app: '/orders' }] }, {}),
    );
    assert.ok(problems.includes('engine.usrname: unknown key; did you mean "username"?'), problems.join('\n'));
  });

  it('suggests the key of a refined metric block', () => {
    const problems = configProblems(() =>
      parseConfig({ services: [{ ...service, metric: { source: 'redis', url: 'redis://127.0.0.1:6379', kye: 'jobs' } }] }, {}),
    );
    assert.ok(problems.includes('services[0].metric.kye: unknown key; did you mean "key"?'), problems.join('\n'));
  });
});
