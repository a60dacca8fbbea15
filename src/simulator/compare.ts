// Every policy on one trace, in the same run, with the ratios and goal checks `bench control` reports.
import { createPolicy } from './policies/index.js';
import { POLICY_NAMES, type PolicyName } from './policy.js';
import { simulate, type RunResult } from './run.js';
import type { Scenario } from './scenario.js';
import { urgentOf, type Score } from './score.js';
import type { Trace } from './trace.js';

export type Comparison = ReadonlyMap<PolicyName, RunResult>;

export function compareAll(scenario: Scenario, trace: Trace, options: { sampleEveryS?: number; durationS?: number } = {}): Comparison {
  return new Map(POLICY_NAMES.map((name) => [name, simulate(scenario, trace, createPolicy(name, { scenario, trace }), options)]));
}

/** a / b as text: "0.04", "1.00" when both are 0, "∞" when only b is. */
export function ratio(a: number, b: number): string {
  if (b === 0) return a === 0 ? '1.00' : '∞';
  return (a / b).toFixed(2);
}

export interface GoalCheck {
  readonly goal: string;
  readonly met: boolean;
  readonly detail: string;
}

function urgent(score: Score | undefined): { violation: number; started: number } {
  const s = score ? urgentOf(score) : undefined;
  return { violation: s?.slaViolationS ?? 0, started: s?.started ?? 0 };
}

/** The goals for microscale on one trace. */
export function checkGoals(comparison: Comparison, hasRemainder: boolean): GoalCheck[] {
  const get = (name: PolicyName) => urgent(comparison.get(name)?.score);
  const ours = get('microscale');
  const bestHpaKeda = Math.min(get('hpa').violation, get('keda').violation);
  const kpa = get('kpa').violation;
  const oracle = get('oracle').violation;
  const oracleBound = oracle < 5 ? oracle + 5 : oracle * 2;
  const checks: GoalCheck[] = [
    { goal: 'P1 violation ≤ 1/10 of best(hpa, keda)', met: ours.violation <= bestHpaKeda / 10, detail: `${ours.violation.toFixed(1)} s vs ${bestHpaKeda.toFixed(1)} s` },
    { goal: 'P1 violation ≤ 1/2 of kpa', met: ours.violation <= kpa / 2, detail: `${ours.violation.toFixed(1)} s vs ${kpa.toFixed(1)} s` },
    { goal: 'P1 violation within 2x of oracle (5 s if oracle < 5 s)', met: ours.violation <= oracleBound, detail: `${ours.violation.toFixed(1)} s vs oracle ${oracle.toFixed(1)} s` },
    { goal: 'churn ≤ 1.5x hpa', met: ours.started <= 1.5 * get('hpa').started, detail: `${ours.started} vs ${get('hpa').started} started` },
  ];
  if (hasRemainder) {
    const utilization = comparison.get('microscale')?.score.utilization ?? 0;
    checks.push({ goal: 'pool utilisation ≥ 95 %', met: utilization >= 0.95, detail: `${(utilization * 100).toFixed(1)} % (oracle ${((comparison.get('oracle')?.score.utilization ?? 0) * 100).toFixed(1)} %)` });
  }
  return checks;
}
