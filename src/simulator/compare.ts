// Every policy on one trace, in the same run, with the ratios and goal checks `bench control` reports.
import { createPolicy } from './policies/index.js';
import { reactingPolicy } from './policies/reacting.js';
import { POLICY_NAMES, type PolicyName } from './policy.js';
import { simulate, type RunResult } from './run.js';
import type { Scenario } from './scenario.js';
import { urgentOf, type Score } from './score.js';
import type { Trace } from './trace.js';

export type Comparison = ReadonlyMap<PolicyName, RunResult>;

/** Every policy in the same run; `staticCounts` sizes the static policy (bench control: the best fixed allocation). */
export function compareAll(
  scenario: Scenario,
  trace: Trace,
  options: { sampleEveryS?: number; durationS?: number; staticCounts?: ReadonlyMap<string, number> } = {},
): Comparison {
  const { staticCounts, ...runOptions } = options;
  return new Map(
    POLICY_NAMES.map((name) => [name, simulate(scenario, trace, createPolicy(name, { scenario, trace, staticCounts }), runOptions)]),
  );
}

/** a / b as text: "0.04", "1.00" when both are 0, "∞" when only b is. */
export function ratio(a: number, b: number): string {
  if (b === 0) return a === 0 ? '1.00' : '∞';
  return (a / b).toFixed(2);
}

export interface GoalCheck {
  /** What the goal is on: seconds over the SLA, utilisation, or not being dominated. */
  readonly on: 'sla' | 'utilization' | 'dominance';
  readonly goal: string;
  readonly met: boolean;
  readonly detail: string;
}

export interface Figures {
  readonly violationS: number;
  readonly utilization: number;
  readonly started: number;
}

export function figuresOf(score: Score | undefined): Figures {
  const s = score ? urgentOf(score) : undefined;
  return { violationS: s?.slaViolationS ?? 0, utilization: score?.utilization ?? 0, started: s?.started ?? 0 };
}

/** True when `other` is at least as good as `ours` on SLA seconds, utilisation and P1 starts, and better on one. */
export function dominates(other: Figures, ours: Figures): boolean {
  const asGood = other.violationS <= ours.violationS && other.utilization >= ours.utilization && other.started <= ours.started;
  return asGood && (other.violationS < ours.violationS || other.utilization > ours.utilization || other.started < ours.started);
}

/**
 * Issue 16's goals for one microscale run (`ours`) on one trace, against the baselines of the same run:
 * P1 seconds over the SLA ≤ 0.1 × best(hpa, keda), ≤ 0.5 × kpa, ≤ max(2 × oracle, oracle + 5 s);
 * utilisation ≥ oracle − 3 points; not dominated by hpa, keda, kpa or static.
 */
export function checkGoals(comparison: Comparison, ours: Figures = figuresOf(comparison.get('microscale')?.score)): GoalCheck[] {
  const get = (name: PolicyName) => figuresOf(comparison.get(name)?.score);
  const bestHpaKeda = Math.min(get('hpa').violationS, get('keda').violationS);
  const kpa = get('kpa').violationS;
  const oracle = get('oracle');
  const oracleBound = Math.max(2 * oracle.violationS, oracle.violationS + 5);
  const dominatedBy = (['hpa', 'keda', 'kpa', 'static'] as const).filter((name) => dominates(get(name), ours));
  const s = (v: number) => `${v.toFixed(1)} s`;
  return [
    {
      on: 'sla',
      goal: 'SLA s ≤ 0.1 × best(hpa, keda)',
      met: ours.violationS <= bestHpaKeda / 10,
      detail: `${s(ours.violationS)} vs ${s(bestHpaKeda)}`,
    },
    { on: 'sla', goal: 'SLA s ≤ 0.5 × kpa', met: ours.violationS <= kpa / 2, detail: `${s(ours.violationS)} vs ${s(kpa)}` },
    {
      on: 'sla',
      goal: 'SLA s ≤ max(2 × oracle, oracle + 5 s)',
      met: ours.violationS <= oracleBound,
      detail: `${s(ours.violationS)} vs oracle ${s(oracle.violationS)}`,
    },
    {
      on: 'utilization',
      goal: 'utilisation ≥ oracle − 3 points',
      met: ours.utilization >= oracle.utilization - 0.03,
      detail: `${(ours.utilization * 100).toFixed(1)} % vs oracle ${(oracle.utilization * 100).toFixed(1)} %`,
    },
    {
      on: 'dominance',
      goal: 'not dominated',
      met: dominatedBy.length === 0,
      detail: dominatedBy.length === 0 ? 'no baseline as good on all three' : `by ${dominatedBy.join(', ')}`,
    },
  ];
}

export interface ReactingCheck {
  readonly spare: number;
  readonly figures: Figures;
  /** Whether this run meets every goal on seconds over the SLA, and the one on utilisation. */
  readonly slaMet: boolean;
  readonly utilizationMet: boolean;
}

/**
 * The reacting reference (policies/reacting.ts) with 0, 1 and 2 spare containers, judged on the SLA goals
 * against the same baselines: where every one misses too, a miss on seconds over the SLA asks for
 * foresight, not for a faster reaction.
 */
export function reactingChecks(scenario: Scenario, trace: Trace, comparison: Comparison, durationS?: number): ReactingCheck[] {
  return [0, 1, 2].map((spare) => {
    const run = simulate(scenario, trace, reactingPolicy({ scenario, trace }, spare), durationS === undefined ? {} : { durationS });
    const figures = figuresOf(run.score);
    const goals = checkGoals(comparison, figures);
    const met = (on: GoalCheck['on']) => goals.filter((g) => g.on === on).every((g) => g.met);
    return { spare, figures, slaMet: met('sla'), utilizationMet: met('utilization') };
  });
}

/** True when `goals` (from checkGoals) misses one on seconds over the SLA. */
export function missesSlaGoal(goals: readonly GoalCheck[]): boolean {
  return goals.some((g) => g.on === 'sla' && !g.met);
}
