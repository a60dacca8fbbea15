// `bench scale`: (1) one decision (controllers + arbiter, core/step.ts) for 10,000 services, time and
// memory, against 1,000 services in the same run (does it grow linearly?), and the same 10,000 with sla
// targets (issue 16) against the queueLength ones of the same run, in a process of their own
// (scale-decisions.ts); one live agent tick for 10,000 services (scale-agent.ts); (2) a 24 h trace at 500 ms
// ticks for 100 services simulated with the microscale policy, against the hpa baseline on the same
// scenario in the same run. Goals: < 50 ms and < 200 MB; < 60 s.
import { createPolicy } from '../simulator/policies/index.js';
import { simulate } from '../simulator/run.js';
import { parseScenario } from '../simulator/scenario.js';
import type { Trace } from '../simulator/trace.js';
import { agentTickRow } from './scale-agent.js';
import { decisionRowsApart } from './scale-decisions.js';
import { pushRows } from './scale-push.js';
import type { BenchResult, BenchRow, Benchmark } from './types.js';

export { decisionInputs, medianMs, slaDecisionInputs } from './scale-decisions.js';

/** 100 services on a pool of 1,000: 80 queue consumers (priorities 1-3) on phase-shifted daily sines, 20 background. */
export function scaleScenario(services: number, hours: number): { scenario: ReturnType<typeof parseScenario>; trace: Trace } {
  const queued = Math.round(services * 0.8);
  const document = {
    engine: { kind: 'sim', startLatency: '2s', stopLatency: '1s' },
    capacity: services * 10,
    interval: '500ms',
    services: Array.from({ length: services }, (_, i) =>
      i < queued
        ? {
            name: `q${i}`,
            priority: 1 + (i % 3),
            max: 40,
            target: { queueLength: 50 },
            simulation: { ratePerContainer: 10, sla: { queueLength: 200 } },
          }
        : { name: `bg${i}`, priority: 4, target: 'remainder' },
    ),
  };
  const scenario = parseScenario(document);
  const rowS = 60;
  const rows = Math.ceil((hours * 3600) / rowS);
  const timesS = Float64Array.from({ length: rows }, (_, r) => r * rowS);
  const columns = new Map<string, Float64Array>();
  for (let i = 0; i < queued; i++) {
    const phase = (i / queued) * 2 * Math.PI;
    columns.set(
      `q${i}`,
      timesS.map((t) => 20 + 50 * (1 - Math.cos((2 * Math.PI * t) / 86_400 + phase))),
    );
  }
  return { scenario, trace: { timesS, columns, durationS: rows * rowS } };
}

function simulationRows(hours: number): BenchRow[] {
  const { scenario, trace } = scaleScenario(100, hours);
  const rows: BenchRow[] = [];
  let oursS = 0;
  for (const policy of ['microscale', 'hpa'] as const) {
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const result = simulate(scenario, trace, createPolicy(policy, { scenario, trace }));
    const used = process.cpuUsage(cpuStart);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpuS = (used.user + used.system) / 1e6;
    if (policy === 'microscale') oursS = cpuS;
    rows.push({
      measure: `${hours} h at 500 ms ticks, 100 services: ${policy}`,
      wall: seconds,
      cpu: cpuS,
      unit: 's',
      goal: policy === 'microscale' && hours === 24 ? '< 60 s' : '-',
      'microscale cpu / this': policy === 'microscale' ? '-' : (oursS / cpuS).toFixed(2),
      'speed-up vs real time (wall)': result.score.durationS / seconds,
    });
  }
  return rows;
}

export const scaleBenchmark: Benchmark = {
  name: 'scale',
  description: 'one decision for 10,000 services; a 24 h trace for 100 services simulated (--quick: 1 h)',
  async run({ quick }): Promise<BenchResult> {
    const hours = quick ? 1 : 24;
    const decisions = await decisionRowsApart();
    const agentTick = await agentTickRow();
    const pushes = await pushRows();
    return {
      name: 'scale',
      summary:
        'decision time and memory for 10,000 services (vs 1,000), and simulation speed for 100 services (microscale vs the hpa baseline)',
      rows: [...decisions, agentTick.row, ...pushes, ...simulationRows(hours)],
      notes: [
        'the decision rows run in a process of their own that loads only the core (scale-decisions.ts): rss is that whole process ' +
          '(node itself is ~40 MB), rss at start the same before it built any input; heap +MB is the heap grown over the 7 decisions ' +
          '(uncollected garbage included). Until session 3 they ran in the bench process, whose every benchmark and engine and ' +
          'source SDK (~110 MB RSS, never loaded by an agent whose config does not name them) counted in the figure',
        'sla targets: 9 in 10 services on {sla: {queueLength: 200}} with a measured arrival rate, state warmed by 20 decisions; ' +
          'cpu vs queueLength targets = its median ÷ that of the queueLength pool of 10,000, ' +
          'the two run alternately 7 times in this run; its rss holds both pools',
        'agent tick: 9 in 10 services on {sla: {queueLength: 200}} with metric and arrivals pushed (one in ten pushed anew each tick), ' +
          '1 in 10 remainder; the sim engine on a clock advanced 500 ms a tick; after 20 warm ticks, 7 ticks alternated with the bare ' +
          'decision of the queueLength pool (cpu vs queueLength targets = tick ÷ decision); ' +
          'heap kept: after gc, the agent with its 28 ticks; its rss is the bench process (every SDK loaded); ' +
          `md5 of the 7 tick records (decisions, service lines with reasons): ${agentTick.hash}`,
        'push: Agent.pushMetric and pushArrivals (what POST /api/services/{name}/metric and /arrivals call) into 9 in 10 of the ' +
          'services, 100 and 10,000 services alternately 7 times; cpu vs 100 services = the 10,000 pool ÷ the 100 pool of this run ' +
          '(flat when a push does not depend on the number of services); with a state file: each push is also written down ' +
          "before it is answered (push-memory.ts: one line appended; the file, which starts with every service's last value, " +
          'is rewritten whole once the appended lines outnumber twice its values, which the 40,000 pushes of a run include)',
        "cpu is this process's CPU time; on a shared machine wall > cpu by the time other processes had the core",
        ...(quick ? ['--quick: 1 h of trace instead of 24 h'] : []),
      ],
    };
  },
};
