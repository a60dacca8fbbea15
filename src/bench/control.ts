// `bench control`: control quality. Every policy (microscale, the hpa, keda and kpa baselines, static,
// oracle) on every shipped trace and the real NASA traces, in the same run: the urgent service's
// seconds over its SLA, queue, churn, pool utilisation, ratios to hpa and to oracle, the issue's goals,
// the smallest static allocation that matches microscale, and SVG plots for one trace per policy.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkGoals, compareAll, ratio } from '../simulator/compare.js';
import { smallestStaticMatch } from '../simulator/economics.js';
import { loadNasaTraces } from '../simulator/nasa.js';
import { plotRun } from '../simulator/plot.js';
import { createPolicy } from '../simulator/policies/index.js';
import { POLICY_NAMES } from '../simulator/policy.js';
import { simulate } from '../simulator/run.js';
import { loadScenario, type Scenario } from '../simulator/scenario.js';
import { urgentOf, type ServiceScore } from '../simulator/score.js';
import { loadTrace, type Trace } from '../simulator/trace.js';
import { SHIPPED } from '../simulator/trace-gen.js';
import type { BenchResult, BenchRow, Benchmark } from './types.js';

const TRACES_DIR = fileURLToPath(new URL('../../traces/', import.meta.url));
const PLOTTED_TRACE = 'step';
/** --quick: every trace cut to its first half hour. */
const QUICK_S = 1800;

export const controlBenchmark: Benchmark = {
  name: 'control',
  description: 'control quality: microscale vs hpa, keda, kpa, static and oracle on every shipped trace + NASA (--out DIR for plots)',
  async run({ quick, args }): Promise<BenchResult> {
    const scenario = await loadScenario(join(TRACES_DIR, 'scenario.yaml'));
    const p1 = [...scenario.services].filter((s) => s.simulation).sort((a, b) => a.config.priority - b.config.priority)[0];
    if (!p1?.simulation) throw new Error('traces/scenario.yaml has no service with a queue');
    const traces: { name: string; trace: Trace }[] = [];
    for (const shipped of SHIPPED) traces.push({ name: shipped.file.replace('.csv', ''), trace: await loadTrace(join(TRACES_DIR, shipped.file)) });
    const notes: string[] = [];
    // Scaled so the busiest moment needs 90 % of what the urgent service may have.
    const nasa = await loadNasaTraces(p1.simulation.column, 0.9 * p1.config.max * p1.simulation.ratePerContainer);
    traces.push(...nasa.traces.map((t) => ({ name: `nasa-${t.name}`, trace: t.trace })));
    for (const path of nasa.missing) notes.push(`SKIPPED NASA trace: ${path} not found (set MICROSCALE_SHARED or put ../shared beside the repo)`);
    const outDir = typeof args.out === 'string' ? args.out : 'bench-out';
    const hasRemainder = scenario.services.some((s) => !s.simulation);
    const variants = scenarioVariants(scenario);
    const rows: BenchRow[] = [];
    for (const { name, trace } of traces) {
      const durationS = quick ? Math.min(QUICK_S, trace.durationS) : trace.durationS;
      const plot = name === PLOTTED_TRACE;
      const comparison = compareAll(scenario, trace, { durationS, ...(plot ? { sampleEveryS: Math.max(0.5, durationS / 1500) } : {}) });
      const at = (policy: (typeof POLICY_NAMES)[number]) => urgentOf(comparison.get(policy)?.score ?? { policy, durationS, capacity: 0, services: [], utilization: 0 });
      const hpa = at('hpa');
      const oracle = at('oracle');
      for (const policy of POLICY_NAMES) {
        const result = comparison.get(policy);
        const s = at(policy);
        if (!result || !s) continue;
        rows.push(scoreRow(name, policy, s, result.score.utilization, hpa, oracle));
        if (plot) {
          await mkdir(outDir, { recursive: true });
          const file = join(outDir, `${name}-${policy}.svg`);
          await writeFile(file, plotRun(scenario, result, `${policy} on ${name}`));
          if (policy === 'microscale') notes.push(`plots of ${name} for every policy written to ${outDir}/${name}-<policy>.svg`);
        }
      }
      // The same controller on variants of the scenario: without the arrival-rate metric (what a source
      // that only gives a queue length gets), and with the HPA's own 5 min scale-down window.
      for (const variant of variants) {
        const result = simulate(variant.scenario, trace, createPolicy('microscale', { scenario: variant.scenario, trace }), { durationS });
        const s = urgentOf(result.score);
        if (!s) continue;
        rows.push(scoreRow(name, variant.label, s, result.score.utilization, hpa, oracle));
      }
      const ours = at('microscale');
      if (ours) {
        const match = smallestStaticMatch(scenario, trace, ours, durationS);
        rows.push({
          trace: name,
          policy: match.count === undefined ? 'static: none holds' : `static n=${match.count}`,
          'P1 SLA viol s': match.slaViolationS ?? null,
          'freed ctr-h': match.freedContainerHours ?? null,
        });
      }
      const goals = checkGoals(comparison, hasRemainder);
      notes.push(`${name}: ${goals.map((g) => `${g.met ? 'MET' : 'NOT MET'} ${g.goal} (${g.detail})`).join('; ')}`);
    }
    if (quick) notes.push(`--quick: every trace cut to its first ${QUICK_S} s`);
    return {
      name: 'control',
      summary: `urgent service (${p1.config.name}) per trace and policy, all in this run; "static n=K": smallest fixed allocation holding the SLA as well as microscale, and the container-hours microscale frees for background work against it`,
      rows,
      notes,
    };
  },
};

/** One policy's line: the urgent service's score, with its ratios to hpa and oracle in the same run. */
function scoreRow(trace: string, policy: string, s: ServiceScore, utilization: number, hpa: ServiceScore | undefined, oracle: ServiceScore | undefined): BenchRow {
  return {
    trace,
    policy,
    'P1 SLA viol s': s.slaViolationS,
    'vs hpa': ratio(s.slaViolationS, hpa?.slaViolationS ?? 0),
    'vs oracle': ratio(s.slaViolationS, oracle?.slaViolationS ?? 0),
    'P1 mean q': s.meanQueue,
    'P1 p95 q': s.p95Queue,
    'P1 started': s.started,
    'started vs hpa': ratio(s.started, hpa?.started ?? 0),
    'util %': utilization * 100,
  };
}

/** microscale's rows besides the scenario as written: queue only (when it has arrival metrics), and a 5 min scale-down delay. */
function scenarioVariants(scenario: Scenario): { label: string; scenario: Scenario }[] {
  const mapQueued = (change: (s: Scenario['services'][number]) => Scenario['services'][number]): Scenario => ({
    ...scenario,
    services: scenario.services.map((s) => (s.simulation ? change(s) : s)),
  });
  const variants: { label: string; scenario: Scenario }[] = [];
  if (scenario.services.some((s) => s.simulation?.arrivalsMetric)) {
    variants.push({ label: 'microscale, queue only', scenario: mapQueued((s) => ({ ...s, simulation: s.simulation && { ...s.simulation, arrivalsMetric: false } })) });
  }
  const delayed = mapQueued((s) => ({ ...s, config: { ...s.config, pid: { ...s.config.pid, scaleDownDelayMs: 300_000 } } }));
  variants.push({ label: 'microscale, scaleDownDelay 5m', scenario: delayed });
  return variants;
}
