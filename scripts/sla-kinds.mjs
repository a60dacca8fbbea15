// Per kind of trace, what scripts/sla-sweep.mjs found for the sla target, and why each goal was missed:
//   V=1 ONLY=base,queueOnly,slow,wait2s SEEDS=41,42,43,44,45,46,47,48 KINDS=new node scripts/sla-sweep.mjs > sweep.txt
//   node scripts/sla-kinds.mjs sweep.txt            # MD=1: markdown rows (docs/simulator.md "New shapes (session 5)")
// For each variant in the sweep's output it runs scripts/sla-reactive-bound.mjs on the same traces
// ($TMPDIR/microscale-sla-sweep/KIND-SEED-SCALE.csv, the variant's YAML beside them), both the
// present-knowing reference (holds what the arrival rate read now and the queue need, no foresight) and
// GREEDY=1 (bench control's reacting reference: the whole pool whenever a queue waits). A miss on seconds
// over the SLA is
//   - "foresight" when the greedy reference misses the same threshold too: no reaction meets it;
//   - "trade" when the greedy one meets it but the present-knowing one does not: reacting faster meets
//     it, at the greedy reference's utilisation (tens of points under the oracle's);
//   - "controller's" when even the present-knowing reference, which holds no more than the need, meets it.
// A utilisation miss (more than 3 points under the oracle) is counted as "util", with the references'
// utilisation beside it. One-service variants only (the references drive one sla service).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [, , sweepFile] = process.argv;
if (!sweepFile) {
  console.error('usage: node scripts/sla-kinds.mjs SWEEP_OUTPUT (from V=1 node scripts/sla-sweep.mjs)');
  process.exit(2);
}
const dir = join(tmpdir(), 'microscale-sla-sweep');
const traces = []; // { variant, kind, seed, cells, goals }
for (const line of readFileSync(sweepFile, 'utf8').split('\n')) {
  const m = line.match(/^ {2}(\S+)\s+(\S+) (\d+)\s+(.*)$/);
  if (!m) continue;
  const [, variant, kind, seed, rest] = m;
  const cell = (p) => {
    const x = rest.match(new RegExp(`${p}\\d* (\\S+)\\/(\\S+)\\/(\\S+)`));
    return { v: Number(x[1]), st: Number(x[2]), util: Number(x[3]) };
  };
  const cells = { micro: cell('micro'), hpa: cell('hpa'), keda: cell('keda'), kpa: cell('kpa'), oracle: cell('oracl') };
  const goals = rest.includes('MISS') ? rest.split('MISS ')[1].split(', ') : [];
  traces.push({ variant, kind, seed, cells, goals });
}
if (traces.length === 0) {
  console.error(`${sweepFile}: no per-trace lines (run scripts/sla-sweep.mjs with V=1)`);
  process.exit(2);
}
// The references, per variant, on every trace file of it (the scale the sweep used is in the file name).
const refs = new Map();
for (const variant of new Set(traces.map((t) => t.variant))) {
  const mine = traces.filter((t) => t.variant === variant);
  const yaml = readFileSync(join(dir, `${variant}.yaml`), 'utf8');
  const pool = Number(yaml.match(/capacity: (\d+)/)[1]);
  const rate = Number(yaml.match(/ratePerContainer: ([\d.]+)/)[1]);
  const scale = Math.round(((pool * rate) / 600) * 1000) / 1000;
  const files = mine.map((t) => join(dir, `${t.kind}-${t.seed}-${scale}.csv`));
  for (const greedy of [false, true]) {
    const out = execFileSync(
      process.execPath,
      [new URL('./sla-reactive-bound.mjs', import.meta.url).pathname, join(dir, `${variant}.yaml`), ...files],
      {
        encoding: 'utf8',
        env: { ...process.env, GREEDY: greedy ? '1' : '' },
      },
    );
    for (const l of out.trim().split('\n')) {
      const r = l.match(/\/([a-z-]+)-(\d+)-[\d.]+\.csv: ([\d.]+) s over the SLA \/ ([\d.]+) % \/ (\d+)/);
      if (r) refs.set(`${variant}|${r[1]}|${r[2]}|${greedy}`, { v: Number(r[3]), util: Number(r[4]), st: Number(r[5]) });
    }
  }
}
const rows = new Map();
for (const t of traces) {
  const key = `${t.variant}|${t.kind}`;
  if (!rows.has(key))
    rows.set(key, {
      variant: t.variant,
      kind: t.kind,
      n: 0,
      met: 0,
      missed: 0,
      worst: Infinity,
      dominated: 0,
      sla: 0,
      oracle: 0,
      ref: 0,
      greedy: 0,
      starts: 0,
      oracleStarts: 0,
      util: 0,
      refUtil: 0,
      greedyUtil: 0,
      why: { foresight: 0, trade: 0, controller: 0, util: 0 },
    });
  const a = rows.get(key);
  const { micro, hpa, keda, kpa, oracle } = t.cells;
  const ref = refs.get(`${key}|${t.seed}|false`);
  const greedy = refs.get(`${key}|${t.seed}|true`);
  a.n++;
  if (t.goals.length === 0) a.met++;
  a.missed += t.goals.length;
  a.worst = Math.min(a.worst, micro.util - oracle.util);
  a.sla += micro.v;
  a.oracle += oracle.v;
  a.ref += ref?.v ?? Number.NaN;
  a.greedy += greedy?.v ?? Number.NaN;
  a.starts += micro.st;
  a.oracleStarts += oracle.st;
  a.util += micro.util;
  a.refUtil += ref?.util ?? Number.NaN;
  a.greedyUtil += greedy?.util ?? Number.NaN;
  for (const g of t.goals) {
    if (g.startsWith('dominated')) a.dominated++;
    else if (g.startsWith('util')) a.why.util++;
    else {
      const threshold = g.includes('hpa/keda')
        ? 0.1 * Math.min(hpa.v, keda.v)
        : g.includes('kpa')
          ? 0.5 * kpa.v
          : Math.max(2 * oracle.v, oracle.v + 5);
      if (greedy && greedy.v > threshold) a.why.foresight++;
      else if (ref && ref.v > threshold) a.why.trade++;
      else a.why.controller++;
    }
  }
}
const num = (x) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
if (process.env.MD) {
  console.log(
    '| variant | kind | meet every goal | goals missed (why) | worst util gap | dominated | SLA s: sla target / present-knowing / greedy / oracle | mean util %: sla target / present-knowing / greedy | P1 starts (oracle) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
}
for (const a of rows.values()) {
  const w = a.why;
  const why = [
    w.foresight && `${w.foresight} foresight`,
    w.trade && `${w.trade} trade`,
    w.controller && `${w.controller} controller's`,
    w.util && `${w.util} util`,
  ]
    .filter(Boolean)
    .join(', ');
  const util = `${(a.util / a.n).toFixed(1)} / ${(a.refUtil / a.n).toFixed(1)} / ${(a.greedyUtil / a.n).toFixed(1)}`;
  if (process.env.MD)
    console.log(
      `| ${a.variant} | ${a.kind} | ${a.met}/${a.n} | ${a.missed}${why ? ` (${why})` : ''} | ${a.worst.toFixed(1)} | ${a.dominated} | ${num(a.sla)} / ${num(a.ref)} / ${num(a.greedy)} / ${num(a.oracle)} | ${util} | ${a.starts} (${a.oracleStarts}) |`,
    );
  else
    console.log(
      `${a.variant.padEnd(10)} ${a.kind.padEnd(11)} ${a.met}/${a.n} missed ${a.missed}${why ? ` (${why})` : ''}  worst ${a.worst.toFixed(1)}  dominated ${a.dominated}  SLA s ${num(a.sla)} / ${num(a.ref)} / ${num(a.greedy)} / ${num(a.oracle)}  util ${util}  starts ${a.starts} (${a.oracleStarts})`,
    );
}
