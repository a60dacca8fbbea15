// `bench sources`, part 3: one agent tick with 100 services, each reading its own key/queue/consumer
// in parallel over the shared connection, against the baseline of the same 100 reads one after another.
import { Agent } from '../agent/agent.js';
import { parseConfig } from '../agent/config-loader.js';
import { SimEngine } from '../engines/sim/sim.js';
import { silentLogger } from '../log/logger.js';
import type { Source } from '../sources/types.js';
import { createSource } from '../agent/wiring.js';
import { timeInterleaved } from './source-timing.js';

export interface TickTimes {
  readonly tickMs: number[];
  readonly sequentialMs: number[];
  /** Reads that failed during the ticks (should be 0). */
  readonly failedReads: number;
}

export async function measureTicks(
  metricFor: (index: number) => Record<string, unknown>,
  services: number,
  ticks: number,
): Promise<TickTimes> {
  const names = Array.from({ length: services }, (_, i) => `svc-${i}`);
  const config = parseConfig({
    capacity: services * 2,
    interval: '1h', // ticks are driven by the benchmark
    metricTimeout: '1s',
    engine: { kind: 'sim', startLatency: '0ms', stopLatency: '0ms' },
    services: names.map((name, i) => ({ name, metric: metricFor(i), target: { perContainer: 10 }, max: 2 })),
  });
  const engine = new SimEngine(
    { kind: 'sim', startLatency: 0, stopLatency: 0 },
    names.map((name) => ({ name, stopGracePeriodMs: 0, options: {} })),
    { nowMs: Date.now },
  );
  const sources = new Map<string, Source>();
  for (const service of config.services) {
    const source = createSource(service, { log: silentLogger(), nowMs: Date.now });
    if (source) sources.set(service.name, source);
  }
  const agent = new Agent(config, { engine, log: silentLogger(), sources });
  try {
    // The agent's own sources, read one after another: what a loop without Promise.all would cost.
    const sequential = async (): Promise<void> => {
      for (const source of sources.values()) await source.read(AbortSignal.timeout(1000));
    };
    const [tickMs, sequentialMs] = await timeInterleaved(() => agent.tickNow(), sequential, ticks, 3);
    const failedReads = agent.ticks
      .toArray()
      .slice(-ticks)
      .reduce((sum, tick) => sum + tick.sourceErrors.length, 0);
    return { tickMs, sequentialMs, failedReads };
  } finally {
    await agent.stop();
  }
}
