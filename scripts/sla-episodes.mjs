// Where the seconds over the SLA come from, burst by burst: the sla target against bench control's
// reacting reference (src/simulator/policies/reacting.ts: the rate's need + k spare, the whole pool
// whenever a queue waits) at k = 0, 1, 2 on the same trace, through the same arbiter and latencies.
//   npm run build && node scripts/sla-episodes.mjs traces/scenario-sla.yaml bursts10.csv ...
// Per episode (the SLA broken by any of the policies; episodes less than 10 s apart are one): the onset
// (the tick the arrivals first outran what the sla target ran), the rate before → at the onset → its
// peak, and per policy: containers running at the onset + starting, the queue then, when the policy
// first asked for its max (s after the onset; negative: before the rise showed, on a queue of a few
// messages of noise), the queue's peak and the seconds over the SLA. SUM=1 prints only a line per trace.
import { createPolicy } from '../dist/simulator/policies/index.js';
import { reactingPolicy } from '../dist/simulator/policies/reacting.js';
import { simulate } from '../dist/simulator/run.js';
import { loadScenario } from '../dist/simulator/scenario.js';
import { urgentOf } from '../dist/simulator/score.js';
import { loadTrace } from '../dist/simulator/trace.js';

const [, , scenarioPath, ...files] = process.argv;
if (!scenarioPath || files.length === 0) {
  console.error('usage: node scripts/sla-episodes.mjs SCENARIO.yaml TRACE.csv ... (SUM=1: a line per trace)');
  process.exit(2);
}
const scenario = await loadScenario(scenarioPath);
const urgent = scenario.services.find((s) => s.simulation);
const bound = urgent.simulation.sla;
if (!bound || !('queueLength' in bound)) throw new Error('sla-episodes needs a queueLength SLA on the urgent service');
const slaQueue = bound.queueLength;
const rate = urgent.simulation.ratePerContainer;
const max = urgent.config.max;
const policies = { sla: null, ref0: 0, ref1: 1, ref2: 2 };

for (const file of files) {
  const trace = await loadTrace(file);
  const runs = {};
  for (const [name, spare] of Object.entries(policies)) {
    const inner = spare === null ? createPolicy('microscale', { scenario, trace }) : reactingPolicy({ scenario, trace }, spare);
    const rows = [];
    const policy = {
      name: inner.name,
      decide(tS, dtS, views) {
        const plan = inner.decide(tS, dtS, views);
        const v = views.find((x) => x.service === urgent);
        rows.push({
          t: tS,
          dt: dtS,
          a: v.arrivalRate,
          m: v.measuredArrivalRate,
          q: v.queue,
          run: v.actual.running,
          st: v.actual.starting,
          ask: plan.get(urgent.config.name),
        });
        return plan;
      },
    };
    const result = simulate(scenario, trace, policy);
    const score = urgentOf(result.score);
    runs[name] = { rows, sla: score.slaViolationS, util: result.score.utilization * 100, started: score.started };
  }
  const head = Object.entries(runs)
    .map(([p, r]) => `${p} ${r.sla} s / ${r.util.toFixed(1)} % / ${r.started}`)
    .join(', ');
  // Episodes: ticks over the SLA in any run, merged when less than 10 s apart.
  const ticks = runs.sla.rows.length;
  const over = Array.from({ length: ticks }, (_, i) => Object.values(runs).some((r) => (r.rows[i]?.q ?? 0) > slaQueue));
  const episodes = [];
  for (let i = 0; i < ticks; i++) {
    if (!over[i]) continue;
    const last = episodes[episodes.length - 1];
    const dt = runs.sla.rows[i].dt || 0.5;
    if (last && i - last[1] <= 10 / dt) last[1] = i;
    else episodes.push([i, i]);
  }
  const rows = runs.sla.rows;
  const totals = Object.fromEntries(Object.keys(runs).map((p) => [p, 0]));
  const lines = [];
  // The sla target's seconds beyond ref0's, by the first cause that applies to the episode.
  const causes = {
    'ref0 asked its max before the rise showed (on a queue of noise)': 0,
    'ref0 asked its max on a queue of a few messages before the jump showed in the rate': 0,
    'the sla target asked its max later': 0,
    'a queue waited at the onset': 0,
    'fewer running at the onset': 0,
    other: 0,
  };
  for (const [first, lastOver] of episodes) {
    let onset = first;
    while (onset > 0 && rows[onset - 1].a > rows[onset - 1].run * rate && first - onset < 120) onset--;
    const end = Math.min(ticks, lastOver + 1);
    const peakRate = Math.max(...rows.slice(onset, end).map((r) => r.a));
    const cells = [];
    const seen = {};
    for (const [p, run] of Object.entries(runs)) {
      const r = run.rows;
      let seconds = 0;
      let peak = 0;
      for (let i = onset; i < end; i++) {
        if (r[i].q > slaQueue) seconds += r[i].dt || 0.5;
        peak = Math.max(peak, r[i].q);
      }
      totals[p] += seconds;
      // When the max was asked for that this episode ran on: the run of max asks holding at the onset
      // (traced back), else the first one after it.
      let at = onset;
      if (r[at].ask >= max) while (at > 0 && r[at - 1].ask >= max) at--;
      else while (at < end && r[at].ask < max) at++;
      const asked = at < end ? r[at].t - rows[onset].t : null;
      seen[p] = { seconds, asked, run: r[onset].run + r[onset].st, q: r[onset].q, rateSeen: at < end ? r[at].m : null };
      cells.push(
        `${p}: ${r[onset].run}+${r[onset].st} q ${r[onset].q.toFixed(0)} max@${asked === null ? '-' : asked.toFixed(1)} peak ${peak.toFixed(0)} over ${seconds}`,
      );
    }
    const gap = seen.sla.seconds - seen.ref0.seconds;
    if (gap !== 0) {
      const cause =
        seen.ref0.asked !== null && seen.ref0.asked < 0
          ? 'ref0 asked its max before the rise showed (on a queue of noise)'
          : seen.ref0.rateSeen !== null &&
              seen.ref0.rateSeen < 2 * seen.ref0.run * rate &&
              (seen.sla.asked === null || seen.sla.asked > seen.ref0.asked)
            ? 'ref0 asked its max on a queue of a few messages before the jump showed in the rate'
            : seen.sla.asked === null || (seen.ref0.asked !== null && seen.sla.asked > seen.ref0.asked)
              ? 'the sla target asked its max later'
              : seen.sla.q > 0.5
                ? 'a queue waited at the onset'
                : seen.sla.run < seen.ref0.run
                  ? 'fewer running at the onset'
                  : 'other';
      causes[cause] += gap;
    }
    const before = rows[Math.max(0, onset - 1)].a;
    lines.push(
      `  t ${rows[onset].t.toFixed(1)} ${before.toFixed(0)}→${rows[onset].a.toFixed(0)}..${peakRate.toFixed(0)} msg/s | ${cells.join(' | ')}`,
    );
  }
  console.log(`${file}: ${head}`);
  if (!process.env.SUM) for (const line of lines) console.log(line);
  console.log(
    `  ${episodes.length} episodes; seconds over within them: ${Object.entries(totals)
      .map(([p, s]) => `${p} ${s}`)
      .join(', ')}; the sla target − ref0 by cause: ${Object.entries(causes)
      .filter(([, v]) => v !== 0)
      .map(([c, v]) => `${c} ${v > 0 ? '+' : ''}${v}`)
      .join('; ')}`,
  );
}
