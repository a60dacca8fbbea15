// Held-out demand traces for tuning the sla controller on shapes bench control does not ship (the
// acceptance set is hidden, so tune on many): seedable, Poisson noise per second.
//   node scripts/sla-shapes.mjs KIND SEED OUT.csv
// KIND: bursts (base 20-40 msg/s, bursts of 5-40 s at BLO..BLO+BSPAN x base, env, default 4..12),
// flash (a flat base, then a sudden rise to 300-550 msg/s decaying over 2-9 min), poisson-sine (a noisy
// wave, 10-30 min period), onoff (on/off periods of 30-270 s), nasa2d (the NASA per-minute trace
// compressed to 2 s rows, SEED = multiplier), nasasec (the NASA per-second trace, SEED = multiplier);
// added in session 5 (below newKind, one hour each): ramp, diurnal, sawtooth, drop, doublestep,
// staircase, cron, pareto, mmpp, growth, lowrare.
// LEVELS=1 also writes OUT.levels.csv: the level each second's Poisson count was drawn at (what no
// controller sees; scripts/sla-burst-floor.mjs reads the onsets from it). The draws are the same either way.
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
const NEW_KINDS = ['ramp', 'diurnal', 'sawtooth', 'drop', 'doublestep', 'staircase', 'cron', 'pareto', 'mmpp', 'growth', 'lowrare'];
const levels = [];
function poisson(r, rate) {
  const lam = rate * SCALE;
  levels.push(lam);
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
} else if (NEW_KINDS.includes(kind)) {
  newKind(kind);
} else {
  console.error(
    `sla-shapes: unknown KIND ${JSON.stringify(kind)}; one of bursts, flash, poisson-sine, onoff, nasa2d, nasasec, ${NEW_KINDS.join(', ')}`,
  );
  process.exit(2);
}
write(out, rows);
if (process.env.LEVELS && levels.length === rows.length)
  writeFileSync(
    out.replace(/\.csv$/, '') + '.levels.csv',
    't_s,level\n' + rows.map(([t], i) => `${t},${levels[i].toFixed(3)}`).join('\n') + '\n',
  );

// The kinds added in session 5 (shapes nobody had tuned on), sized like the others for a pool of 30 × 20
// msg/s (600 msg/s): a base of a container or two, peaks at 50–90 % of the pool. Only these branches
// draw differently, so the kinds above stay byte-identical (checked with cmp).
function newKind(k) {
  const T = 3600;
  const u = (lo, hi) => lo + r() * (hi - lo);
  const level = (f) => {
    for (let t = 0; t < T; t++) rows.push([t, poisson(r, Math.max(0, f(t)))]);
  };
  // A piecewise-linear path through [time, level] points, flat after the last.
  const path = (pts) => (t) => {
    for (let i = 1; i < pts.length; i++)
      if (t < pts[i][0]) return pts[i - 1][1] + ((pts[i][1] - pts[i - 1][1]) * (t - pts[i - 1][0])) / (pts[i][0] - pts[i - 1][0]);
    return pts[pts.length - 1][1];
  };
  if (k === 'ramp') {
    // Slow linear ramps up and down between random levels, each over 3–10 min.
    const pts = [[0, u(20, 60)]];
    for (let t = 0; t < T; ) pts.push([(t += Math.floor(u(180, 600))), pts.length % 2 ? u(250, 520) : u(20, 80)]);
    level(path(pts));
  } else if (k === 'diurnal') {
    // A day compressed into 20–40 min: a night trough, a morning peak and a higher afternoon one, with a
    // per-minute multiplicative wobble of ±15 % on top of the Poisson noise.
    const per = u(1200, 2400);
    const lo = u(20, 50);
    const hi = u(350, 520);
    const phase = r() * per;
    const wobble = Array.from({ length: Math.ceil(T / 60) + 1 }, () => 1 + u(-0.15, 0.15));
    level((t) => {
      const x = (2 * Math.PI * (t + phase)) / per;
      const shape = Math.max(0, (1 - Math.cos(x)) / 2 + 0.25 * Math.sin(2 * x)) / 1.15;
      return (lo + (hi - lo) * shape) * wobble[Math.floor(t / 60)];
    });
  } else if (k === 'sawtooth') {
    // A slow rise over 2–6 min, then a sudden drop back to the base.
    const lo = u(20, 60);
    let t0 = 0;
    let len = Math.floor(u(120, 360));
    let top = u(250, 520);
    level((t) => {
      if (t - t0 >= len) {
        t0 = t;
        len = Math.floor(u(120, 360));
        top = u(250, 520);
      }
      return lo + ((top - lo) * (t - t0)) / len;
    });
  } else if (k === 'drop') {
    // Sudden drops: high for 2–10 min, then a fall to low for 2–10 min (a slow climb back in between).
    const pts = [[0, u(300, 520)]];
    let t = 0;
    while (t < T) {
      t += Math.floor(u(120, 600));
      pts.push([t, pts[pts.length - 1][1]], [t + 1, u(15, 60)]);
      t += Math.floor(u(120, 600));
      pts.push([t, pts[pts.length - 1][1]], [(t += Math.floor(u(60, 240))), u(300, 520)]);
    }
    level(path(pts));
  } else if (k === 'doublestep') {
    // A step up, a second step up 5–120 s later (while the first is still being met), down after minutes.
    const base = u(20, 60);
    const pts = [[0, base]];
    for (let t = Math.floor(u(120, 400)); t < T; ) {
      const mid = u(120, 260);
      pts.push([t, base], [t + 1, mid]);
      t += Math.floor(u(5, 120));
      pts.push([t, mid], [t + 1, u(350, 520)]);
      t += Math.floor(u(240, 600));
      pts.push([t, pts[pts.length - 1][1]], [t + 1, base]);
      t += Math.floor(u(240, 600));
    }
    level(path(pts));
  } else if (k === 'staircase') {
    // Up a stair of 40–90 msg/s every 1–3 min to the top, then down it, repeatedly.
    let lvl = u(20, 50);
    let up = true;
    let next = 0;
    level((t) => {
      if (t >= next) {
        next = t + Math.floor(u(60, 180));
        if (up && lvl > 420) up = false;
        else if (!up && lvl < 90) up = true;
        lvl = Math.max(15, lvl + (up ? 1 : -1) * u(40, 90));
      }
      return lvl;
    });
  } else if (k === 'cron') {
    // A batch job: every N s (N 60–300 for the trace) a batch of 1,000–4,000 messages over 2–8 s, on a low base.
    const base = u(10, 40);
    const every = Math.floor(u(60, 300));
    let at = Math.floor(u(0, every));
    let end = -1;
    let rate = 0;
    level((t) => {
      if (t === at) {
        const d = Math.floor(u(2, 9));
        end = t + d;
        rate = u(1000, 4000) / d;
        at += every;
      }
      return t < end ? base + rate : base;
    });
  } else if (k === 'pareto') {
    // Heavy-tailed bursts: on a base of 20–40, bursts every ~45 s on average whose height (× base) and
    // length are Pareto (α 1.5 and 1.2), capped at 15× and 300 s.
    const base = u(20, 40);
    const pareto = (xm, alpha) => xm / Math.pow(1 - r() + 1e-12, 1 / alpha);
    let end = -1;
    let lvl = base;
    level((t) => {
      if (t >= end) {
        lvl = base;
        if (r() < 1 / 45) {
          end = t + Math.min(300, Math.ceil(pareto(3, 1.2)));
          lvl = base * Math.min(15, pareto(2, 1.5));
        }
      }
      return lvl;
    });
  } else if (k === 'mmpp') {
    // A Markov-modulated Poisson process: three levels (low, middle, high), each held for an exponential
    // time (means 20–120 s), then a jump to one of the other two.
    const levels = [u(20, 60), u(150, 260), u(350, 520)];
    const means = levels.map(() => u(20, 120));
    let state = 0;
    let until = 0;
    level((t) => {
      if (t >= until) {
        state = (state + 1 + Math.floor(r() * 2)) % 3;
        until = t + Math.max(1, Math.round(-means[state] * Math.log(1 - r() + 1e-12)));
      }
      return levels[state];
    });
  } else if (k === 'growth') {
    // Gradual growth over the whole hour, from a container or two to most of the pool, linear or
    // exponential, with a slow ±10 % wave.
    const from = u(20, 50);
    const to = u(400, 540);
    const exp = r() < 0.5;
    const per = u(200, 600);
    level((t) => {
      const x = t / T;
      const g = exp ? from * Math.pow(to / from, x) : from + (to - from) * x;
      return g * (1 + 0.1 * Math.sin((2 * Math.PI * t) / per));
    });
  } else if (k === 'lowrare') {
    // Very low traffic (2–15 msg/s, under one container's 20) with rare spikes: every 5–15 min, 100–400
    // msg/s for 5–30 s.
    const base = u(2, 15);
    let next = Math.floor(u(300, 900));
    let end = -1;
    let lvl = 0;
    level((t) => {
      if (t === next) {
        end = t + Math.floor(u(5, 31));
        lvl = u(100, 400);
        next += Math.floor(u(300, 900));
      }
      return t < end ? lvl : base;
    });
  }
}
