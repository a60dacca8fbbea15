import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../agent/config-loader.js';
import { configProblems } from '../../testing/config-problems.js';
import { ServiceBackoff, parseRetryAfterMs } from './backoff.js';
import { reconcile } from './reconcile.js';
import { createRemoteEngine, type RemoteDriver } from './remote-engine.js';
import { EngineError, type EngineFailure } from '../../errors.js';
import { silentLogger } from '../../log/logger.js';
import type { Engine } from '../types.js';

describe('reconcile: reported counts read against the declared count', () => {
  const cases: [string, Parameters<typeof reconcile>[0], ReturnType<typeof reconcile>][] = [
    ['settled', { declared: 3, running: 3, starting: 0, stopping: 0 }, { running: 3, starting: 0, stopping: 0 }],
    [
      'scaled up, not placed yet: the missing ones are starting',
      { declared: 5, running: 3, starting: 0, stopping: 0 },
      { running: 3, starting: 2, stopping: 0 },
    ],
    [
      'scaled down, scheduler not acted yet: the excess is stopping',
      { declared: 1, running: 3, starting: 0, stopping: 0 },
      { running: 1, starting: 0, stopping: 2 },
    ],
    [
      'scaled down while some start: starting ones go first',
      { declared: 2, running: 2, starting: 2, stopping: 1 },
      { running: 2, starting: 0, stopping: 3 },
    ],
    ['to zero', { declared: 0, running: 2, starting: 1, stopping: 0 }, { running: 0, starting: 0, stopping: 3 }],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => {
      const out = reconcile(input);
      assert.deepEqual(out, expected);
      assert.equal(
        out.running + out.starting + out.stopping,
        Math.max(input.declared, input.running + input.starting) + input.stopping,
        'no task is lost or counted twice',
      );
    });
  }
});

describe('per-service backoff', () => {
  it('doubles from the first wait up to the cap, per service, and clears on success', () => {
    const backoff = new ServiceBackoff({ firstMs: 100, maxMs: 350 });
    assert.deepEqual(
      [backoff.failed('a', 0), backoff.failed('a', 0), backoff.failed('a', 0), backoff.failed('a', 0)],
      [100, 200, 350, 350],
    );
    assert.equal(backoff.waitMs('a', 300), 50);
    assert.equal(backoff.waitMs('b', 300), 0, 'another service is not held back');
    assert.equal(backoff.succeeded('a'), true);
    assert.equal(backoff.waitMs('a', 300), 0);
  });

  it('waits at least as long as Retry-After', () => {
    const backoff = new ServiceBackoff({ firstMs: 100, maxMs: 30_000 });
    assert.equal(backoff.failed('a', 0, 5000), 5000);
    assert.equal(parseRetryAfterMs('2', 0), 2000);
    assert.equal(parseRetryAfterMs(new Date(10_000).toUTCString(), 4000), 6000);
    assert.equal(parseRetryAfterMs('soon', 0), undefined);
  });
});

describe('engine blocks and service keys in the config', () => {
  const problems = (document: unknown): string[] => configProblems(() => parseConfig(document, {}));
  const service = (keys: Record<string, unknown>) => [{ name: 'orders', target: 'remainder', ...keys }];

  it('nomad: a service needs its job; the address must be a URL', () => {
    const found = problems({ engine: { kind: 'nomad', address: 'nomad:4646x y' }, capacity: 3, services: service({}) });
    assert.ok(
      found.some((p) => p.startsWith('engine.address')),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => p.startsWith('services[0].job')),
      found.join('\n'),
    );
  });

  it('marathon: username without password, and an app id that is not one', () => {
    const found = problems({ engine: { kind: 'marathon', username: 'ops' }, capacity: 3, services: service({ app: 'Orders App' }) });
    assert.ok(
      found.some((p) => p.startsWith('engine.password') && p.includes('go together')),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => p.startsWith('services[0].app') && p.includes('/prod/orders')),
      found.join('\n'),
    );
  });

  it('ecs: unknown keys are refused (credentials never go in the file)', () => {
    const found = problems({ engine: { kind: 'ecs', accessKeyId: 'AKIA...' }, capacity: 3, services: service({ ecsService: 'orders' }) });
    assert.ok(
      found.some((p) => p.startsWith('engine')),
      found.join('\n'),
    );
    assert.deepEqual(
      problems({ engine: { kind: 'ecs', cluster: 'prod', region: 'eu-west-1' }, capacity: 3, services: service({ ecsService: 'orders' }) }),
      [],
    );
  });
});

describe('createRemoteEngine: the one start of nomad, marathon and ecs', () => {
  const context = { log: silentLogger(), nowMs: Date.now };
  const services = [{ name: 'orders', stopGracePeriodMs: 0, options: { job: 'orders' } }];
  /** A driver whose reads fail with `failure` (or succeed without one), recording whether it was closed. */
  const driver = (failure?: EngineFailure) => {
    const calls = { closed: 0 };
    const d: RemoteDriver<{ job: string }> = {
      engine: 'test',
      read: async () => {
        if (failure) throw new EngineError(failure, 'test', `read failed: ${failure}`, 'orders');
        return { declared: 1, running: 1, starting: 0, stopping: 0 };
      },
      scale: async () => undefined,
      watch: () => undefined,
      close: () => {
        calls.closed++;
      },
    };
    return { d, calls };
  };

  it('refuses to start on a problem only a person can fix, and closes the engine first', async () => {
    const { d, calls } = driver('not-found');
    await assert.rejects(
      createRemoteEngine(d, services, context),
      (error: unknown) => error instanceof EngineError && error.failure === 'not-found',
    );
    assert.equal(calls.closed, 1);
  });

  it('starts through passing trouble (the ticks retry it), and leaves the engine open', async () => {
    const { d, calls } = driver('unreachable');
    const engine = await createRemoteEngine(d, services, context);
    assert.equal(calls.closed, 0);
    await engine.close();
    assert.equal(calls.closed, 1);
  });

  it('watches only when asked', async () => {
    const plain: Engine = await createRemoteEngine(driver().d, services, context);
    const watched: Engine = await createRemoteEngine(driver().d, services, context, { watch: true });
    assert.equal(plain.watch, undefined);
    assert.equal(typeof watched.watch, 'function');
  });
});
