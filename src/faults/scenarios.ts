// The faults of issue 17, each run for real and measured: the same code gives the test its bounds
// (faults.docker.test.ts) and `microscale bench faults` its figures.
// - killDuringScaling: `microscale run` (a child process, push-fed P1, remainder P2, real Docker) is
//   killed with SIGKILL at given points after a push that starts a pre-emption (or its reverse), and
//   started again; the pool is sampled from outside every 100 ms throughout.
// - dockerdOutage: a private dockerd (private-dockerd.ts) under an in-process agent is stopped
//   (SIGTERM: it kills its containers and exits) and started again after `downMs`.
// - sourceOutage: a throwaway redis-server feeding P1 is killed and started again after `downMs`.
import { createServer } from 'node:net';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Agent } from '../agent/agent.js';
import { parseConfig } from '../agent/config-loader.js';
import { engineServicesOf } from '../agent/wiring.js';
import { DockerEngine } from '../engines/docker/docker.js';
import { poolFilter } from '../engines/docker/labels.js';
import type { DockerConfig, DockerServiceOptions } from '../engines/docker/schema.js';
import type { EngineService } from '../engines/types.js';
import { SimEngine } from '../engines/sim/sim.js';
import type { Source } from '../sources/types.js';
import { AgentProcess } from './agent-process.js';
import { PoolWatch } from './pool-watch.js';
import { PrivateDockerd } from './private-dockerd.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const INTERVAL_MS = 500;
const SLEEPER = { image: 'busybox:latest', command: ['sleep', '3600'], stopGracePeriod: '2s' };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** Captures an in-process agent's JSON log lines. */
function capturingLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines, count: (event: string) => lines.filter((l) => l.event === event).length };
}

/**
 * MICROSCALE_FAULT_TRACE=FILE: for each kill point, one JSON line with the restarted agent's log (debug)
 * and the pool samples around its first tick (ms from it), for finding out why a point is slow.
 */
const TRACE_FILE = process.env.MICROSCALE_FAULT_TRACE;

async function traceTrial(
  file: string,
  trial: { killAfterMs: number; firstTickMs: number; convergedMs: number | null; expected: object; lines: unknown[]; watch: PoolWatch },
): Promise<void> {
  const { watch, ...rest } = trial;
  const samples = watch.samples
    .filter((s) => Math.abs(s.atMs - trial.firstTickMs) < 5000)
    .map((s) => ({ ms: s.atMs - trial.firstTickMs, running: Object.fromEntries(s.running), all: s.all }));
  await appendFile(file, `${JSON.stringify({ ...rest, samples })}\n`);
}

export interface KillTrial {
  /** SIGKILL this long after the push that started the change. */
  readonly killAfterMs: number;
  readonly change: string;
  /** From starting the new process to its first tick. */
  readonly firstTickAfterSpawnMs: number;
  /** From that first tick to the pool being exactly what the plan wants, all running, nothing else (null: never, within 20 s). */
  readonly convergedAfterFirstTickMs: number | null;
  /** The same, in ticks of the agent (interval 500 ms), rounded up. */
  readonly convergedTicks: number | null;
  /** Containers of the pool not running once it settled (created or exited and left behind). */
  readonly orphans: number;
  /** Running containers beyond a service's share once it settled. */
  readonly duplicates: number;
}

export interface KillFigures {
  readonly capacity: number;
  /**
   * The same changes without a kill, measured in the same run: push to the pool being exactly right.
   * What the containers themselves take (stop, remove, create, start) on this machine now.
   */
  readonly baselineMs: Readonly<Record<string, number | null>>;
  readonly trials: readonly KillTrial[];
  /** The most containers holding a place in the pool in any 100 ms sample of the whole run. */
  readonly mostHolding: number;
  readonly samples: number;
}

/** kill -9 of `microscale run` at each point (ms after a push), then a restart; see the module comment. */
export async function killDuringScaling(killPointsMs: readonly number[], capacity = 6): Promise<KillFigures> {
  const docker = new Docker();
  const pool = `faults-kill-${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'microscale-faults-'));
  const configFile = join(dir, 'microscale.yaml');
  const config = {
    engine: { kind: 'docker', pool },
    capacity,
    interval: `${INTERVAL_MS}ms`,
    stateFile: join(dir, 'state.json'),
    ...(TRACE_FILE ? { logLevel: 'debug' } : {}),
    services: [
      { name: 'urgent', priority: 1, metric: { source: 'push', maxAge: 'off' }, target: 'direct', max: capacity, ...SLEEPER },
      { name: 'background', priority: 2, target: 'remainder', ...SLEEPER },
    ],
  };
  await writeFile(configFile, JSON.stringify(config));
  const port = await freePort();
  const watch = new PoolWatch(docker, pool);
  const trials: KillTrial[] = [];
  let agent = new AgentProcess(configFile, port);
  watch.start();
  try {
    await agent.firstTick();
    let urgent = 1;
    await agent.push('urgent', urgent);
    const settled = await until(
      () => watch.firstExactly(Date.now() - 200, { urgent, background: capacity - urgent }) !== undefined,
      30_000,
      100,
    );
    if (!settled) throw new Error('the pool never settled before the first kill');
    const baselineMs: Record<string, number | null> = {};
    for (const to of [capacity - 2, 1]) {
      const from = urgent;
      urgent = to;
      const pushedAtMs = Date.now();
      await agent.push('urgent', urgent);
      await until(() => watch.firstExactly(pushedAtMs, { urgent, background: capacity - urgent }) !== undefined, 20_000, 50);
      const done = watch.firstExactly(pushedAtMs, { urgent, background: capacity - urgent });
      baselineMs[`urgent ${from}->${to}`] = done ? done.atMs - pushedAtMs : null;
      await sleep(500);
    }
    for (const killAfterMs of killPointsMs) {
      const from = urgent;
      urgent = urgent === 1 ? capacity - 2 : 1; // alternately a pre-emption of the background and its release
      const expected = { urgent, background: capacity - urgent };
      await agent.push('urgent', urgent);
      await sleep(killAfterMs);
      await agent.kill9();
      agent = new AgentProcess(configFile, port);
      const firstTickMs = await agent.firstTick();
      await until(() => watch.firstExactly(firstTickMs, expected) !== undefined, 20_000, 50);
      const converged = watch.firstExactly(firstTickMs, expected);
      await sleep(1000); // anything a second agent or a lost create would leave shows by now
      const last = watch.samples.at(-1);
      const running = (service: string): number => last?.running.get(service) ?? 0;
      const convergedMs = converged ? Math.max(0, converged.atMs - firstTickMs) : null;
      if (TRACE_FILE) await traceTrial(TRACE_FILE, { killAfterMs, firstTickMs, convergedMs, expected, lines: agent.lines, watch });
      trials.push({
        killAfterMs,
        change: `urgent ${from}->${urgent}`,
        firstTickAfterSpawnMs: firstTickMs - agent.spawnedAtMs,
        convergedAfterFirstTickMs: convergedMs,
        convergedTicks: convergedMs === null ? null : Math.ceil(convergedMs / INTERVAL_MS),
        orphans: last ? last.all - running('urgent') - running('background') : 0,
        duplicates: Math.max(0, running('urgent') - expected.urgent) + Math.max(0, running('background') - expected.background),
      });
    }
    return { capacity, baselineMs, trials, mostHolding: watch.mostHolding(), samples: watch.samples.length };
  } finally {
    watch.stop();
    await agent.kill9();
    const left = await docker.listContainers({ all: true, filters: { label: poolFilter(pool) } });
    await Promise.all(
      left.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  }
}

export interface EngineOutageFigures {
  readonly downMs: number;
  /** Ticks the agent made while the daemon was down (it stays alive and holds). */
  readonly ticksWhileDown: number;
  /** Create calls the engine made from the SIGTERM to the daemon answering again. */
  readonly createsWhileDown: number;
  /** From the daemon answering /_ping again to the pool being exactly right (null: not within 30 s). */
  readonly convergedAfterBackMs: number | null;
  readonly engineErrorLines: number;
  readonly recoveredLines: number;
  readonly mostHolding: number;
  readonly capacity: number;
}

class FixedDemand implements Source {
  constructor(private readonly value: number) {}
  async read(): Promise<number> {
    return this.value;
  }
  async close(): Promise<void> {}
}

/** dockerd stopped for `downMs`, then started again; see the module comment. */
export async function dockerdOutage(downMs = 15_000, capacity = 4): Promise<EngineOutageFigures> {
  const daemon = await PrivateDockerd.create();
  const pool = `faults-dockerd-${randomBytes(3).toString('hex')}`;
  const { log, count } = capturingLog();
  const config = parseConfig({
    engine: { kind: 'docker', host: daemon.host, pool },
    capacity,
    interval: `${INTERVAL_MS}ms`,
    services: [
      { name: 'urgent', priority: 1, metric: { source: 'random' }, target: 'direct', ...SLEEPER },
      { name: 'background', priority: 2, target: 'remainder', ...SLEEPER },
    ],
  });
  const expected = { urgent: 2, background: capacity - 2 };
  // The engine's own client, counting the creates it makes.
  const client = new Docker({ socketPath: daemon.socket });
  const creates: number[] = [];
  const create = client.createContainer.bind(client);
  client.createContainer = ((options: Docker.ContainerCreateOptions) => {
    creates.push(Date.now());
    return create(options);
  }) as typeof client.createContainer;
  const watch = new PoolWatch(daemon.docker, pool);
  let agent: Agent | undefined;
  try {
    const engine = new DockerEngine(
      config.engine as DockerConfig,
      engineServicesOf(config) as EngineService<DockerServiceOptions>[],
      { log },
      client,
    );
    agent = new Agent(config, { engine, log, sources: new Map([['urgent', new FixedDemand(2)]]) });
    await agent.start();
    const ticks = agent.ticks;
    watch.start();
    if (!(await until(() => watch.firstExactly(0, expected) !== undefined, 30_000, 100)))
      throw new Error('the pool never settled on the private dockerd');
    const downAtMs = Date.now();
    await daemon.stop();
    await sleep(Math.max(0, downMs - (Date.now() - downAtMs)));
    await daemon.start();
    const backAtMs = Date.now();
    await until(() => watch.firstExactly(backAtMs, expected) !== undefined, 30_000, 50);
    const converged = watch.firstExactly(backAtMs, expected);
    return {
      downMs: backAtMs - downAtMs,
      ticksWhileDown: ticks.toArray().filter((t) => t.atMs > downAtMs && t.atMs < backAtMs).length,
      createsWhileDown: creates.filter((t) => t >= downAtMs && t < backAtMs).length,
      convergedAfterBackMs: converged ? converged.atMs - backAtMs : null,
      engineErrorLines: count('engine-error'),
      recoveredLines: count('engine-error-recovered'),
      mostHolding: watch.mostHolding(),
      capacity,
    };
  } finally {
    watch.stop();
    await agent?.stop().catch(() => undefined);
    await daemon.destroy();
  }
}

export interface SourceOutageFigures {
  readonly downMs: number;
  /** The least the fed service was planned at while its source was down (held: never 0). */
  readonly leastPlannedWhileDown: number;
  readonly heldAt: number;
  readonly errorLines: number;
  readonly recoveredLines: number;
  /** From redis-server accepting connections again to the first tick that read it. */
  readonly freshAfterBackMs: number | null;
  /** Which tick after the server was back read it first (1: the first tick). */
  readonly freshTick: number | null;
}

/** A redis-server feeding P1 killed for `downMs`, then started again; see the module comment. */
export async function sourceOutage(downMs = 20_000): Promise<SourceOutageFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'microscale-faults-redis-'));
  const port = await freePort();
  // appendfsync always: the list is on disk, so the restarted server has it (a real outage, not data loss).
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--dir',
    dir,
  ];
  let server: ChildProcess | undefined;
  /** Starts redis-server; resolves with the time it first answers. */
  const startServer = async (): Promise<number> => {
    server = spawn('redis-server', args, { stdio: 'ignore' });
    const probe = new Redis(port, '127.0.0.1', { retryStrategy: () => 20, maxRetriesPerRequest: null });
    probe.on('error', () => undefined);
    try {
      await probe.ping();
      return Date.now();
    } finally {
      probe.disconnect();
    }
  };
  const { log, count } = capturingLog();
  const clock = Date.now;
  const config = parseConfig({
    capacity: 10,
    interval: `${INTERVAL_MS}ms`,
    services: [
      {
        name: 'urgent',
        priority: 1,
        metric: { source: 'redis', url: `redis://127.0.0.1:${port}`, key: 'jobs' },
        target: { perContainer: 10 },
      },
      { name: 'background', priority: 2, target: 'remainder' },
    ],
  });
  const engine = new SimEngine({ kind: 'sim', startLatency: 0, stopLatency: 0 }, engineServicesOf(config), { nowMs: clock });
  let agent: Agent | undefined;
  try {
    await startServer();
    const admin = new Redis(port, '127.0.0.1');
    await admin.rpush('jobs', ...Array.from({ length: 30 }, (_, i) => `job-${i}`));
    admin.disconnect();
    agent = new Agent(config, { engine, log });
    await agent.start();
    const current = agent;
    const urgentOf = (index = -1) =>
      current.ticks
        .toArray()
        .at(index)
        ?.services.find((s) => s.name === 'urgent');
    await until(() => urgentOf()?.running === 3, 10_000);
    const heldAt = urgentOf()?.planned ?? 0;
    const downAtMs = Date.now();
    await new Promise<void>((resolve) => {
      server?.once('exit', () => resolve());
      server?.kill('SIGKILL');
    });
    await sleep(downMs);
    const backAtMs = await startServer();
    await until(
      () => current.ticks.toArray().some((t) => t.atMs > backAtMs && t.services.some((s) => s.name === 'urgent' && !s.stale)),
      10_000,
    );
    const during = current.ticks.toArray().filter((t) => t.atMs > downAtMs && t.atMs < backAtMs);
    const after = current.ticks.toArray().filter((t) => t.atMs > backAtMs);
    const freshIndex = after.findIndex((t) => t.services.some((s) => s.name === 'urgent' && !s.stale));
    return {
      downMs: backAtMs - downAtMs,
      leastPlannedWhileDown: Math.min(...during.map((t) => t.services.find((s) => s.name === 'urgent')?.planned ?? 0)),
      heldAt,
      errorLines: count('metric-error'),
      recoveredLines: count('metric-error-recovered'),
      freshAfterBackMs: freshIndex < 0 ? null : (after[freshIndex]?.atMs ?? backAtMs) - backAtMs,
      freshTick: freshIndex < 0 ? null : freshIndex + 1,
    };
  } finally {
    await agent?.stop().catch(() => undefined);
    server?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}
