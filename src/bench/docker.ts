// `bench docker`: how fast microscale moves real containers on the local Docker Engine, each figure
// beside a baseline measured in the same run.
// - step-to-first-running / step-to-all-running: 500 messages pushed at once onto a Redis list read by
//   the `redis` source; a consumer service with target perContainer 50 (so 10 containers), tick 500 ms.
//   Timed from the push to the Docker `start` event of the first / the tenth container, once with the
//   tick alone and once with Redis keyspace notifications waking the agent. Baseline: one container
//   created and started through the Engine API with nothing else going on (the floor of any tool here).
// - start-100: the engine from 0 to 100 running, against `docker run -d` one after another.
import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { Agent } from '../agent/agent.js';
import { createEngine } from '../agent/wiring.js';
import { parseConfig } from '../agent/config-loader.js';
import { DockerEngine } from '../engines/docker/docker.js';
import { ownedLabels, poolFilter } from '../engines/docker/labels.js';
import { removePoolContainers } from '../engines/docker/remove-pool.js';
import { dockerSchema } from '../engines/docker/schema.js';
import { destroyStream } from '../util/json-lines.js';
import { silentLogger } from '../log/logger.js';
import { eventually } from '../util/eventually.js';
import type { BenchResult, BenchRow, Benchmark } from './types.js';

const run = promisify(execFile);
const IMAGE = 'busybox:latest';
const REDIS_URL = process.env.MICROSCALE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Records when each container of a pool starts (the daemon's own event, received here). */
class StartClock {
  readonly starts: number[] = [];
  private stream: NodeJS.ReadableStream | undefined;
  constructor(
    private readonly docker: Docker,
    private readonly pool: string,
  ) {}
  async open(): Promise<void> {
    this.stream = await this.docker.getEvents({ filters: { type: ['container'], event: ['start'], label: poolFilter(this.pool) } });
    this.stream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.starts.push(Date.now());
    });
  }
  /** Ms from `sinceMs` to the `count`-th start after it, or null on timeout. */
  async nth(count: number, sinceMs: number, timeoutMs: number): Promise<number | null> {
    const after = (): number[] => this.starts.filter((t) => t >= sinceMs);
    const ok = await eventually(() => after().length >= count, timeoutMs, 10);
    return ok ? (after()[count - 1] ?? sinceMs) - sinceMs : null;
  }
  close(): void {
    destroyStream(this.stream);
  }
}

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

function row(metric: string, ours: readonly number[], baselineName: string, baseline: readonly number[], expected: number): BenchRow {
  const [p50, p95, b50, b95] = [percentile(ours, 50), percentile(ours, 95), percentile(baseline, 50), percentile(baseline, 95)];
  return {
    metric,
    trials: `${ours.length}/${expected}`,
    'p50 ms': p50,
    'p95 ms': p95,
    baseline: baselineName,
    'baseline p50 ms': b50,
    'baseline p95 ms': b95,
    'p50 / baseline p50': p50 !== null && b50 ? p50 / b50 : null,
  };
}

async function dockerRunOnce(pool: string, name: string): Promise<void> {
  const labels = Object.entries(ownedLabels(pool, name)).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  await run('docker', ['run', '-d', '--init', ...labels, IMAGE, 'sleep', '3600']);
}

/** Keyspace notifications on for lists (K + l) for the duration of `body`, then the server's setting back. */
export async function withKeyspaceEvents<T>(redis: Redis, body: () => Promise<T>): Promise<T> {
  const [, before = ''] = (await redis.config('GET', 'notify-keyspace-events')) as string[];
  const flags = [...new Set([...before, 'K', 'l'])].join('');
  await redis.config('SET', 'notify-keyspace-events', flags);
  try {
    return await body();
  } finally {
    await redis.config('SET', 'notify-keyspace-events', before);
  }
}

interface StepResult {
  first: number[];
  all: number[];
  floor: number[];
}

/** The floor: one container created and started through the Engine API, as the engine itself does. */
async function startOneByApi(docker: Docker, pool: string): Promise<void> {
  const container = await docker.createContainer({
    Image: IMAGE,
    Cmd: ['sleep', '3600'],
    Labels: ownedLabels(pool, 'floor'),
    HostConfig: { Init: true },
  });
  await container.start();
}

async function stepTrials(docker: Docker, trials: number): Promise<StepResult> {
  const pool = `bench-step-${process.pid}`;
  const key = `microscale:bench:step:${process.pid}`;
  const config = parseConfig({
    engine: { kind: 'docker', pool },
    capacity: 10,
    interval: '500ms',
    logLevel: 'silent',
    services: [
      {
        name: 'consumer',
        priority: 1,
        metric: { source: 'redis', url: REDIS_URL, key },
        target: { perContainer: 50 },
        stopGracePeriod: '1s',
        image: IMAGE,
        command: ['sleep', '3600'],
      },
    ],
  });
  const redis = new Redis(REDIS_URL);
  const clock = new StartClock(docker, pool);
  await clock.open();
  const agent = new Agent(config, { engine: await createEngine(config, { log: silentLogger(), nowMs: Date.now }), log: silentLogger() });
  const first: number[] = [];
  const all: number[] = [];
  const floor: number[] = [];
  try {
    await redis.del(key);
    await agent.start();
    for (let i = 0; i < trials; i++) {
      await eventually(
        async () => (await docker.listContainers({ all: true, filters: { label: poolFilter(pool) } })).length === 0,
        30_000,
        100,
      );
      // The floor, on the same quiet daemon the trial gets (not while the last trial's containers stop).
      const floorStart = Date.now();
      await startOneByApi(docker, `${pool}-floor`);
      floor.push(Date.now() - floorStart);
      await removePoolContainers(docker, `${pool}-floor`);
      await sleep(Math.random() * 500); // a random phase against the 500 ms tick
      const pushedMs = Date.now();
      await redis.rpush(key, ...Array.from({ length: 500 }, (_, n) => `m${n}`));
      const firstMs = await clock.nth(1, pushedMs, 20_000);
      const allMs = await clock.nth(10, pushedMs, 30_000);
      if (firstMs !== null) first.push(firstMs);
      if (allMs !== null) all.push(allMs);
      await redis.del(key);
    }
  } finally {
    await redis.del(key);
    redis.disconnect();
    await agent.stop();
    clock.close();
    await removePoolContainers(docker, pool);
    await removePoolContainers(docker, `${pool}-floor`);
  }
  return { first, all, floor };
}

async function start100Trials(docker: Docker, trials: number): Promise<{ ours: number[]; sequential: number[] }> {
  const pool = `bench-100-${process.pid}`;
  const basePool = `${pool}-docker-run`;
  const clock = new StartClock(docker, pool);
  await clock.open();
  const ours: number[] = [];
  const sequential: number[] = [];
  const engine = new DockerEngine(
    dockerSchema.parse({ kind: 'docker', pool }),
    [{ name: 'worker', stopGracePeriodMs: 1000, options: { image: IMAGE, command: ['sleep', '3600'] } }],
    { log: silentLogger() },
  );
  try {
    for (let i = 0; i < trials; i++) {
      await engine.observe();
      const startedMs = Date.now();
      await engine.apply([{ name: 'worker', replicas: 100 }]);
      const tookMs = await clock.nth(100, startedMs, 180_000);
      if (tookMs !== null) ours.push(tookMs);
      await engine.apply([{ name: 'worker', replicas: 0 }]);
      await eventually(
        async () => (await docker.listContainers({ all: true, filters: { label: poolFilter(pool) } })).length === 0,
        120_000,
        200,
      );

      const baseStartMs = Date.now();
      for (let n = 0; n < 100; n++) await dockerRunOnce(basePool, 'worker');
      sequential.push(Date.now() - baseStartMs);
      await removePoolContainers(docker, basePool);
    }
  } finally {
    await engine.close();
    clock.close();
    await removePoolContainers(docker, pool);
    await removePoolContainers(docker, basePool);
  }
  return { ours, sequential };
}

async function missing(docker: Docker): Promise<string | undefined> {
  return (await dockerProblem(docker)) ?? redisProblem();
}

/** Why the benches' Docker Engine (with busybox:latest) cannot be used, or undefined when it answers. */
export async function dockerProblem(docker: Docker): Promise<string | undefined> {
  try {
    await docker.ping();
    await docker.getImage(IMAGE).inspect();
  } catch (error) {
    return `Docker Engine with ${IMAGE} not available (${String(error)}); start it with ../shared/tools/docker-engine up`;
  }
  return undefined;
}

/** Why the benches' Redis cannot be used, or undefined when it answers. */
export async function redisProblem(): Promise<string | undefined> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const fix = 'start it (../shared/tools/queue-servers up) or set MICROSCALE_BENCH_REDIS_URL';
    return `Redis not reachable at ${REDIS_URL} (${String(error)}); ${fix}`;
  } finally {
    redis.disconnect();
  }
  return undefined;
}

/** The four step rows: once on the tick alone, once with keyspace notifications waking the agent. */
export async function stepSection(docker: Docker, trials: number): Promise<BenchRow[]> {
  const step = await stepTrials(docker, trials);
  const admin = new Redis(REDIS_URL);
  const watched = await withKeyspaceEvents(admin, () => stepTrials(docker, trials)).finally(() => admin.disconnect());
  const floor = [...step.floor, ...watched.floor];
  return [
    row('step-to-first-running (tick)', step.first, 'one create+start by API', floor, trials),
    row('step-to-all-running (tick)', step.all, 'one create+start by API', floor, trials),
    row('step-to-first-running (keyspace watch)', watched.first, 'one create+start by API', floor, trials),
    row('step-to-all-running (keyspace watch)', watched.all, 'one create+start by API', floor, trials),
  ];
}

export const dockerBenchmark: Benchmark = {
  name: 'docker',
  description: 'real Docker Engine: queue step to first/all consumers running, 100 starts vs docker run one by one',
  async run({ quick }): Promise<BenchResult> {
    const docker = new Docker();
    const absent = await missing(docker);
    if (absent) return { name: 'docker', summary: 'skipped', rows: [], notes: [`SKIPPED: ${absent}`] };
    const stepCount = quick ? 5 : 20;
    const startCount = quick ? 2 : 20;
    const loadBefore = loadavg()[0] ?? 0;
    const stepRows = await stepSection(docker, stepCount);
    const start = await start100Trials(docker, startCount);
    return {
      name: 'docker',
      summary: 'latency on the local Docker Engine (tick 500 ms), each beside its baseline from this run',
      rows: [...stepRows, row('start-100', start.ours, '100 x docker run -d, one after another', start.sequential, startCount)],
      notes: [
        'step: 500 messages pushed at once onto a Redis list; consumer target perContainer 50 => 10 containers; ' +
          'timed to the Docker start events',
        '(tick): Redis keyspace notifications off, the push is seen at the next 500 ms tick; ' +
          '(keyspace watch): notify-keyspace-events Kl set for the run (restored after), the source wakes the agent at once',
        `host load average (1 min) ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after, on ${cpus().length} cores: ` +
          'shared machines make every figure, baseline included, slower',
        `start-100: engine startConcurrency 8; baseline is the docker CLI, each run waiting for the previous; ${startCount} trials each`,
      ],
    };
  },
};
