// A lower bound on the seconds over the SLA for ANY controller that does not know the future, on a
// trace that is flat until its first rise (traces/step.csv, traces/spike.csv), and the utilisation
// such a controller can reach at most. Issue 16's goals ask for both at once; where no count meets
// both, no controller does (the misses of `bench control` on those traces are this floor).
//   npm run build && node scripts/sla-floor.mjs traces/scenario.yaml traces/step.csv traces/spike.csv
//
// The argument. Until the first tick whose arrivals metric shows the rise, a controller's input is the
// same as on the flat trace, so it holds what it holds there: some count n0 of the urgent service
// (a controller that is not told the time holds a steady count on a steady input). After that tick no
// controller can have more of the urgent service running at any moment than one that asks for the
// whole pool at that very tick and keeps it (it pre-empts every background container at once, and
// its containers start as soon as the slots are free, through the same arbiter and latencies), so
// that policy's seconds over the SLA, run here through the simulator, are a lower bound for every
// controller holding n0 at the rise. Utilisation: each of the n0 − need containers beyond the flat
// part's need is idle for the whole flat part, and each urgent container added after the rise holds
// its slot for a background stop and its own start doing no work, so
//   utilisation ≤ 1 − ((n0 − need_flat) · t_rise + (need_after − n0)⁺ · (stop + start)) / (pool · T).
// Whole containers only: between two counts, a controller's count at the (unknown) moment of the rise
// is one or the other. Leaving slots empty instead (so that a start need not wait for a background
// stop) costs the same utilisation as an idle urgent container and does less: the idle container is
// already running at the rise.
import { createPolicy } from '../dist/simulator/policies/index.js';
import { simulate } from '../dist/simulator/run.js';
import { loadScenario } from '../dist/simulator/scenario.js';
import { urgentOf } from '../dist/simulator/score.js';
import { loadTrace } from '../dist/simulator/trace.js';
import { countPolicy } from '../dist/simulator/policy.js';

const [, , scenarioPath, ...files] = process.argv;
if (!scenarioPath || files.length === 0) {
  console.error('usage: node scripts/sla-floor.mjs SCENARIO.yaml TRACE.csv ... (traces flat until their first rise)');
  process.exit(2);
}
const scenario = await loadScenario(scenarioPath);
const urgent = scenario.services.find((s) => s.simulation);
const { capacity } = scenario.config;
const rate = urgent.simulation.ratePerContainer;
const longestStopS = Math.max(0, ...scenario.services.map((s) => s.stopLatencyMs / 1000));
const startS = urgent.startLatencyMs / 1000;

function figures(trace, policy) {
  const result = simulate(scenario, trace, policy);
  const score = urgentOf(result.score);
  return { sla: score.slaViolationS, util: result.score.utilization * 100 };
}

for (const file of files) {
  const trace = await loadTrace(file);
  const column = trace.columns.get(urgent.simulation.column);
  const flat = column[0];
  const riseIndex = column.findIndex((v) => v !== flat);
  if (riseIndex < 0 || column[riseIndex] < flat + rate) {
    console.error(`${file}: not flat until a first rise of at least one container's work (the bound needs one); skipped`);
    continue;
  }
  const riseS = trace.timesS[riseIndex];
  const after = column[riseIndex];
  const needFlat = Math.ceil(flat / rate - 1e-9);
  const needAfter = Math.min(urgent.config.max, Math.ceil(after / rate - 1e-9));
  const baselines = Object.fromEntries(
    ['hpa', 'keda', 'kpa', 'oracle'].map((name) => [name, figures(trace, createPolicy(name, { scenario, trace }))]),
  );
  const oracle = baselines.oracle;
  const slaGoal = Math.min(
    0.1 * Math.min(baselines.hpa.sla, baselines.keda.sla),
    0.5 * baselines.kpa.sla,
    Math.max(2 * oracle.sla, oracle.sla + 5),
  );
  const utilGoal = oracle.util - 3;
  console.log(
    `${file}: flat ${flat} msg/s (need ${needFlat}) until t = ${riseS} s, then ${after} msg/s (need ${needAfter}); pool ${capacity}, start ${startS} s, stop ${longestStopS} s, tick ${scenario.config.intervalMs / 1000} s`,
  );
  console.log(
    `  goals: seconds over the SLA ≤ ${slaGoal} (hpa ${baselines.hpa.sla}, keda ${baselines.keda.sla}, kpa ${baselines.kpa.sla}, oracle ${oracle.sla}), utilisation ≥ ${utilGoal.toFixed(1)} % (oracle ${oracle.util.toFixed(1)})`,
  );
  console.log('  n0 at the rise | seconds over the SLA, at least | utilisation, at most | both goals');
  let any = false;
  for (let n0 = needFlat; n0 <= urgent.config.max; n0++) {
    let seen = false;
    const policy = countPolicy(`whole pool at the first visible rise, from ${n0}`, capacity, (_tS, _dtS, view) => {
      if (view.measuredArrivalRate > flat + 1e-9) seen = true;
      return seen ? view.service.config.max : n0;
    });
    const bound = figures(trace, policy);
    const idle = (n0 - needFlat) * riseS + Math.max(0, needAfter - n0) * (longestStopS + startS);
    const ceiling = 100 * (1 - idle / (capacity * trace.durationS));
    const both = bound.sla <= slaGoal && ceiling >= utilGoal;
    any ||= both;
    console.log(
      `  ${String(n0).padStart(14)} | ${String(bound.sla).padStart(30)} | ${ceiling.toFixed(1).padStart(20)} | ${both ? 'possible' : 'no'}`,
    );
    if (ceiling < utilGoal - 20) break;
  }
  console.log(
    `  => ${any ? 'some count may meet both goals' : 'no controller that does not know the future meets both goals on this trace'}`,
  );
}
