// The agent with a pool in resources: a reload may change the amounts but not what the pool counts, and
// with `capacity: auto` a pool the engine cannot read holds every service rather than deciding blind.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Resources } from '../core/resources.js';
import { SimEngine } from '../engines/sim/sim.js';
import { silentLogger } from '../log/logger.js';
import type { MicroscaleConfig } from '../config/schema.js';
import { Agent } from './agent.js';
import { parseConfig } from './config-loader.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const document = (capacity: unknown) => ({
  capacity,
  interval: '1h',
  services: [
    { name: 'batch', priority: 1, target: 'remainder', ...(typeof capacity === 'number' ? {} : { cpu: '500m', memory: '256Mi' }) },
  ],
});

function agentOn(config: MicroscaleConfig, poolCapacity?: () => Resources) {
  let now = 1_800_000_000_000;
  const engine = new SimEngine(
    { kind: 'sim', startLatency: 300, stopLatency: 200 },
    config.services.map((s) => ({ name: s.name, stopGracePeriodMs: 0, options: {} })),
    { nowMs: () => now },
  );
  if (poolCapacity) Object.assign(engine, { poolCapacity });
  const agent = new Agent(config, { engine, log: silentLogger(), nowMs: () => now });
  stops.push(() => agent.stop());
  const tickAt = async (ms: number) => {
    now = ms;
    await agent.tickNow();
    return agent.ticks.toArray().at(-1);
  };
  return { agent, tickAt, startMs: now };
}

describe('the agent with a pool in resources', () => {
  it('reloads new amounts of the same resources, and refuses a change of what the pool counts', async () => {
    const { agent, tickAt, startMs } = agentOn(parseConfig(document({ cpu: 2, memory: '4Gi' }), {}));
    assert.equal((await tickAt(startMs))?.services[0]?.planned, 4, '2 CPU / 500m');
    await agent.reconfigure(parseConfig(document({ cpu: 3, memory: '4Gi' }), {}));
    assert.equal((await tickAt(startMs + 1000))?.services[0]?.planned, 6);
    await assert.rejects(
      agent.reconfigure(parseConfig(document(9), {})),
      /capacity: changing the pool from cpu 3, memory 4Gi to 9 .* needs a restart/,
    );
    await assert.rejects(agent.reconfigure(parseConfig(document({ cpu: 3 }), {})), /needs a restart/);
    assert.deepEqual(agent.config.capacity, { kind: 'resources', amounts: { cpu: 3000, memory: 4 * 2 ** 30 } }, 'the running config stays');
  });

  it('with capacity auto, holds every service while the engine cannot say what the nodes hold, and decides once it can', async () => {
    let pool: Resources | undefined;
    const parsed = parseConfig(document({ cpu: 100, memory: '100Gi' }), {}); // max: as many as fit that, far above the auto pool
    const config: MicroscaleConfig = { ...parsed, capacity: { kind: 'auto' } };
    const { agent, tickAt, startMs } = agentOn(config, () => {
      if (!pool) throw new Error('lost the watch of the nodes: connection refused');
      return pool;
    });
    const held = await tickAt(startMs);
    assert.equal(held?.decisions.length, 0);
    assert.match(held?.engineError ?? '', /capacity auto: lost the watch of the nodes: connection refused; holding every service/);
    pool = { cpu: 1500, memory: 2 ** 30 };
    const decided = await tickAt(startMs + 1000);
    assert.equal(decided?.engineError, null);
    assert.equal(decided?.services[0]?.planned, 3, '1.5 CPU / 500m');
    assert.deepEqual(decided?.resources?.capacity, pool);
    pool = undefined;
    const again = await tickAt(startMs + 2000);
    assert.equal(again?.decisions.length, 0, 'the pool is lost again: nothing changes');
    assert.deepEqual(again?.resources?.capacity, { cpu: 1500, memory: 2 ** 30 }, 'the last known pool is shown');
    assert.equal(agent.ticks.toArray().length, 3);
  });
});
