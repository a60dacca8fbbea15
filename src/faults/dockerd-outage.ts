// dockerd stopped under a running agent (issue 17): a private dockerd (private-dockerd.ts) under an
// in-process agent is stopped (SIGTERM: it kills its containers and exits) and started again after
// `downMs`; every create the engine makes is counted. The pool is watched from outside (its list every
// 100 ms, and the daemon's start and die events, followed again once the daemon is back), and never over
// capacity is judged by the processes, as in kill.ts (capacityFigures).
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { Agent } from '../agent/agent.js';
import { parseConfig } from '../agent/config-loader.js';
import { engineServicesOf } from '../agent/wiring.js';
import { DockerEngine } from '../engines/docker/docker.js';
import type { DockerConfig, DockerServiceOptions } from '../engines/docker/schema.js';
import type { EngineService } from '../engines/types.js';
import type { Source } from '../sources/types.js';
import { capacityFigures, PoolEvents, PoolWatch, type CapacityFigures } from './pool-watch.js';
import { PrivateDockerd } from './private-dockerd.js';
import { capturingLog, INTERVAL_MS, SLEEPER, sleep, until } from './support.js';

export interface EngineOutageFigures extends CapacityFigures {
  readonly downMs: number;
  /** Ticks the agent made while the daemon was down (it stays alive and holds). */
  readonly ticksWhileDown: number;
  /** Create calls the engine made from the SIGTERM to the daemon answering again. */
  readonly createsWhileDown: number;
  /** From the daemon answering /_ping again to the pool being exactly right (null: not within 30 s). */
  readonly convergedAfterBackMs: number | null;
  readonly engineErrorLines: number;
  readonly recoveredLines: number;
  readonly capacity: number;
  /**
   * Containers started before the stop whose `die` the daemon did not send before it exited (it kills
   * them as it stops: the list shows them exited once it is back); their die is taken at its exit.
   */
  readonly diesAtExit: number;
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
  const events = new PoolEvents(daemon.docker, pool);
  let agent: Agent | undefined;
  try {
    await events.start();
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
    const exitedAtMs = Date.now();
    events.stop();
    await sleep(Math.max(0, downMs - (Date.now() - downAtMs)));
    const startingAtMs = Date.now();
    await daemon.start();
    const backAtMs = Date.now();
    await events.start(startingAtMs); // all the daemon sent since it started again
    await until(() => watch.firstExactly(backAtMs, expected) !== undefined, 30_000, 50);
    const converged = watch.firstExactly(backAtMs, expected);
    // A container still between start and die when the daemon exited was killed by it (the daemon stops
    // its containers as it goes): its die is its exit, if the list says so once it is back.
    const died = new Set(events.events.filter((e) => e.action === 'die').map((e) => e.id));
    const firstBack = watch.samples.find((s) => s.atMs >= backAtMs);
    const diesAtExit = events.events
      .filter((e) => e.action === 'start' && e.atMs < exitedAtMs && !died.has(e.id) && !firstBack?.holdingIds.includes(e.id))
      .map((e) => ({ id: e.id, action: 'die', atMs: exitedAtMs }));
    return {
      downMs: backAtMs - downAtMs,
      ticksWhileDown: ticks.toArray().filter((t) => t.atMs > downAtMs && t.atMs < backAtMs).length,
      createsWhileDown: creates.filter((t) => t >= downAtMs && t < backAtMs).length,
      convergedAfterBackMs: converged ? converged.atMs - backAtMs : null,
      engineErrorLines: count('engine-error'),
      recoveredLines: count('engine-error-recovered'),
      capacity,
      diesAtExit: diesAtExit.length,
      ...capacityFigures(watch.samples, [...events.events, ...diesAtExit], capacity),
    };
  } finally {
    watch.stop();
    events.stop();
    await agent?.stop().catch(() => undefined); // cleanup must not hide the scenario's own error
    await daemon.destroy();
  }
}
