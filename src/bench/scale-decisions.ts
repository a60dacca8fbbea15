// `bench scale`, part 1: one decision (controllers + arbiter, core/step.ts) for 10,000 services, time
// and memory, against 1,000 services in the same run, and the same 10,000 on sla targets against the
// queueLength ones. Run in a process of its own (scale.ts forks this module): the bench's process has
// loaded every benchmark, and with them every engine and source SDK (Kubernetes, AWS, Azure: ~110 MB
// RSS) that an agent never loads unless its config names them, and that the decision does not use.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { step, type StepInput } from '../core/step.js';
import type { SlaState } from '../core/controllers/sla.js';
import type { BenchRow } from './types.js';

/** A synthetic pool of `count` services: mixed priorities, queue targets, a remainder service in ten. */
export function decisionInputs(count: number): StepInput[] {
  return Array.from({ length: count }, (_, i) => ({
    policy: {
      name: `svc-${i}`,
      priority: 1 + (i % 5),
      min: 0,
      max: 50,
      target: i % 10 === 0 ? { kind: 'remainder' } : { kind: 'queueLength', queueLength: 50 },
      tolerance: 0.1,
      pid: { ratePerContainer: 10 },
    },
    onMetricError: { kind: 'hold' },
    observation: i % 10 === 0 ? undefined : { value: (i * 37) % 400, atMs: 0 },
    stale: false,
    actual: { running: i % 4, starting: i % 3 === 0 ? 1 : 0, stopping: 0 },
    controllerState: undefined,
    lastDesired: undefined,
    dtS: 0.5,
  }));
}

/** Median wall and CPU milliseconds. CPU time is reported too because on a shared machine the wall
 * clock counts the time other processes had the core. */
export function medianMs(run: () => void, repeat: number): { wallMs: number; cpuMs: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    run();
    const used = process.cpuUsage(cpuStart);
    wall.push(Number(process.hrtime.bigint() - start) / 1e6);
    cpu.push((used.user + used.system) / 1000);
  }
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

/**
 * The same pool with every queue service on an sla target (issue 16) and a measured arrival rate, its
 * controller state warmed by `warmTicks` decisions (an agent that has been running: full windows, a
 * learnt persistence), as the agent hands it over each tick.
 */
export function slaDecisionInputs(count: number, warmTicks = 20): StepInput[] {
  let inputs: StepInput[] = decisionInputs(count).map((input, i) =>
    input.observation === undefined
      ? input
      : {
          ...input,
          policy: { ...input.policy, target: { kind: 'sla', sla: { queueLength: 200 } } },
          observation: { ...input.observation, arrivalRate: 30 + (i % 7) },
        },
  );
  for (let tick = 1; tick <= warmTicks; tick++) {
    const { outcomes } = step(inputs, count * 2);
    inputs = inputs.map((input) => {
      const outcome = outcomes.get(input.policy.name);
      const observation = input.observation && {
        ...input.observation,
        atMs: tick * 500,
        arrivalRate: (input.observation.arrivalRate ?? 0) + (tick % 3),
      };
      return { ...input, controllerState: outcome?.controllerState, latency: outcome?.latency, observation };
    });
  }
  return inputs;
}

/**
 * The same sla pool, each queue service having learnt a cadence: seven rises of 100 msg/s a minute
 * apart (a producer that flushes every minute) put in its state, then one decision so the state holds
 * the fit, as an agent's does between rises (sla-cadence.ts).
 */
export function cadenceDecisionInputs(count: number): StepInput[] {
  const inputs = slaDecisionInputs(count).map((input) => {
    const state = input.controllerState as SlaState | undefined;
    if (state === undefined || input.observation === undefined) return input;
    const last = input.observation.atMs - 5_000;
    const rises = Array.from({ length: 7 }, (_, i) => last - (6 - i) * 60_000);
    return { ...input, controllerState: { ...state, cadence: { rises, riseSize: 100, lastChangeMs: last, fit: null } } };
  });
  const { outcomes } = step(inputs, count * 2);
  return inputs.map((input) => ({ ...input, controllerState: outcomes.get(input.policy.name)?.controllerState ?? input.controllerState }));
}

const mb = (bytes: number): number => bytes / 1024 / 1024;

/**
 * One decision of `inputs` against one of `baseline`, alternately 7 times (a pair per round, so that the
 * machine's load and the JIT's state weigh on both alike): the medians, and CPU as a ratio to the baseline's.
 */
function paired(measure: string, inputs: StepInput[], baseline: StepInput[], ratio: string): BenchRow {
  const runs: { wallMs: number; cpuMs: number }[] = [];
  const baselineRuns: number[] = [];
  for (let round = 0; round < 7; round++) {
    baselineRuns.push(medianMs(() => step(baseline, 20_000), 1).cpuMs);
    runs.push(medianMs(() => step(inputs, 20_000), 1));
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const cpu = median(runs.map((r) => r.cpuMs));
  return {
    measure,
    wall: median(runs.map((r) => r.wallMs)),
    cpu,
    unit: 'ms (median of 7)',
    goal: '< 50 ms',
    'cpu vs 1,000 services': '-',
    [ratio]: (cpu / median(baselineRuns)).toFixed(2),
  };
}

function decisionRows(): BenchRow[] {
  const rssAtStart = process.memoryUsage().rss;
  const rows: BenchRow[] = [];
  let smallMs = 0;
  for (const count of [1000, 10_000]) {
    const inputs = decisionInputs(count);
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const { wallMs, cpuMs } = medianMs(() => step(inputs, count * 2), 7);
    const rss = process.memoryUsage().rss;
    if (count === 1000) smallMs = cpuMs;
    rows.push({
      measure: `one decision, ${count.toLocaleString('en')} services`,
      wall: wallMs,
      cpu: cpuMs,
      unit: 'ms (median of 7)',
      goal: count === 10_000 ? '< 50 ms' : '-',
      'cpu vs 1,000 services': count === 1000 ? '1.00' : (cpuMs / smallMs).toFixed(2),
      'heap +MB': mb(process.memoryUsage().heapUsed - heapBefore),
      'rss MB': mb(rss),
      'rss at start MB': mb(rssAtStart),
    });
  }
  // sla targets against the queueLength ones, measured alternately (a pair per round) so that the
  // machine's load and the JIT's state weigh on both alike.
  const queueLength = decisionInputs(10_000);
  const sla = slaDecisionInputs(10_000);
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  rows.push({
    ...paired('one decision, 10,000 services, sla targets', sla, queueLength, 'cpu vs queueLength targets'),
    'heap +MB': mb(process.memoryUsage().heapUsed - heapBefore),
    'rss MB': mb(process.memoryUsage().rss),
    'rss at start MB': mb(rssAtStart),
  });
  // A learnt cadence against none, alternately as above: what the rises' fit, kept in the state, adds.
  const cadence = cadenceDecisionInputs(10_000);
  rows.push({
    ...paired('one decision, 10,000 services, sla targets with a learnt cadence', cadence, sla, 'cpu vs sla targets without one'),
    'rss MB': mb(process.memoryUsage().rss),
  });
  return rows;
}

/**
 * The decision rows, measured in a child process that loads only the core and this module (node
 * --expose-gc, as `bench scale` is run). Its RSS is that of a process holding the inputs of the
 * services and deciding for them; `rss at start MB` is that process before it built any input.
 */
export async function decisionRowsApart(): Promise<BenchRow[]> {
  const execArgv = [...process.execArgv.filter((flag) => !flag.startsWith('--test')), '--expose-gc'];
  const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let rows: BenchRow[] | undefined;
    child.on('message', (message) => (rows = message as BenchRow[]));
    child.on('error', reject);
    child.on('exit', (code) =>
      rows ? resolve(rows) : reject(new Error(`bench scale: the decision process exited (${code}) without its rows`)),
    );
  });
}

const CHILD_FLAG = '--bench-scale-decisions';
if (process.argv.includes(CHILD_FLAG) && process.send) {
  process.send(decisionRows(), () => process.exit(0));
}
