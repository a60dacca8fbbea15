// A pool in resources as /api/state and /metrics show it: per resource (cores, bytes) its capacity,
// what is used and what is allocated, and each service's container size; the integer fields stay.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Agent } from '../agent/agent.js';
import { parseConfig } from '../agent/config-loader.js';
import { SimEngine } from '../engines/sim/sim.js';
import { silentLogger } from '../log/logger.js';
import { createApiApp } from './app.js';
import type { AgentState } from './state.js';
import { ManualSource } from './testing/agent.js';

const GI = 2 ** 30;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

function setup() {
  const config = parseConfig({
    capacity: { cpu: '4', memory: '8Gi' },
    interval: '1h',
    services: [
      { name: 'orders', priority: 1, cpu: '1', memory: '1Gi', metric: { source: 'random' }, target: 'direct' },
      { name: 'reports', priority: 2, cpu: '500m', memory: '2Gi', target: 'remainder' },
    ],
  });
  let now = 1_800_000_000_000;
  const engine = new SimEngine(
    { kind: 'sim', startLatency: 300, stopLatency: 200 },
    config.services.map((s) => ({ name: s.name, stopGracePeriodMs: 0, options: {} })),
    { nowMs: () => now },
  );
  const source = new ManualSource();
  const agent = new Agent(config, { engine, log: silentLogger(), nowMs: () => now, sources: new Map([['orders', source]]) });
  stops.push(() => agent.stop());
  const app = createApiApp({ agent, token: undefined, dashboardDir: '/nonexistent/dashboard' });
  const call = async (path: string) => app.request(path);
  const tickAt = async (ms: number) => {
    now = ms;
    await agent.tickNow();
  };
  return { source, call, tickAt, startMs: now };
}

describe('a pool in resources in /api/state and /metrics', () => {
  it("shows each resource's capacity, use and allocation, and each service's container size", async () => {
    const { source, call, tickAt, startMs } = setup();
    source.value = 2;
    await tickAt(startMs);
    // orders 2 × (1 CPU, 1Gi); reports gets what is left: 2 CPU would take 4, but memory (6Gi left) takes 3.
    await tickAt(startMs + 1000);
    const state = (await (await call('/api/state')).json()) as AgentState;
    assert.equal(state.pool.kind, 'resources');
    assert.deepEqual(state.pool.resources?.cpu, { unit: 'cores', capacity: 4, used: 3.5, allocated: 3.5, planned: 3.5 });
    assert.deepEqual(state.pool.resources?.memory, { unit: 'bytes', capacity: 8 * GI, used: 8 * GI, allocated: 8 * GI, planned: 8 * GI });
    assert.equal(state.pool.capacity, 5, 'in containers: the 2 + 3 it allocates at their sizes');
    assert.equal(state.pool.used, 5);
    assert.deepEqual(state.services.find((s) => s.name === 'reports')?.size, { cpu: 0.5, memory: 2 * GI });
    assert.match(state.summary, /capacity cpu 4, memory 8Gi/);

    const text = await (await call('/metrics')).text();
    assert.match(text, /microscale_pool_resource_capacity\{resource="cpu",unit="cores"\} 4\n/);
    assert.match(text, /microscale_pool_resource_used\{resource="cpu",unit="cores"\} 3\.5\n/);
    assert.match(text, /microscale_pool_resource_allocated\{resource="memory",unit="bytes"\} 8589934592\n/);
    assert.match(text, /microscale_service_container_resource\{service="orders",priority="1",resource="cpu",unit="cores"\} 1\n/);
    assert.match(text, /microscale_pool_capacity 5\n/);
  });
});
