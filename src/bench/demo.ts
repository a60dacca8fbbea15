// `bench demo`: the classic demo's demand replayed on the real Docker Engine, scored exactly from the
// daemon's `start`/`die` events (the comparison of issue 15 with the 2016 Microscaling agent). A pool of
// 9: P1's demand moves by -3..+3 every 3 s within 0..9 (a seeded random walk, the sequence printed), P2
// fills the rest. Each run: case A (containers exit at once on SIGTERM) through `push` and through a
// polled `http` source (500 ms), case B (containers ignore SIGTERM, grace 1 s) through `http` and
// `push`, ablations of A, and on request the extras on `network: none`. Beside them, the floors of the
// same run (create + start, kill -> die, the bare hand-off), alone, on the cases' network.
// The daemon's events and the timings read from them: demo-events.ts; the floors: demo-floor.ts; the
// score: demo-score.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import { Agent } from '../agent/agent.js';
import { createEngine } from '../agent/wiring.js';
import { parseConfig } from '../agent/config-loader.js';
import { removePoolContainers } from '../engines/docker/remove-pool.js';
import { silentLogger } from '../log/logger.js';
import { eventually } from '../util/eventually.js';
import { randomInt, seededRandom } from '../util/random.js';
import { EventLog, timings } from './demo-events.js';
import { IMAGE, measureFloor, type Floor } from './demo-floor.js';
import { percentileS, scoreDemoRun, type DemandChange } from './demo-score.js';
import { dockerProblem } from './docker.js';
import type { BenchRow, Benchmark, BenchOptions } from './types.js';

const CAPACITY = 9;
const STEP_MS = 3000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The demo's random walk: start 5, then one step in [-3, 3] every 3 s, kept within 0..9. */
export function demandWalk(seed: number, steps: number): number[] {
  const random = seededRandom(seed);
  const values = [5];
  for (let i = 1; i < steps; i++) values.push(Math.min(9, Math.max(0, (values[i - 1] ?? 5) + randomInt(random, -3, 3))));
  return values;
}

interface Case {
  readonly id: string;
  readonly name: string;
  readonly source: 'push' | 'http';
  /** Containers ignore SIGTERM (killed after the 1 s grace). */
  readonly stubborn: boolean;
  /** Ablation: the plan's prepared starts are not passed to the engine (starts wait for the tick after the exit). */
  readonly noPrepare?: boolean;
  /** `docker.preCreate`: containers of each service created ahead of need (the walk moves by up to 3). */
  readonly preCreate: number;
  /**
   * The services' `network:` (a user's choice; absent: the daemon's default bridge). The daemon's start
   * of a busybox container on this box: bridge about 0.33 s, none 0.20 s, host 0.11 s (docs/docker.md).
   */
  readonly network?: 'none' | 'host';
}

const CASES: readonly Case[] = [
  { id: 'a-push-noprep', name: 'A, push, no prepared starts (ablation)', source: 'push', stubborn: false, noPrepare: true, preCreate: 0 },
  { id: 'a-push-nopre', name: 'A, push, preCreate 0 (ablation)', source: 'push', stubborn: false, preCreate: 0 },
  { id: 'a-push', name: 'A, push', source: 'push', stubborn: false, preCreate: 3 },
  { id: 'a-http', name: 'A, http (500 ms)', source: 'http', stubborn: false, preCreate: 3 },
  { id: 'b-http', name: 'B, http (500 ms)', source: 'http', stubborn: true, preCreate: 3 },
  { id: 'b-push', name: 'B, push', source: 'push', stubborn: true, preCreate: 3 },
  { id: 'a-push-netnone', name: 'A, push, network none (extra)', source: 'push', stubborn: false, preCreate: 3, network: 'none' },
  { id: 'b-push-netnone', name: 'B, push, network none (extra)', source: 'push', stubborn: true, preCreate: 3, network: 'none' },
];

/** The cases run by default: the ones on the daemon's default network (the `-netnone` ones are extras). */
const DEFAULT_CASES = ['a-push-noprep', 'a-push-nopre', 'a-push', 'a-http', 'b-http', 'b-push'];

async function serveDemand(read: () => number): Promise<{ server: Server; url: string }> {
  const server = createServer((_, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ demand: read() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/demand` };
}

/** A case's row, and a note of its change -> both at demand per change, with P1's step ("+3 0.61"). */
async function runCase(
  docker: Docker,
  testCase: Case,
  walk: readonly number[],
  index: number,
): Promise<{ row: BenchRow; perChange: string }> {
  const pool = `bench-demo-${process.pid}-${index}`;
  let demand = walk[0] ?? 5;
  const http = testCase.source === 'http' ? await serveDemand(() => demand) : undefined;
  const command = testCase.stubborn ? 'trap "" TERM; while true; do sleep 1; done' : ['sleep', '3600'];
  const config = parseConfig({
    engine: { kind: 'docker', pool, preCreate: testCase.preCreate },
    capacity: CAPACITY,
    interval: '500ms',
    logLevel: 'silent',
    services: [
      {
        name: 'p1',
        priority: 1,
        min: 0,
        max: 9,
        target: 'direct',
        stopGracePeriod: '1s',
        image: IMAGE,
        command,
        ...(testCase.network ? { network: testCase.network } : {}),
        metric: http ? { source: 'http', url: http.url, path: 'demand' } : { source: 'push', maxAge: 'off' },
      },
      {
        name: 'p2',
        priority: 2,
        min: 0,
        max: 9,
        target: 'remainder',
        stopGracePeriod: '1s',
        image: IMAGE,
        command,
        ...(testCase.network ? { network: testCase.network } : {}),
      },
    ],
  });
  const log = new EventLog(docker, pool);
  await log.open();
  const engine = await createEngine(config, { log: silentLogger(), nowMs: Date.now });
  const apply = engine.apply.bind(engine);
  if (testCase.noPrepare) engine.apply = (targets) => apply(targets.map(({ name, replicas }) => ({ name, replicas })));
  const agent = new Agent(config, { engine, log: silentLogger() });
  /** When each tick that decided something began (its reads come first): a demand change to the tick that acts on it. */
  const decidingTicks: number[] = [];
  agent.on('tick', (record) => {
    if (record.decisions.length > 0) decidingTicks.push(record.atMs);
  });
  try {
    if (!http) agent.pushMetric('p1', demand);
    await agent.start();
    const settled = await eventually(
      () => log.running('p1', Date.now() + 1) === demand && log.running('p2', Date.now() + 1) === CAPACITY - demand,
      60_000,
      100,
    );
    if (!settled) throw new Error(`case ${testCase.name}: the pool did not fill within 60 s`);
    const fromMs = Date.now();
    const replayed: DemandChange[] = [{ atMs: fromMs, demand }];
    for (let i = 1; i < walk.length; i++) {
      await sleep(fromMs + i * STEP_MS - Date.now());
      demand = walk[i] ?? demand;
      replayed.push({ atMs: Date.now(), demand });
      if (!http) agent.pushMetric('p1', demand);
    }
    const untilMs = fromMs + walk.length * STEP_MS;
    await sleep(untilMs - Date.now() + 500); // the last events arrive
    const score = scoreDemoRun(
      CAPACITY,
      replayed,
      log.changes,
      { p1: log.running('p1', fromMs), p2: log.running('p2', fromMs) },
      fromMs,
      untilMs,
    );
    const fixed = (x: number | null, digits = 2): string => (x === null ? '-' : x.toFixed(digits));
    const { changeToTick, termToKill, killToDie } = timings(replayed, decidingTicks, log.raw, fromMs, untilMs);
    // The changes scoreDemoRun timed, in order: each step of the walk that moved P1's demand.
    const steps = replayed.slice(1).flatMap((d, i) => (d.demand === replayed[i]?.demand ? [] : [d.demand - (replayed[i]?.demand ?? 0)]));
    const perChange = steps.map((step, i) => `${step > 0 ? '+' : ''}${step} ${fixed(score.changeToBoth[i] ?? null)}`).join(', ');
    const row = {
      case: testCase.name,
      'P1 >= demand': fixed(score.p1Met, 3),
      'both at demand': fixed(score.bothAtDemand, 3),
      'pool full': fixed(score.poolFull, 3),
      'over 9 (max)': `${(100 * score.over).toFixed(1)} % (${score.maxRunning})`,
      'change -> both, median / p90 / max s': [50, 90, 100].map((p) => fixed(percentileS(score.changeToBoth, p))).join(' / '),
      'P1 up -> P1 at demand, median s': fixed(percentileS(score.increaseToP1, 50)),
      'exit -> start in its place, median s': fixed(percentileS(score.exitToStart, 50)),
      'change -> tick that acts, median / p90 s': `${fixed(percentileS(changeToTick, 50))} / ${fixed(percentileS(changeToTick, 90))}`,
      'SIGTERM -> SIGKILL / SIGKILL -> die, median s': testCase.stubborn
        ? `${fixed(percentileS(termToKill, 50), 3)} / ${fixed(percentileS(killToDie, 50), 3)}`
        : '-',
      changes: `${score.changeToBoth.length} (${score.changeToBoth.filter((v) => v === null).length} not reached)`,
    };
    return { row, perChange: `${testCase.name}: change -> both at demand per change (P1's step, s): ${perChange}` };
  } finally {
    await agent.stop();
    log.close();
    http?.server.close();
    await removePoolContainers(docker, pool);
  }
}

/** `--cases`: ids of CASES, comma-separated (a repeat runs the case again). */
function casesProblems(args: BenchOptions['args']): string[] {
  if (typeof args.cases !== 'string') return [];
  const unknown = args.cases.split(',').filter((id) => !CASES.some((c) => c.id === id));
  if (unknown.length === 0) return [];
  return [
    `--cases ${args.cases}: unknown case ${unknown.map((id) => JSON.stringify(id)).join(', ')}; ` +
      `choose from ${CASES.map((c) => c.id).join(', ')}, comma-separated without spaces (e.g. --cases a-push,b-push)`,
  ];
}

export const demoBenchmark: Benchmark = {
  name: 'demo',
  flags: ['duration', 'seed', 'cases'],
  check: casesProblems,
  description:
    'the demo on real Docker: random-walk demand replayed through push and http, SIGTERM obeyed and ignored, scored from Docker events',
  async run(options: BenchOptions) {
    const docker = new Docker();
    const problem = await dockerProblem(docker);
    if (problem !== undefined) return { name: 'demo', summary: 'SKIPPED', rows: [], notes: [problem] };
    const durationMs = typeof options.args.duration === 'string' ? Number(options.args.duration) : options.quick ? 30_000 : 60_000;
    const seed = typeof options.args.seed === 'string' ? Number(options.args.seed) : 1;
    const walk = demandWalk(seed, Math.max(2, Math.round(durationMs / STEP_MS)));
    const floors: Floor[] = [];
    const rows: BenchRow[] = [];
    const perChangeNotes: string[] = [];
    const wanted = typeof options.args.cases === 'string' ? options.args.cases.split(',') : DEFAULT_CASES;
    const problems = casesProblems(options.args); // the CLI refused them already (exit 2); a caller of run() alone gets them here
    if (problems.length > 0) throw new Error(`bench demo: ${problems.join('; ')}`);
    const chosen = wanted.map((id) => CASES.find((c) => c.id === id)).filter((c): c is Case => c !== undefined);
    const floorPool = `bench-demo-${process.pid}-floor`;
    try {
      // The default network's floors go between every case; another network's go before each case on it.
      for (const [index, testCase] of chosen.entries()) {
        floors.push(await measureFloor(docker, floorPool));
        if (testCase.network) floors.push(await measureFloor(docker, floorPool, testCase.network));
        const { row, perChange } = await runCase(docker, testCase, walk, index);
        rows.push(row);
        perChangeNotes.push(perChange);
      }
      floors.push(await measureFloor(docker, floorPool));
    } finally {
      await removePoolContainers(docker, floorPool);
    }
    const other = floors.filter((f) => f.network !== undefined);
    const onDefault = floors.filter((f) => f.network === undefined);
    const median = (pick: (f: Floor) => number, of: readonly Floor[] = onDefault): number => {
      const sorted = of.map(pick).sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
    };
    const s = (ms: number): string => (ms / 1000).toFixed(2);
    return {
      name: 'demo',
      summary:
        `pool of ${CAPACITY}, ${walk.length} demand values every 3 s (seed ${seed}), scored exactly from Docker start/die events; ` +
        `floors of this run (alone, medians of ${onDefault.length}): start (create + start) ${s(median((f) => f.startMs))} s, ` +
        `kill -s TERM -> die ${s(median((f) => f.killToDieMs))} s, ` +
        `replace (kill, start a created container on its die: kill -> start) ${s(median((f) => f.replaceMs))} s`,
      rows,
      notes: [
        `demand sequence: ${walk.join(' ')}`,
        `start floor samples (s): ${onDefault.map((f) => s(f.startMs)).join(' ')}`,
        `kill -> die samples (s): ${onDefault.map((f) => s(f.killToDieMs)).join(' ')}`,
        `replace floor samples (s): ${onDefault.map((f) => s(f.replaceMs)).join(' ')}`,
        ...(other.length === 0
          ? []
          : [
              `floors with network ${other[0]?.network ?? ''} (for the cases on it; medians of ${other.length}): ` +
                `start ${s(median((f) => f.startMs, other))} s, kill -> die ${s(median((f) => f.killToDieMs, other))} s, ` +
                `replace ${s(median((f) => f.replaceMs, other))} s; replace samples: ${other.map((f) => s(f.replaceMs)).join(' ')}`,
            ]),
        ...perChangeNotes,
        `load average (1 min) at the end: ${(await import('node:os')).loadavg()[0]?.toFixed(2)}`,
      ],
    };
  },
};
