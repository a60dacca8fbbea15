import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from './config-loader.js';
import { silentLogger } from '../log/logger.js';
import { ignoredKeyWarnings } from './wiring.js';

const warnings = (document: Record<string, unknown>): string[] => ignoredKeyWarnings(parseConfig(document, {}), silentLogger());

describe('config keys the chosen engine ignores', () => {
  const kubernetes = { engine: { kind: 'kubernetes', namespace: 'shop' }, capacity: 4 };

  it('warns at start that stopGracePeriod does not hold on kubernetes, naming the service and what holds instead', () => {
    const lines = warnings({
      ...kubernetes,
      services: [
        { name: 'orders', priority: 1, target: 'remainder', stopGracePeriod: '5s' },
        { name: 'reports', priority: 2, target: 'remainder' },
      ],
    });
    assert.equal(lines.length, 1);
    assert.match(
      lines[0] ?? '',
      /^services\[0\] \(orders\): stopGracePeriod is ignored by the kubernetes engine: the pods' terminationGracePeriodSeconds in the workload's pod template holds/,
    );
  });

  it('warns once for a top-level stopGracePeriod', () => {
    const lines = warnings({
      ...kubernetes,
      stopGracePeriod: '20s',
      services: [
        { name: 'orders', priority: 1, target: 'remainder' },
        { name: 'reports', priority: 2, target: 'remainder' },
      ],
    });
    assert.deepEqual(
      lines.map((l) => l.split(':')[0]),
      ['stopGracePeriod'],
    );
  });

  for (const [kind, engine, extra] of [
    ['nomad', { kind: 'nomad' }, { job: 'orders' }],
    ['marathon', { kind: 'marathon' }, { app: '/orders' }],
    ['ecs', { kind: 'ecs', cluster: 'c', region: 'eu-west-1' }, { ecsService: 'orders' }],
    ['sim', { kind: 'sim' }, {}],
  ] as const) {
    it(`warns on ${kind} too`, () => {
      const lines = warnings({
        engine,
        capacity: 4,
        services: [{ name: 'orders', priority: 1, target: 'remainder', stopGracePeriod: '5s', ...extra }],
      });
      assert.match(lines.join('\n'), new RegExp(`stopGracePeriod is ignored by the ${kind} engine: `));
    });
  }

  it('says nothing when the key is left out, or when the engine applies it (docker)', () => {
    assert.deepEqual(warnings({ ...kubernetes, services: [{ name: 'orders', priority: 1, target: 'remainder' }] }), []);
    assert.deepEqual(
      warnings({
        engine: { kind: 'docker' },
        capacity: 4,
        stopGracePeriod: '3s',
        services: [{ name: 'orders', priority: 1, target: 'remainder', image: 'busybox:latest', stopGracePeriod: '5s' }],
      }),
      [],
    );
  });
});
