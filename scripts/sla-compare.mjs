// Every policy on every trace given, in one run, with issue 16's goals checked for microscale:
//   npm run build && node scripts/sla-compare.mjs traces/scenario-sla.yaml a.csv b.csv ...
// One line per trace: policy SLA-s/util%/P1-starts, then ok or the goals missed; a summary line.
// POL=microscale,oracle limits the policies (the goals needing the others are then skipped).
import { loadScenario } from '../dist/simulator/scenario.js';
import { loadTrace } from '../dist/simulator/trace.js';
import { simulate } from '../dist/simulator/run.js';
import { createPolicy } from '../dist/simulator/policies/index.js';
import { urgentOf } from '../dist/simulator/score.js';
const [, , scen, ...files] = process.argv;
const policies = (process.env.POL ?? 'microscale,hpa,keda,kpa,static,oracle').split(',');
const scenario = await loadScenario(scen);
let misses = 0;
let sv = 0,
  sgap = 0,
  sst = 0,
  minGap = 99;
for (const f of files) {
  const trace = await loadTrace(f);
  const res = {};
  for (const p of policies) {
    const r = simulate(scenario, trace, createPolicy(p, { scenario, trace }));
    const u = urgentOf(r.score);
    res[p] = { v: u.slaViolationS, util: r.score.utilization * 100, st: u.started };
  }
  const m = res.microscale;
  const line = policies.map((p) => `${p.slice(0, 5)} ${res[p].v.toFixed(1)}/${res[p].util.toFixed(1)}/${res[p].st}`).join('  ');
  const g = [];
  if (res.hpa && res.keda) {
    const b = Math.min(res.hpa.v, res.keda.v);
    if (m.v > 0.1 * b) g.push('hpa/keda');
  }
  if (res.kpa && m.v > 0.5 * res.kpa.v) g.push('kpa');
  if (res.oracle) {
    const o = res.oracle.v;
    if (m.v > Math.max(2 * o, o + 5)) g.push('oracleSLA');
    if (m.util < res.oracle.util - 3) g.push('util');
  }
  for (const p of ['hpa', 'keda', 'kpa', 'static']) {
    const b = res[p];
    if (!b) continue;
    if (b.v <= m.v && b.util >= m.util && b.st <= m.st && (b.v < m.v || b.util > m.util || b.st < m.st)) g.push('dom:' + p);
  }
  misses += g.length;
  sv += m.v;
  sst += m.st;
  if (res.oracle) {
    sgap += m.util - res.oracle.util;
    minGap = Math.min(minGap, m.util - res.oracle.util);
  }
  if (process.env.QUIET) continue;
  console.log(`${f.padEnd(14)} ${line}  ${g.length ? 'MISS ' + g.join(',') : 'ok'}`);
}
console.log(
  `${process.env.VARS ?? ''} misses ${misses} sumSLA ${sv.toFixed(1)} meanGap ${(sgap / files.length).toFixed(2)} minGap ${minGap.toFixed(2)} starts ${sst}`,
);
