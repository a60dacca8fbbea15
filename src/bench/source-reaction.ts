// `bench sources`, part 1: how long from a change of the metric to microscale's decision, when the
// source wakes the agent (push, Redis keyspace notifications) versus when the agent only polls on its
// 500 ms tick (the same source with its watch removed): the baseline, measured in the same run.
import { Agent } from '../agent/agent.js';
import { parseConfig } from '../agent/config-loader.js';
import { SimEngine } from '../engines/sim/sim.js';
import { silentLogger } from '../log/logger.js';
import { findSourceKind } from '../sources/index.js';
import type { Source } from '../sources/types.js';
import { sleep } from './source-timing.js';

export interface ReactionSubject {
  readonly name: string;
  readonly metric: Record<string, unknown>;
  /** Makes the metric read `value` (one atomic change), or pushes it through the agent. */
  readonly change: (value: number, agent: Agent) => Promise<void>;
}

const SERVICE = 'bench';
/** perContainer 10: 20 → 2 containers, 60 → 6, so every change needs a decision. */
const [HIGH, LOW] = [60, 20];

/** The same source with its watch taken away: the agent sees changes only at its timer tick. */
function pollOnly(source: Source): Source {
  return {
    read: (signal) => source.read(signal),
    ...(source.accept ? { accept: (value: number) => source.accept?.(value) } : {}),
    close: () => source.close(),
  };
}

function nextDecision(agent: Agent, to: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      agent.off('decision', onDecision);
      reject(new Error(`no decision to ${to} within ${timeoutMs}ms`));
    }, timeoutMs);
    const onDecision = (decision: { service: string; to: number }): void => {
      if (decision.service !== SERVICE || decision.to !== to) return;
      clearTimeout(timer);
      agent.off('decision', onDecision);
      resolve(performance.now());
    };
    agent.on('decision', onDecision);
  });
}

/** Milliseconds from each change to the decision it caused, over `trials` changes at random phases of the tick. */
export async function measureReaction(subject: ReactionSubject, watched: boolean, trials: number): Promise<number[]> {
  const config = parseConfig({
    capacity: 9,
    interval: '500ms',
    minTickGap: '50ms',
    engine: { kind: 'sim', startLatency: '0ms', stopLatency: '0ms' },
    services: [{ name: SERVICE, metric: subject.metric, target: { perContainer: 10 }, max: 9, tolerance: 0 }],
  });
  const metric = config.services[0]?.metric;
  const kind = metric && findSourceKind(metric.source);
  if (!metric || !kind) throw new Error(`${subject.name}: the source kind of its metric block is not loaded`);
  const built = kind.create(metric, { service: SERVICE, log: silentLogger(), nowMs: Date.now });
  const source = watched ? built : pollOnly(built);
  const engine = new SimEngine({ kind: 'sim', startLatency: 0, stopLatency: 0 }, [{ name: SERVICE, stopGracePeriodMs: 0, options: {} }], {
    nowMs: Date.now,
  });
  const agent = new Agent(config, { engine, log: silentLogger(), sources: new Map([[SERVICE, source]]) });
  const samples: number[] = [];
  try {
    await subject.change(LOW, agent);
    await agent.start();
    await sleep(300); // let subscriptions (keyspace notifications) settle
    for (let trial = 0; trial < trials; trial++) {
      const value = trial % 2 === 0 ? HIGH : LOW;
      await sleep(100 + Math.random() * 500); // a random phase against the 500 ms timer
      const decided = nextDecision(agent, value / 10, 5000);
      const changedAt = performance.now();
      await subject.change(value, agent);
      samples.push((await decided) - changedAt);
    }
  } finally {
    await agent.stop();
  }
  return samples;
}
