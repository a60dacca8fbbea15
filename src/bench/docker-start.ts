// `bench docker-start`: what the daemon's start of a pre-created container costs with each container
// option, paired in one run (issue 15: where can the start that replaces an exited container get
// faster?). Each round runs every variant once, in a random order: a busybox `sleep 3600` container A
// runs, B is created with the same options; A is killed and B started on A's `die` event (as the
// docker engine's prepared starts do), timed from the daemon's own event timestamps. The baseline is
// microscale's default (HostConfig {Init: true}, the daemon's default network and log driver). Two
// variants are not options: B started on the kill's answer instead of A's `die` (not safe: nothing says
// A has exited; shown for what waiting for the `die` costs), and SIGKILL instead of SIGTERM.
import Docker from 'dockerode';
import { loadavg } from 'node:os';
import { LABEL, ownedLabels, poolFilter } from '../engines/docker/labels.js';
import { destroyStream, onJsonLines } from '../util/json-lines.js';
import { percentileS } from './demo-score.js';
import { dockerProblem } from './docker.js';
import type { BenchRow, Benchmark, BenchOptions } from './types.js';

const IMAGE = 'busybox:latest';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Variant {
  readonly id: string;
  readonly what: string;
  readonly host: Record<string, unknown>;
  readonly signal?: 'SIGKILL';
  /** B is started when the kill is answered, not on A's `die` (unsafe; for comparison only). */
  readonly onAnswer?: boolean;
}

const NO_LOG = { LogConfig: { Type: 'none', Config: {} } };
const VARIANTS: readonly Variant[] = [
  { id: 'default', what: "microscale's default: init, the daemon's network (bridge) and log driver (json-file)", host: { Init: true } },
  { id: 'network-none', what: 'network: none', host: { Init: true, NetworkMode: 'none' } },
  { id: 'network-host', what: 'network: host', host: { Init: true, NetworkMode: 'host' } },
  { id: 'log-none', what: 'log driver none', host: { Init: true, ...NO_LOG } },
  // Without an init, busybox sleep as PID 1 ignores SIGTERM: killed with SIGKILL (compare with default-sigkill).
  { id: 'no-init', what: 'init: false (killed with SIGKILL)', host: { Init: false }, signal: 'SIGKILL' },
  { id: 'none+nolog', what: 'network none and log driver none', host: { Init: true, NetworkMode: 'none', ...NO_LOG } },
  { id: 'default-sigkill', what: 'default, killed with SIGKILL', host: { Init: true }, signal: 'SIGKILL' },
  { id: 'default-on-answer', what: 'default, B started on the kill answer (unsafe)', host: { Init: true }, onAnswer: true },
];

interface Sample {
  readonly killToDie: number;
  readonly dieToStartSent: number;
  readonly startSentToStart: number;
  readonly killToStart: number;
  /** The start event minus the die event: below 0, B ran before A had exited. */
  readonly dieToStart: number;
}

/** start and die events of the pool, by container id, with the daemon's timestamps. */
class Events {
  private readonly seen = new Map<string, number>();
  private readonly waiters: { key: string; resolve: () => void }[] = [];
  private stream: NodeJS.ReadableStream | undefined;
  constructor(
    private readonly docker: Docker,
    private readonly pool: string,
  ) {}
  async open(): Promise<void> {
    this.stream = await this.docker.getEvents({ filters: { type: ['container'], event: ['start', 'die'], label: poolFilter(this.pool) } });
    onJsonLines<{ id?: string; Action?: string; timeNano?: number }>(this.stream, (event) => {
      if (!event.id || !event.Action || event.timeNano === undefined) return;
      const key = `${event.id}/${event.Action}`;
      if (!this.seen.has(key)) this.seen.set(key, event.timeNano / 1e6);
      for (const waiter of this.waiters.filter((w) => w.key === key)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  }
  /** Resolves with the event's daemon time (ms) once it has come (at most 30 s). */
  async when(id: string, action: 'start' | 'die'): Promise<number> {
    const key = `${id}/${action}`;
    if (!this.seen.has(key)) {
      await Promise.race([new Promise<void>((resolve) => this.waiters.push({ key, resolve })), sleep(30_000)]);
    }
    const atMs = this.seen.get(key);
    if (atMs === undefined) throw new Error(`no ${action} event for container ${id.slice(0, 12)} within 30 s`);
    return atMs;
  }
  close(): void {
    destroyStream(this.stream);
  }
}

async function once(docker: Docker, events: Events, pool: string, variant: Variant, made: Set<string>): Promise<Sample> {
  const spec = { Image: IMAGE, Cmd: ['sleep', '3600'], Labels: ownedLabels(pool, 'x'), HostConfig: variant.host };
  const a = await docker.createContainer(spec);
  made.add(a.id);
  await a.start();
  await events.when(a.id, 'start');
  const b = await docker.createContainer(spec);
  made.add(b.id);
  await sleep(300);
  const killMs = Date.now();
  const killed = a.kill({ signal: variant.signal ?? 'SIGTERM' });
  if (variant.onAnswer) await killed;
  else await events.when(a.id, 'die');
  const startSentMs = Date.now();
  await Promise.all([killed, b.start()]);
  const [dieMs, startMs] = await Promise.all([events.when(a.id, 'die'), events.when(b.id, 'start')]);
  await Promise.all([a, b].map((c) => c.remove({ force: true }).then(() => made.delete(c.id))));
  await sleep(200);
  return {
    killToDie: dieMs - killMs,
    dieToStartSent: startSentMs - dieMs,
    startSentToStart: startMs - startSentMs,
    killToStart: startMs - killMs,
    dieToStart: startMs - dieMs,
  };
}

export const dockerStartBenchmark: Benchmark = {
  name: 'docker-start',
  description: "the daemon's start of a pre-created container on the kill's die, per container option (network, log driver, init), paired",
  flags: ['trials'],
  async run(options: BenchOptions) {
    const docker = new Docker();
    const problem = await dockerProblem(docker);
    if (problem !== undefined) return { name: 'docker-start', summary: 'SKIPPED', rows: [], notes: [problem] };
    const rounds = typeof options.args.trials === 'string' ? Number(options.args.trials) : options.quick ? 3 : 20;
    const pool = `bench-docker-start-${process.pid}`;
    const events = new Events(docker, pool);
    await events.open();
    const samples = new Map<string, Sample[]>(VARIANTS.map((v) => [v.id, []]));
    const made = new Set<string>();
    const loadBefore = loadavg()[0] ?? 0;
    try {
      for (let round = 0; round < rounds; round++) {
        const order = [...VARIANTS].sort(() => Math.random() - 0.5);
        for (const variant of order) samples.get(variant.id)?.push(await once(docker, events, pool, variant, made));
      }
    } finally {
      events.close();
      await Promise.all(
        [...made].map(
          (id) =>
            docker
              .getContainer(id)
              .remove({ force: true })
              .catch(() => undefined), // cleanup: one already gone is fine, and must not hide the run's own error
        ),
      );
    }
    const ms = (values: readonly number[], p: number): string => (percentileS(values, p) ?? Number.NaN).toFixed(0);
    const base = samples.get('default') ?? [];
    const baseMedian = percentileS(
      base.map((s) => s.startSentToStart),
      50,
    );
    const rows: BenchRow[] = VARIANTS.map((variant) => {
      const of = samples.get(variant.id) ?? [];
      const pick = (key: keyof Sample): string => {
        const values = of.map((s) => s[key]);
        return `${ms(values, 50)} (${ms(values, 90)})`;
      };
      const median = percentileS(
        of.map((s) => s.startSentToStart),
        50,
      );
      return {
        variant: variant.id,
        what: variant.what,
        'kill -> die ms, median (p90)': pick('killToDie'),
        'die -> start sent ms': pick('dieToStartSent'),
        'start sent -> start event ms': pick('startSentToStart'),
        'vs default': median !== null && baseMedian ? (median / baseMedian).toFixed(2) : '-',
        'kill -> start event ms': pick('killToStart'),
        'die -> start event ms': pick('dieToStart'),
      };
    });
    return {
      name: 'docker-start',
      summary:
        `${rounds} rounds, every variant once per round in a random order; container A (busybox sleep 3600) ` +
        `killed, B (pre-created, same options) started on A's die; daemon event times; baseline: the default row`,
      rows,
      notes: [
        `load average (1 min): ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after; label ${LABEL.pool}=${pool}`,
      ],
    };
  },
};
