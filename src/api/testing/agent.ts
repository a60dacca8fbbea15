// A small agent for the API tests: the sim engine with a clock the test moves, and a source whose
// value the test sets (and which takes pushed values, like `source: push`).
import { Agent } from '../../agent/agent.js';
import { parseConfig } from '../../agent/config-loader.js';
import { SimEngine } from '../../engines/sim/sim.js';
import { silentLogger } from '../../log/logger.js';
import type { Source } from '../../sources/types.js';

export class ManualSource implements Source {
  value = 0;
  async read(): Promise<number> {
    return this.value;
  }
  accept(value: number): void {
    this.value = value;
  }
  async close(): Promise<void> {}
}

/** With `arrivals`, orders also has `arrivals: {source: push}` (built from the config) and a ratePerContainer of 10. */
/** With `sla`, orders has target {sla: {queueLength: 500}} and a ratePerContainer of 10 instead. */
export function testAgent(options: { arrivals?: boolean; sla?: boolean } = {}) {
  const feedForward = options.arrivals ? { arrivals: { source: 'push' }, controller: { ratePerContainer: 10 } } : {};
  const target = options.sla
    ? { target: { sla: { queueLength: 500 } }, controller: { ratePerContainer: 10 } }
    : { target: { queueLength: 50 } };
  const config = parseConfig({
    capacity: 9,
    interval: '1h', // ticks are driven by hand
    services: [
      { name: 'orders', priority: 1, max: 8, metric: { source: 'random' }, ...target, ...feedForward },
      { name: 'reports', priority: 2, target: 'remainder' },
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
  const tickAt = async (ms: number) => {
    now = ms;
    await agent.tickNow();
  };
  return { agent, source, tickAt, now: () => now, startMs: now };
}
