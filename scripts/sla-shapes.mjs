// Held-out demand traces for tuning the sla controller on shapes bench control does not ship (the
// acceptance set is hidden, so tune on many): seedable, Poisson noise per second.
//   node scripts/sla-shapes.mjs KIND SEED OUT.csv
// KIND: bursts (base 20-40 msg/s, bursts of 5-40 s at BLO..BLO+BSPAN x base, env, default 4..12),
// flash (a flat base, then a sudden rise to 300-550 msg/s decaying over 2-9 min), poisson-sine (a noisy
// wave, 10-30 min period), onoff (on/off periods of 30-270 s), nasa2d (the NASA per-minute trace
// compressed to 2 s rows, SEED = multiplier), nasasec (the NASA per-second trace, SEED = multiplier).
// SCALE=k multiplies the generated kinds' rates before the Poisson draw (a pool of another size or
// rate per container: the noise stays that of counts at the new rate); default 1, the tables' traces.
import { readFileSync, writeFileSync } from 'node:fs';
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}
const SCALE = Number(process.env.SCALE ?? 1);
function poisson(r, rate) {
  const lam = rate * SCALE;
  if (lam > 30) {
    const u1 = r(),
      u2 = r();
    return Math.max(0, Math.round(lam + Math.sqrt(lam) * Math.sqrt(-2 * Math.log(u1 + 1e-12)) * Math.cos(2 * Math.PI * u2)));
  }
  let L = Math.exp(-lam),
    k = 0,
    p = 1;
  do {
    k++;
    p *= r();
  } while (p > L);
  return k - 1;
}
function write(name, rows) {
  writeFileSync(name, 't_s,orders\n' + rows.map(([t, v]) => `${t},${v.toFixed(3)}`).join('\n') + '\n');
}
const [, , kind, seedS, out] = process.argv;
const seed = Number(seedS);
const r = rng(seed * 7919 + 13);
const rows = [];
// One row per line of a shared NASA trace, STEP seconds apart, its count times SEED.
function readNasa(file, step) {
  const dir = process.env.MICROSCALE_SHARED ?? new URL('../../shared', import.meta.url).pathname;
  const lines = readFileSync(`${dir}/traces/${file}`, 'utf8').trim().split('\n').slice(1);
  lines.forEach((l, i) => rows.push([i * step, Number(l.split(',')[1]) * seed]));
}
if (kind === 'bursts') {
  // base ~1-2 containers, bursts of 5-40 s to 5-12x base
  const base = 20 + r() * 20;
  let t;
  let burstEnd = -1,
    level = base;
  for (t = 0; t < 1800; t++) {
    if (t >= burstEnd) {
      level = base;
      if (r() < 1 / 45) {
        burstEnd = t + 5 + Math.floor(r() * 35);
        level = base * (Number(process.env.BLO ?? 4) + r() * Number(process.env.BSPAN ?? 8));
      }
    }
    rows.push([t, poisson(r, level)]);
  }
} else if (kind === 'flash') {
  // flat, then flash crowd: sudden ramp to high, decaying
  const base = 30 + r() * 40,
    peak = 300 + r() * 250,
    at = 400 + Math.floor(r() * 600),
    decay = 120 + r() * 400;
  for (let t = 0; t < 1800; t++) {
    const lvl = t < at ? base : base + (peak - base) * Math.exp(-(t - at) / decay) * Math.min(1, (t - at + 1) / (2 + r() * 0));
    rows.push([t, poisson(r, lvl)]);
  }
} else if (kind === 'poisson-sine') {
  // noisy per-second over a slow wave
  const lo = 20 + r() * 40,
    hi = 200 + r() * 250,
    per = 600 + r() * 1200;
  for (let t = 0; t < 3600; t++) rows.push([t, poisson(r, lo + ((hi - lo) * (1 - Math.cos((2 * Math.PI * t) / per))) / 2)]);
} else if (kind === 'onoff') {
  // on/off periods of minutes
  let t = 0;
  while (t < 3600) {
    const on = r() < 0.5;
    const len = 30 + Math.floor(r() * 240);
    const lvl = on ? 150 + r() * 300 : 10 + r() * 30;
    for (let i = 0; i < len && t < 3600; i++, t++) rows.push([t, poisson(r, lvl)]);
  }
} else if (kind === 'nasa2d') {
  // NASA 2 days per-minute compressed: each minute -> 2 s
  readNasa('trace-nasa-http-1995-07-05-per-minute.csv', 2);
} else if (kind === 'nasasec') {
  readNasa('trace-nasa-http-1995-07-busiest30min-per-second.csv', 1);
}
write(out, rows);
