// kill -9 of the agent during a pre-emption (issue 17): `microscale run` (a child process, push-fed P1,
// remainder P2, real Docker) is killed with SIGKILL at given points after a push that starts a
// pre-emption (or its release), and started again; the pool is sampled from outside every 100 ms
// throughout. The agent reaches the daemon through a recording proxy (docker-recorder.ts), so each
// trial also says how late the restarted agent's own stops and starts were, apart from what the daemon
// took to carry them out (agent-latency.ts). The same code gives the test its bounds
// (faults.docker.test.ts) and `microscale bench faults` its figures.
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { removePoolContainers } from '../engines/docker/remove-pool.js';
import { AgentProcess } from './agent-process.js';
import { agentLatencies, type ActionLate } from './agent-latency.js';
import { DockerRecorder } from './docker-recorder.js';
import { capacityFigures, PoolEvents, PoolWatch, type CapacityFigures } from './pool-watch.js';
import { freePort, INTERVAL_MS, SLEEPER, sleep, until } from './support.js';

/**
 * MICROSCALE_FAULT_TRACE=FILE: for each kill point, one JSON line with the restarted agent's log (debug),
 * its judged stops and starts (agent-latency.ts), and the pool samples around its first tick (ms from
 * it), for finding out why a point is slow.
 */
const TRACE_FILE = process.env.MICROSCALE_FAULT_TRACE;

async function traceTrial(
  file: string,
  trial: {
    killAfterMs: number;
    firstTickMs: number;
    convergedMs: number | null;
    expected: object;
    actions: readonly ActionLate[];
    lines: unknown[];
    watch: PoolWatch;
  },
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
  /** How many stops and starts the restarted agent sent (agent-latency.ts). */
  readonly actions: number;
  /** How late each of them was, from when it could have been sent. */
  readonly actionsLateMs: readonly number[];
  /** The latest of them, measured from when it could have been sent (null: it sent none). */
  readonly slowestAction: ActionLate | null;
}

/** Over the pool (CapacityFigures): sampled every 100 ms, and by the daemon's start and die events. */
export interface KillFigures extends CapacityFigures {
  readonly capacity: number;
  /**
   * The same changes without a kill, measured in the same run: push to the pool being exactly right.
   * What the containers themselves take (stop, remove, create, start) on this machine now.
   */
  readonly baselineMs: Readonly<Record<string, number | null>>;
  /**
   * The paired baseline of each trial's `actions`: the stops and starts the live agent (never killed)
   * sent for those same changes, each judged as the restarted agent's are (agent-latency.ts), from the
   * push (it reads a push at once, as the restarted agent reads the kept value at its first tick).
   */
  readonly baselineActions: readonly ActionLate[];
  readonly trials: readonly KillTrial[];
  readonly samples: number;
}

/** kill -9 of `microscale run` at each point (ms after a push), then a restart; see the module comment. */
export async function killDuringScaling(killPointsMs: readonly number[], capacity = 6): Promise<KillFigures> {
  const docker = new Docker();
  const pool = `faults-kill-${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'microscale-faults-'));
  const configFile = join(dir, 'microscale.yaml');
  const recorder = await new DockerRecorder(join(dir, 'docker.sock')).start();
  const events = new PoolEvents(docker, pool);
  const config = {
    engine: { kind: 'docker', pool, host: recorder.host },
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
  let agent: AgentProcess | undefined;
  watch.start();
  try {
    await events.start();
    agent = new AgentProcess(configFile, port);
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
    const baselineActions: ActionLate[] = [];
    for (const to of [capacity - 2, 1]) {
      const from = urgent;
      urgent = to;
      const pushedAtMs = Date.now();
      await agent.push('urgent', urgent);
      await until(() => watch.firstExactly(pushedAtMs, { urgent, background: capacity - urgent }) !== undefined, 20_000, 50);
      const done = watch.firstExactly(pushedAtMs, { urgent, background: capacity - urgent });
      baselineMs[`urgent ${from}->${to}`] = done ? done.atMs - pushedAtMs : null;
      await sleep(500);
      const since = recorder.calls.filter((c) => c.atMs >= pushedAtMs);
      baselineActions.push(
        ...agentLatencies({
          capacity,
          spawnedAtMs: pushedAtMs,
          firstTickMs: pushedAtMs,
          untilMs: Date.now(),
          calls: since,
          events: events.events,
        }),
      );
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
      const actions = agentLatencies({
        capacity,
        spawnedAtMs: agent.spawnedAtMs,
        firstTickMs,
        untilMs: Date.now(),
        calls: recorder.calls,
        events: events.events,
      });
      const slowestAction = actions.reduce<ActionLate | null>((a, b) => (a && a.lateMs >= b.lateMs ? a : b), null);
      if (TRACE_FILE) await traceTrial(TRACE_FILE, { killAfterMs, firstTickMs, convergedMs, expected, actions, lines: agent.lines, watch });
      trials.push({
        killAfterMs,
        change: `urgent ${from}->${urgent}`,
        firstTickAfterSpawnMs: firstTickMs - agent.spawnedAtMs,
        convergedAfterFirstTickMs: convergedMs,
        convergedTicks: convergedMs === null ? null : Math.ceil(convergedMs / INTERVAL_MS),
        orphans: last ? last.all - running('urgent') - running('background') : 0,
        duplicates: Math.max(0, running('urgent') - expected.urgent) + Math.max(0, running('background') - expected.background),
        actions: actions.length,
        actionsLateMs: actions.map((a) => a.lateMs),
        slowestAction,
      });
    }
    return {
      capacity,
      baselineMs,
      baselineActions,
      trials,
      ...capacityFigures(watch.samples, events.events, capacity),
      samples: watch.samples.length,
    };
  } finally {
    watch.stop();
    events.stop();
    await agent?.kill9();
    await recorder.stop();
    await removePoolContainers(docker, pool);
    await rm(dir, { recursive: true, force: true });
  }
}
