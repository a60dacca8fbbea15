// A reference for the SLA misses: what a controller that knows the present exactly, but not the
// future, reaches. Each tick it holds (the arrival rate read now + the queue cleared within the lead
// time) ÷ rate per container, + H spare containers (env H, default 0), through the same arbiter,
// latencies and scoring as every policy; the rate is read one tick late, as a live metric reads it
// (and as microscale sees it). Where this misses a goal the oracle meets, the oracle's foresight is
// what meets it: no reacting controller does better without holding spare containers (H > 0 shows
// what those cost in utilisation). GREEDY=1 runs bench control's reacting reference instead
// (src/simulator/policies/reacting.ts: the whole pool whenever a queue is waiting, the rate's need + H
// otherwise): the fastest drain a reacting controller has, at any cost in utilisation. EDGE=S (seconds)
// holds the H spare containers only around the moments the trace's rows change (every S s: NASA per
// minute's 60), from the latest ask that has them running at the change (stop + start before it) to
// the first tick that sees the new row: what a controller that anticipates WHEN the rate changes (not
// by how much) reaches. That is a forecast of the moment, not a reaction to the present.
//   npm run build && node scripts/sla-reactive-bound.mjs traces/scenario.yaml traces/step.csv nasa:min ...
// A trace is a CSV or nasa:min / nasa:sec (the NASA traces scaled as `bench control` scales them).
import { reactingPolicy } from '../dist/simulator/policies/reacting.js';
import { loadNasaTraces } from '../dist/simulator/nasa.js';
import { simulate } from '../dist/simulator/run.js';
import { loadScenario } from '../dist/simulator/scenario.js';
import { urgentOf } from '../dist/simulator/score.js';
import { loadTrace } from '../dist/simulator/trace.js';
import { countPolicy } from '../dist/simulator/policy.js';

const [, , scenarioPath, ...files] = process.argv;
const scenario = await loadScenario(scenarioPath);
const urgent = scenario.services.find((s) => s.simulation);
const spare = Number(process.env.H ?? 0);
const greedy = Boolean(process.env.GREEDY);
const edgeS = process.env.EDGE ? Number(process.env.EDGE) : undefined;
const longestStopS = Math.max(0, ...scenario.services.map((s) => s.stopLatencyMs / 1000));
const raiseS = urgent.startLatencyMs / 1000 + longestStopS;
/** Whether the spare is held at tS: always, or with EDGE only from `raiseS` before a row change to the tick after it. */
function spareAt(tS, dtS) {
  if (edgeS === undefined) return spare;
  const phaseS = tS % edgeS;
  return phaseS >= edgeS - raiseS - 1e-9 || phaseS < dtS - 1e-9 ? spare : 0;
}
for (const file of files) {
  let trace;
  if (file.startsWith('nasa:')) {
    const nasa = await loadNasaTraces(urgent.simulation.column, 0.9 * urgent.config.max * urgent.simulation.ratePerContainer);
    trace = nasa.traces[file === 'nasa:min' ? 0 : 1].trace;
  } else trace = await loadTrace(file);
  const policy = countPolicy('reactive bound', scenario.config.capacity, (tS, dtS, view, simulation) => {
    const leadS = view.service.startLatencyMs / 1000 + longestStopS + dtS;
    return Math.ceil((view.measuredArrivalRate + view.queue / leadS) / simulation.ratePerContainer) + spareAt(tS, dtS);
  });
  const result = simulate(scenario, trace, greedy ? reactingPolicy({ scenario, trace }, spare) : policy);
  const score = urgentOf(result.score);
  console.log(
    `${file}: ${score.slaViolationS} s over the SLA / ${(result.score.utilization * 100).toFixed(1)} % / ${score.started} P1 starts`,
  );
}
