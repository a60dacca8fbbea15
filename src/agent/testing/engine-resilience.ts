// Test kit shared by the nomad, marathon and ecs engine tests: the real Agent, with the engine under test and
// constant `random` demand, runs two services while every call of one kind for service "b" fails. The
// agent must go on ticking and bring service "a" to its target. Engines never import the agent (see
// architecture.test.ts), so this kit lives here, outside engines/.
import assert from 'node:assert/strict';
import { Agent } from '../agent.js';
import { createEngine } from '../wiring.js';
import { parseConfig } from '../config-loader.js';
import { silentLogger } from '../../log/logger.js';
import { eventually } from '../../testing/services.js';

export interface ResilienceCase {
  /** The `engine:` block pointing at the fake. */
  readonly engine: Record<string, unknown>;
  /** The engine keys of services "a" and "b" (e.g. {job: 'a'}). */
  readonly serviceKeys: (name: 'a' | 'b') => Record<string, unknown>;
  /** Live containers of a service on the fake. */
  readonly live: (name: 'a' | 'b') => number;
  /** Makes every call of one kind for service "b" fail from now on. */
  readonly breakB: () => void;
}

const demand = (n: number) => ({ source: 'random', min: n, max: n, step: 1, every: '1h', seed: 1 });

export async function agentKeepsOtherServicesRight(testCase: ResilienceCase): Promise<void> {
  const configWith = (a: number, b: number) =>
    parseConfig({
      engine: testCase.engine,
      capacity: 8,
      interval: '100ms',
      services: [
        { name: 'a', priority: 1, target: 'direct', metric: demand(a), ...testCase.serviceKeys('a') },
        { name: 'b', priority: 2, target: 'direct', metric: demand(b), ...testCase.serviceKeys('b') },
      ],
    });
  const config = configWith(2, 2);
  const engine = await createEngine(config, { log: silentLogger(), nowMs: Date.now });
  const agent = new Agent(config, { engine, log: silentLogger() });
  try {
    await agent.start();
    assert.ok(await eventually(() => testCase.live('a') === 2 && testCase.live('b') === 2, 5000), 'both services reach 2 before the fault');
    testCase.breakB();
    // Demand for "a" rises while every call of one kind for "b" fails.
    await agent.reconfigure(configWith(4, 5));
    const seqBefore = agent.ticks.toArray().at(-1)?.seq ?? 0;
    assert.ok(
      await eventually(() => testCase.live('a') === 4, 5000),
      `service "a" should reach 4 while "b" fails (has ${testCase.live('a')})`,
    );
    // Keeps ticking: four more ticks come (each may wait out the broken service's timeout, so they are
    // counted, not timed: a fixed wait saw 3 under load), and none of them scaled "b".
    const after = () => agent.ticks.toArray().filter((t) => t.seq > seqBefore);
    assert.ok(await eventually(() => after().length >= 4, 10_000), `the agent should keep ticking (ticked ${after().length} times)`);
    const ticks = after();
    assert.equal(testCase.live('b'), 2, 'service "b" is held where it was, never scaled on a guess');
    assert.equal(ticks.at(-1)?.services.find((s) => s.name === 'a')?.running, 4);
  } finally {
    await agent.stop();
  }
}
