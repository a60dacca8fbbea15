// The floor for bursty traces (a sibling of scripts/sla-floor.mjs, which proves it for traces flat until
// one rise): per trace, the least seconds over the SLA any controller that reacts (does not know the
// future) can have while holding k spare containers at a burst's onset, and the most utilisation it can
// reach while holding them; then the least k that meets issue 16's goal on seconds, and whether the
// utilisation the goal demands still allows it.
//   npm run build && node scripts/sla-burst-floor.mjs traces/scenario-sla.yaml bursts10.csv onoff10.csv ...
// (the traces from scripts/sla-shapes.mjs; K=12 the largest spare tried; MD=1 markdown rows)
//
// The argument, and what it rests on:
// 1. Seconds, given the count at an onset. Until a burst shows (the queue waits, or the measured rate is
//    over what runs), a controller's input is that of the base traffic; from the first tick it shows, no
//    controller can have more of the urgent service running at any moment than one that asks for the
//    whole of its max at that tick and keeps it while a queue waits (the arbiter pre-empts at once, the
//    starts come as soon as the slots are free). That is bench control's reacting reference
//    (src/simulator/policies/reacting.ts) with `spare` = k: the rate's need + k while no queue waits, the
//    whole max whenever one does. Its seconds over the SLA (run here through the simulator, same arbiter,
//    latencies and scoring) are therefore the least for any controller that holds at most the rate's
//    need + k when a burst begins (the least over 0..k spare: holding fewer is within "at most"). More
//    running at the onset is the only thing that lowers them.
// 2. What k costs. While no queue waits, a container beyond the arrivals' work is idle. Holding k such
//    containers through the seconds the reference's queue is empty costs k × those seconds of idle
//    slots; counting every other container-second as busy (no start, stop or fractional idle at all),
//    utilisation ≤ 100 × (1 − k × T_empty / (pool × T)). A generous ceiling: the real figure is lower.
// 3. Why the spare must be held all the time: bursts in scripts/sla-shapes.mjs start memorylessly (each
//    base second begins one with probability 1/45), so nothing before an onset tells it is near, and the
//    count a controller holds at onsets is, on average, the count it holds at base (Poisson arrivals see
//    time averages). Seconds over the SLA fall with the spare at the onset as a convex function (a
//    peak's excess over the SLA falls linearly with it, down to zero), so by Jensen a controller whose
//    spare varies does no better on average than one holding its mean spare throughout.
// What it does NOT prove: (a) point 3 holds in expectation over the bursts' randomness, not for every
// draw (a controller that happens to hold more at this trace's onsets does better on this trace);
// (b) on/off traces are not memoryless (a period lasts 30–270 s, uniformly, so the chance of a change
// grows with the time since the last one) and a flash crowd comes once, so there a controller that
// learnt the period lengths could hold spares only when a change is likely: for those kinds the table
// is the floor for controllers that do not model the period lengths; (c) whole containers and the
// simulator's model (latencies as configured, the metric read one tick late) are assumed.
import { createPolicy } from '../dist/simulator/policies/index.js';
import { reactingPolicy } from '../dist/simulator/policies/reacting.js';
import { simulate } from '../dist/simulator/run.js';
import { loadScenario } from '../dist/simulator/scenario.js';
import { urgentOf } from '../dist/simulator/score.js';
import { loadTrace } from '../dist/simulator/trace.js';

const [, , scenarioPath, ...files] = process.argv;
if (!scenarioPath || files.length === 0) {
  console.error('usage: node scripts/sla-burst-floor.mjs SCENARIO.yaml TRACE.csv ... (K=12 largest spare, MD=1 markdown)');
  process.exit(2);
}
const scenario = await loadScenario(scenarioPath);
const urgent = scenario.services.find((s) => s.simulation);
const pool = scenario.config.capacity;
const maxSpare = Number(process.env.K ?? 12);

function run(trace, policy) {
  const result = simulate(scenario, trace, policy);
  const score = urgentOf(result.score);
  return { sla: score.slaViolationS, util: result.score.utilization * 100, started: score.started };
}

/** The reacting reference with k spare, and the seconds its urgent queue was empty. */
function reacting(trace, k) {
  const inner = reactingPolicy({ scenario, trace }, k);
  let emptyS = 0;
  const policy = {
    name: inner.name,
    decide(tS, dtS, views) {
      const view = views.find((v) => v.service === urgent);
      if (view && view.queue <= 0) emptyS += dtS;
      return inner.decide(tS, dtS, views);
    },
  };
  return { ...run(trace, policy), emptyS };
}

if (process.env.MD) {
  console.log(
    '| trace | goals: s over ≤ / util ≥ | sla target | floor at k = 0, 1, 2, 4 spare (s over / util at most) | least k for the seconds goal: s, util at most (the reference: util, starts) | verdict |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
}
for (const file of files) {
  const trace = await loadTrace(file);
  const base = Object.fromEntries(['hpa', 'keda', 'kpa', 'oracle'].map((p) => [p, run(trace, createPolicy(p, { scenario, trace }))]));
  const ours = run(trace, createPolicy('microscale', { scenario, trace }));
  const slaGoal = Math.min(
    0.1 * Math.min(base.hpa.sla, base.keda.sla),
    0.5 * base.kpa.sla,
    Math.max(2 * base.oracle.sla, base.oracle.sla + 5),
  );
  const utilGoal = base.oracle.util - 3;
  const rows = [];
  let least;
  for (let k = 0; k <= maxSpare; k++) {
    const r = reacting(trace, k);
    const ceiling = 100 * (1 - (k * r.emptyS) / (pool * trace.durationS));
    // At most k spare includes fewer: the floor is the least over 0..k (a queue of a few messages that
    // happens to wait just before an onset sends the reference to its max early, so it is not monotone).
    const prev = rows[rows.length - 1];
    const own = prev && prev.sla <= r.sla ? prev.own : { k, util: r.util, started: r.started };
    rows.push({ k, sla: Math.min(r.sla, prev ? prev.sla : Infinity), ceiling, own });
    if (least === undefined && r.sla <= slaGoal) least = rows[rows.length - 1];
    if (least) break;
  }
  // The ceiling counts only the spare's idle slots. The reference itself pays more: it sends the whole
  // pool to every queue, a few messages of noise included, and each of those starts holds a slot doing
  // no work. Where the ceiling allows both goals, the bound does not settle it: say what the reference
  // paid for those seconds, which a controller would have to reach without that churn.
  const kind = least === undefined ? 'floor (seconds)' : least.ceiling >= utilGoal ? 'not settled' : 'floor (both)';
  const verdict =
    least === undefined
      ? `no k ≤ ${maxSpare} meets ≤ ${+slaGoal.toFixed(2)} s: no reacting controller meets the seconds goal at any utilisation here`
      : least.ceiling >= utilGoal
        ? `not settled by this bound: k = ${least.k} allows ${least.sla} s at utilisation up to ${least.ceiling.toFixed(1)} ≥ ${utilGoal.toFixed(1)}, but the reference reached those seconds at ${least.own.util.toFixed(1)} % with ${least.own.started} starts (the whole pool for every queue, at spare ${least.own.k})`
        : `k = ${least.k} meets the seconds at utilisation ${least.ceiling.toFixed(1)} at most < ${utilGoal.toFixed(1)}: no reacting controller meets both`;
  const at = (k) => rows.find((r) => r.k === k);
  if (process.env.MD) {
    const cells = [0, 1, 2, 4].map((k) => (at(k) ? `${at(k).sla} / ${at(k).ceiling.toFixed(1)}` : '—')).join('; ');
    console.log(
      `| ${file.split('/').pop()} | ${+slaGoal.toFixed(2)} s / ${utilGoal.toFixed(1)} % | ${ours.sla} / ${ours.util.toFixed(1)} | ${cells} | ${least ? `${least.k}: ${least.sla} s, ≤ ${least.ceiling.toFixed(1)} % (${least.own.util.toFixed(1)} %, ${least.own.started})` : `> ${maxSpare}`} | ${kind} |`,
    );
    continue;
  }
  console.log(
    `${file}: goals ≤ ${+slaGoal.toFixed(2)} s over the SLA (hpa ${base.hpa.sla}, keda ${base.keda.sla}, kpa ${base.kpa.sla}, oracle ${base.oracle.sla}), utilisation ≥ ${utilGoal.toFixed(1)} %; the sla target ${ours.sla} s / ${ours.util.toFixed(1)} %`,
  );
  for (const r of rows)
    console.log(
      `  spare ${String(r.k).padStart(2)} at onsets: ≥ ${String(r.sla).padStart(5)} s over the SLA, utilisation ≤ ${r.ceiling.toFixed(1)} % (the reference reaching it: ${r.own.util.toFixed(1)} %, ${r.own.started} starts)`,
    );
  console.log(`  => ${verdict}`);
}
