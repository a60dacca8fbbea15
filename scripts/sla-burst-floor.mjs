// The floor for bursty traces (a sibling of scripts/sla-floor.mjs, which proves it for traces flat until
// one rise): per trace, the least seconds over the SLA any controller that reacts (does not know the
// future) can have while holding k spare containers at a burst's onset, and the most utilisation it can
// reach while holding them; then the least k that meets issue 16's goal on seconds, and whether the
// utilisation the goal demands still allows it.
//   npm run build && node scripts/sla-burst-floor.mjs traces/scenario-sla.yaml bursts10.csv onoff10.csv ...
// (the traces from scripts/sla-shapes.mjs; K=12 the largest spare tried; MD=1 markdown rows, with
// ONSETS=1 the onset-aware table's header; a trace with OUT.levels.csv beside it gets the onset-aware
// floor below, one without it session 5's)
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
//
// The onset-aware floor (session 9; used when the generator's levels sit beside a trace: LEVELS=1 node
// scripts/sla-shapes.mjs KIND SEED OUT.csv writes OUT.levels.csv). Point 1's reference treats a queue
// of a few messages of noise as a burst showing and answers it with the whole pool; when that happens
// just before an onset, it holds far more than need + k there, and its seconds are not a floor for
// "k spare at the onset" (its k = 0 runs reached 51-68 % utilisation and 5,400-14,700 starts that way).
// This reference is told where the onsets are (a second whose drawing level is above the last one's),
// which no controller is, and is otherwise as generous as it can be:
//   - between bursts it holds the need of the arrivals of this very second (the trace, not a metric one
//     tick late) + k, so no queue waits for want of a container;
//   - from an onset's first tick it reacts like point 1's reference (the whole max whenever a queue
//     waits, else the measured rate's need + k) until its queue is empty again.
// So at every onset it holds exactly the true need + k and then reacts at once: its seconds S(k) are
// the least any controller holding at most need + k there can have. By point 3, a controller whose
// spare varies does no better than S at its mean spare s; S's lower convex hull between the ks run
// bounds it for a fractional s (in expectation, with the spare independent of the burst that comes:
// point 3). The least s whose hull meets the seconds goal is what the onsets need on average; the
// ceiling at that s, point 2's idle spare plus the starts the bursts need beyond it (startsNeeded),
// says whether the utilisation goal still allows it. Where it does, the bound does not settle the
// trace: a controller holding that spare on average and reacting that fast would, in principle.
import { countPolicy } from '../dist/simulator/policy.js';
import { createPolicy } from '../dist/simulator/policies/index.js';
import { reactingPolicy } from '../dist/simulator/policies/reacting.js';
import { containersFor } from '../dist/simulator/policies/targets.js';
import { simulate } from '../dist/simulator/run.js';
import { loadScenario } from '../dist/simulator/scenario.js';
import { urgentOf } from '../dist/simulator/score.js';
import { loadTrace } from '../dist/simulator/trace.js';
import { existsSync, readFileSync } from 'node:fs';

const [, , scenarioPath, ...files] = process.argv;
if (!scenarioPath || files.length === 0) {
  console.error(
    'usage: node scripts/sla-burst-floor.mjs SCENARIO.yaml TRACE.csv ... (K=12 largest spare, MD=1 markdown, ONSETS=1 its onset-aware header)',
  );
  process.exit(2);
}
const scenario = await loadScenario(scenarioPath);
const urgent = scenario.services.find((s) => s.simulation);
const pool = scenario.config.capacity;
const column = urgent.simulation.column;
const scenarioLatencies = { startS: urgent.startLatencyMs / 1000, stopS: urgent.stopLatencyMs / 1000 };
const maxSpare = Number(process.env.K ?? 12);

/** The levels beside a trace (sla-shapes.mjs LEVELS=1), or null. */
function levelsOf(file) {
  const levelsFile = file.replace(/\.csv$/, '') + '.levels.csv';
  if (!existsSync(levelsFile)) return null;
  return readFileSync(levelsFile, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[1]));
}

/** Whether second i begins an onset: its drawing level above the one before. */
const onsetAt = (levels, i) => i > 0 && i < levels.length && levels[i] > levels[i - 1];
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** A policy that also counts the seconds its urgent queue was empty. */
function countingEmpty(inner) {
  let emptyS = 0;
  const policy = {
    name: inner.name,
    decide(tS, dtS, views) {
      const view = views.find((v) => v.service === urgent);
      if (view && view.queue <= 0) emptyS += dtS;
      return inner.decide(tS, dtS, views);
    },
  };
  return { policy, emptyS: () => emptyS };
}

function run(trace, policy) {
  const result = simulate(scenario, trace, policy);
  const score = urgentOf(result.score);
  return { sla: score.slaViolationS, util: result.score.utilization * 100, started: score.started };
}

/** The reacting reference with k spare, and the seconds its urgent queue was empty. */
function reacting(trace, k) {
  const counted = countingEmpty(reactingPolicy({ scenario, trace }, k));
  return { ...run(trace, counted.policy), emptyS: counted.emptyS() };
}

/** The onset-aware reference with k spare (above), and the seconds its urgent queue was empty. */
function onsetAware(trace, levels, k) {
  const rate = (i) => trace.columns.get(column)[Math.max(0, Math.min(i, levels.length - 1))];
  let reacting = false;
  const spares = [];
  const policy = countPolicy(`onset-aware reference, ${k} spare`, pool, (tS, dtS, view) => {
    const i = Math.floor(tS + 1e-9);
    const onset = onsetAt(levels, i);
    if (onset && !reacting) spares.push(view.actual.running + view.actual.starting - containersFor(view.service, rate(i - 1)));
    reacting = onset || (reacting && view.queue > 0);
    const { max } = view.service.config;
    if (reacting) return view.queue > 0 ? max : Math.min(max, containersFor(view.service, view.measuredArrivalRate) + k);
    // Between bursts: the need of this second's arrivals and of the next's (a container asked for now
    // runs a start later; the next second is not looked at when it is an onset) and of any queue
    // within a tick, + k.
    const ahead = onsetAt(levels, i + 1) ? 0 : rate(i + 1);
    return Math.min(max, containersFor(view.service, Math.max(view.arrivalRate, ahead) + view.queue / dtS) + k);
  });
  const counted = countingEmpty(policy);
  const seen = atOnsets(counted.policy, levels);
  const result = run(trace, seen.policy);
  return { ...result, emptyS: counted.emptyS(), spareAtOnsets: spares.length ? mean(spares) : k, onsets: seen.summary() };
}

/**
 * What a policy meets the onsets with: the urgent queue and its containers (running + starting) half a
 * second before each, and how long after it URGENT_MOST of them are live (within 10 s; the mean).
 */
const URGENT_MOST = 25;
function atOnsets(inner, levels) {
  const before = [];
  const reached = [];
  let pending = null;
  const policy = {
    name: inner.name,
    decide(tS, dtS, views) {
      const view = views.find((v) => v.service === urgent);
      const live = view.actual.running + view.actual.starting;
      const next = Math.floor(tS + 0.5 + 1e-9);
      if (Math.abs(next - 0.5 - tS) < 1e-9 && onsetAt(levels, next)) {
        before.push({ queue: view.queue, live });
        pending = next;
      }
      if (pending !== null && tS >= pending && live >= URGENT_MOST) {
        reached.push(tS - pending);
        pending = null;
      } else if (pending !== null && tS > pending + 10) pending = null;
      return inner.decide(tS, dtS, views);
    },
  };
  const summary = () =>
    `queue ${mean(before.map((b) => b.queue)).toFixed(0)} and ${mean(before.map((b) => b.live)).toFixed(2)} containers half a second before an onset, ${URGENT_MOST} live ${mean(reached).toFixed(2)} s after it`;
  return { policy, summary };
}

/** The lower convex hull of points [x, y] sorted by x (y non-increasing): its value at x. */
function hullAt(points, x) {
  const hull = [];
  for (const p of points) {
    while (hull.length >= 2) {
      const [a, b] = hull.slice(-2);
      if ((b[1] - a[1]) * (p[0] - a[0]) >= (p[1] - a[1]) * (b[0] - a[0])) hull.pop();
      else break;
    }
    hull.push(p);
  }
  for (let i = 1; i < hull.length; i++)
    if (x <= hull[i][0]) return hull[i - 1][1] + ((hull[i][1] - hull[i - 1][1]) * (x - hull[i - 1][0])) / (hull[i][0] - hull[i - 1][0]);
  return hull[hull.length - 1][1];
}

/** The least mean spare s in [0, K] whose hull value is within the goal (bisection on the hull), or undefined. */
function leastSpare(points, goal) {
  if (hullAt(points, points[points.length - 1][0]) > goal) return undefined;
  if (points[0][1] <= goal) return 0;
  let lo = 0;
  let hi = points[points.length - 1][0];
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (hullAt(points, mid) <= goal) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The containers each onset must start beyond the need held before it (x_b, before any spare): a burst
 * at its level for d s must be worked by at least n containers with its first d − G s of arrivals (G: the
 * seconds goal, all of it spent on this burst, a generous allowance) over the SLA's queue at most:
 * n ≥ (A(d − G) − SLA) ÷ (μ·(d − G)), even if all n ran from its first second.
 */
function startsNeeded(trace, levels, goalS) {
  const counts = trace.columns.get(column);
  const mu = urgent.simulation.ratePerContainer;
  const slaQueue = urgent.simulation.sla.queueLength;
  const out = [];
  for (let i = 1; i < levels.length; i++) {
    if (!onsetAt(levels, i)) continue;
    let end = i + 1;
    while (end < levels.length && levels[end] === levels[i]) end++;
    const spanS = end - i - goalS;
    let n = 0;
    if (spanS > 0) {
      let arrived = 0;
      for (let t = i; t < i + spanS; t++) arrived += counts[t] ?? 0;
      n = Math.ceil((arrived - slaQueue) / (mu * spanS) - 1e-9);
    }
    out.push(Math.max(0, Math.min(urgent.config.max, n) - containersFor(urgent, counts[i - 1] ?? 0)));
  }
  return out;
}

function onsetFloor(file, trace, levels, slaGoal, utilGoal, ours) {
  const rows = [];
  for (let k = 0; k <= maxSpare; k++) {
    const r = onsetAware(trace, levels, k);
    const prev = rows[rows.length - 1];
    // At most k spare includes fewer: the floor is the least over 0..k.
    rows.push({ k, sla: Math.min(r.sla, prev ? prev.sla : Infinity), own: r });
    if (r.sla <= slaGoal) break;
  }
  // What a mean spare s at the onsets costs at least, in slots doing no work (÷ pool × duration):
  // s idle containers through the seconds the queue is empty (point 2), and the starts the bursts
  // need beyond it: Σ max(0, x_b − s_b) ≥ Σ x_b − B·s starts, each holding its slot for the start
  // latency and the lower-priority container it displaces for its stop, and all but a pool's worth
  // stopped again: its stop, and the slot empty until something starts in it (a background container's
  // start: the next burst comes later than that).
  const x = startsNeeded(trace, levels, slaGoal);
  const { startS, stopS } = scenarioLatencies;
  const idleAt = (spare, emptyS) => {
    const starts = Math.max(0, x.reduce((a, b) => a + b, 0) - x.length * spare);
    return spare * emptyS + (starts + Math.max(0, starts - pool)) * (startS + stopS);
  };
  const ceilingAt = (spare, emptyS) => 100 * (1 - idleAt(spare, emptyS) / (pool * trace.durationS));
  for (const r of rows) r.ceiling = ceilingAt(r.k, r.own.emptyS);
  const points = rows.map((r) => [r.k, r.sla]);
  const s = leastSpare(points, slaGoal);
  // The ceiling at a fractional s: with the empty seconds of the whole spare below it (fewer spare
  // containers leave the queue empty less often, so this is the more generous of the two).
  const ceiling = s === undefined ? undefined : ceilingAt(s, rows[Math.floor(s)].own.emptyS);
  const kind = s === undefined ? 'floor (seconds)' : ceiling >= utilGoal ? 'not settled' : 'floor (both)';
  const onsets = levels.filter((_, i) => onsetAt(levels, i)).length;
  if (process.env.MD) {
    const cells = [0, 1, 2, 4].map((k) => (rows[k] ? `${rows[k].sla} / ${rows[k].ceiling.toFixed(1)}` : '—')).join('; ');
    console.log(
      `| ${file.split('/').pop()} | ${onsets} | ${+slaGoal.toFixed(2)} s / ${utilGoal.toFixed(1)} % | ${ours.sla} / ${ours.util.toFixed(1)} | ${cells} | ${s === undefined ? `> ${maxSpare}` : `${s.toFixed(2)}: ≤ ${ceiling.toFixed(1)} %`} | ${kind} |`,
    );
    return;
  }
  console.log(
    `${file}: ${onsets} onsets; goals ≤ ${+slaGoal.toFixed(2)} s over the SLA, utilisation ≥ ${utilGoal.toFixed(1)} %; the sla target ${ours.sla} s / ${ours.util.toFixed(1)} %`,
  );
  console.log(`  at the onsets: the sla target ${ours.onsets}; the reference at k = 0 ${rows[0].own.onsets}`);
  for (const r of rows)
    console.log(
      `  spare ${String(r.k).padStart(2)} at every onset: ≥ ${String(r.sla).padStart(5)} s over the SLA, utilisation ≤ ${r.ceiling.toFixed(1)} % (the reference itself: ${r.own.sla} s, ${r.own.util.toFixed(1)} %, ${r.own.started} starts, ${r.own.spareAtOnsets.toFixed(2)} spare at onsets)`,
    );
  console.log(
    `  => ${
      s === undefined
        ? `no mean spare ≤ ${maxSpare} meets ≤ ${+slaGoal.toFixed(2)} s: no reacting controller meets the seconds goal`
        : ceiling >= utilGoal
          ? `not settled: a mean spare of ${s.toFixed(2)} allows the seconds at utilisation up to ${ceiling.toFixed(1)} ≥ ${utilGoal.toFixed(1)}`
          : `the seconds need a mean spare of ${s.toFixed(2)} at the onsets, which allows utilisation ${ceiling.toFixed(1)} at most < ${utilGoal.toFixed(1)}: no reacting controller meets both`
    }`,
  );
}

if (process.env.MD && process.env.ONSETS) {
  console.log(
    '| trace | onsets | goals: s over ≤ / util ≥ | sla target | floor at k = 0, 1, 2, 4 spare at every onset (s over / util at most) | least mean spare at onsets for the seconds goal: util at most | verdict |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
} else if (process.env.MD) {
  console.log(
    '| trace | goals: s over ≤ / util ≥ | sla target | floor at k = 0, 1, 2, 4 spare (s over / util at most) | least k for the seconds goal: s, util at most (the reference: util, starts) | verdict |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
}
for (const file of files) {
  const trace = await loadTrace(file);
  const base = Object.fromEntries(['hpa', 'keda', 'kpa', 'oracle'].map((p) => [p, run(trace, createPolicy(p, { scenario, trace }))]));
  const levels = levelsOf(file);
  const oursSeen = levels ? atOnsets(createPolicy('microscale', { scenario, trace }), levels) : null;
  const ours = { ...run(trace, oursSeen?.policy ?? createPolicy('microscale', { scenario, trace })), onsets: oursSeen?.summary() };
  const slaGoal = Math.min(
    0.1 * Math.min(base.hpa.sla, base.keda.sla),
    0.5 * base.kpa.sla,
    Math.max(2 * base.oracle.sla, base.oracle.sla + 5),
  );
  const utilGoal = base.oracle.util - 3;
  if (levels) {
    onsetFloor(file, trace, levels, slaGoal, utilGoal, ours);
    continue;
  }
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
