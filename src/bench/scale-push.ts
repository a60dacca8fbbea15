// `bench scale`, pushes: what one pushed value (POST /api/services/{name}/metric or /arrivals, i.e.
// Agent.pushMetric / pushArrivals) costs the agent at 10,000 services against 100 services in the same
// run. A push finds its service by name and hands the value to its push source; with a state file it is
// also written down before the push is answered (push-memory.ts). Cost per push should not grow with the
// number of services.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../agent/agent.js';
import { SimEngine } from '../engines/sim/sim.js';
import { silentLogger } from '../log/logger.js';
import { agentConfig } from './scale-agent.js';
import type { BenchRow } from './types.js';

/**
 * An agent over `count` services, 9 in 10 push-fed, started (one tick; its interval is an hour, and the
 * pushes run without a break, so no other tick runs while they are timed). A state file starts with a
 * value for every push-fed service, as it would once each has been pushed.
 */
async function pushAgent(count: number, stateFile: string | undefined): Promise<{ agent: Agent; pushFed: string[] }> {
  const config = agentConfig(count);
  const pushFed = config.services.filter((s) => s.metric).map((s) => s.name);
  if (stateFile) {
    const pushed = Object.fromEntries(
      pushFed.flatMap((name) => [
        [`metric/${name}`, { value: 1, atMs: Date.now() }],
        [`arrivals/${name}`, { value: 30, atMs: Date.now() }],
      ]),
    );
    writeFileSync(stateFile, JSON.stringify({ version: 1, pushed }));
  }
  const engine = new SimEngine(
    { kind: 'sim', startLatency: 1000, stopLatency: 500 },
    config.services.map((s) => ({ name: s.name, stopGracePeriodMs: 0, options: {} })),
    { nowMs: Date.now },
  );
  const agent = new Agent(config, { engine, log: silentLogger(), stateFile });
  await agent.start();
  return { agent, pushFed };
}

/** CPU µs per push over `pushes` pushes (a metric and an arrival rate per service, round after round). */
function timePushes(agent: Agent, names: readonly string[], pushes: number): number {
  const cpuStart = process.cpuUsage();
  let done = 0;
  for (let round = 0; done < pushes; round++) {
    for (let i = 0; i < names.length && done < pushes; i++, done += 2) {
      const name = names[i] as string;
      agent.pushMetric(name, (i * 37 + round * 53) % 400);
      agent.pushArrivals(name, 30 + ((i + round) % 7) * 3);
    }
  }
  const used = process.cpuUsage(cpuStart);
  return (used.user + used.system) / done;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * Pushes into 100 and into 10,000 services, alternately `runs` times, `pushes` pushes a run each, without
 * and with a state file: four rows, each big pool's with its ratio to the small pool of the same run.
 */
export async function pushRows(runs = 7, pushes = 40_000, pushesWithFile = 40_000): Promise<BenchRow[]> {
  const directory = mkdtempSync(join(tmpdir(), 'microscale-bench-push-'));
  const rows: BenchRow[] = [];
  try {
    for (const withFile of [false, true]) {
      const n = withFile ? pushesWithFile : pushes;
      const small = await pushAgent(100, withFile ? join(directory, 'small.json') : undefined);
      const big = await pushAgent(10_000, withFile ? join(directory, 'big.json') : undefined);
      const smallRuns: number[] = [];
      const bigRuns: number[] = [];
      timePushes(small.agent, small.pushFed, n); // warm
      timePushes(big.agent, big.pushFed, n);
      for (let run = 0; run < runs; run++) {
        smallRuns.push(timePushes(small.agent, small.pushFed, n));
        bigRuns.push(timePushes(big.agent, big.pushFed, n));
      }
      await Promise.all([small.agent.stop(), big.agent.stop()]);
      const smallUs = median(smallRuns);
      const bigUs = median(bigRuns);
      const what = withFile ? 'one push with a state file' : 'one push';
      for (const [count, us] of [
        [100, smallUs],
        [10_000, bigUs],
      ] as const) {
        rows.push({
          measure: `${what}, ${count.toLocaleString('en')} services`,
          wall: null,
          cpu: us,
          unit: `µs a push (median of ${runs} runs of ${n.toLocaleString('en')})`,
          goal: '-',
          'cpu vs 100 services': count === 100 ? '-' : (us / smallUs).toFixed(2),
        });
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return rows;
}
