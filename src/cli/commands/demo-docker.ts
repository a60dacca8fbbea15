// `microscale demo --engine docker`: the demo on real containers. A producer container pushes work onto
// a Redis list at a rate that changes every 10 s; consumer containers (priority 1) pop and work through
// it, scaled by a PID controller to hold the queue near 20; filler containers (priority 2) take the rest
// of the pool of 9. One tiny image built offline from examples/docker-demo (FROM busybox:latest);
// containers reach Redis on the host's loopback through host networking. On exit everything the demo
// started is stopped and removed, and the queue deleted.
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { Agent } from '../../agent/agent.js';
import { createEngine } from '../../agent/wiring.js';
import { parseDocument } from '../../agent/config-file.js';
import type { MicroscaleConfig } from '../../config/schema.js';
import { DockerEngine } from '../../engines/docker/docker.js';
import { LABEL, ownedLabels } from '../../engines/docker/labels.js';
import { removePoolContainers } from '../../engines/docker/remove-pool.js';
import { dockerSchema } from '../../engines/docker/schema.js';
import { createLogger, silentLogger } from '../../log/logger.js';
import { eventually } from '../../util/eventually.js';
import { UsageError } from '../exit.js';
import { runUntilStopped, startApi } from '../lifecycle.js';
import type { TickRecord } from '../../agent/records.js';
import type { ApiFlags } from '../lifecycle.js';

export const DEMO_IMAGE = 'microscale-demo:1';
export const DEMO_POOL = 'docker-demo';
const DEMO_DIR = fileURLToPath(new URL('../../../examples/docker-demo/', import.meta.url));

/** The sim demo's options (demo.ts passes its own), plus where Redis is. */
export interface DockerDemoOptions extends ApiFlags {
  readonly duration?: number;
  readonly json?: boolean;
  readonly interval?: number;
  readonly verbose?: boolean;
  readonly redisUrl?: string;
  readonly queue?: string;
  /** `--sla N`: the consumers keep the queue under N with the fewest containers instead of holding it near 20. */
  readonly sla?: number;
}

/**
 * The consumers' target: the demo holds the queue near 20 by default; `{sla: {queueLength: N}}` keeps it
 * under N with the fewest consumers.
 */
export type DemoTarget = { readonly queueLength: number } | { readonly sla: { readonly queueLength: number } | { readonly wait: string } };

/** `pushedArrivals`: the consumers also take `arrivals: {source: push}` (the producer's rate, POSTed to the API). */
export function dockerDemoConfig(
  options: Pick<DockerDemoOptions, 'interval' | 'redisUrl' | 'queue' | 'sla'> & {
    readonly target?: DemoTarget;
    readonly pushedArrivals?: boolean;
  },
  pool = DEMO_POOL,
): Promise<MicroscaleConfig> {
  const queue = options.queue ?? 'microscale:demo:queue';
  const url = new URL(options.redisUrl ?? 'redis://127.0.0.1:6379');
  const env = { REDIS_HOST: url.hostname, REDIS_PORT: url.port || '6379', QUEUE: queue };
  const image = { image: DEMO_IMAGE, network: 'host', env };
  return parseDocument({
    engine: { kind: 'docker', pool },
    capacity: 9,
    interval: `${options.interval ?? 500}ms`,
    services: [
      {
        name: 'consumer',
        priority: 1,
        max: 9,
        metric: { source: 'redis', url: url.toString(), key: queue },
        target: options.target ?? (options.sla === undefined ? { queueLength: 20 } : { sla: { queueLength: options.sla } }),
        controller: { ratePerContainer: 5 }, // each consumer works 5 items/s: lets the controller meet a rising queue early
        ...(options.pushedArrivals ? { arrivals: { source: 'push' } } : {}),
        stopGracePeriod: '3s',
        command: ['sh', '/demo/consumer.sh'],
        ...image,
      },
      // Background work pre-empted by the consumers: a short grace so an urgent start never waits long.
      { name: 'filler', priority: 2, target: 'remainder', stopGracePeriod: '1s', command: ['sh', '/demo/filler.sh'], ...image },
    ],
  });
}

/** Builds the demo image from examples/docker-demo when the engine does not have it (offline: busybox only). */
export async function ensureDemoImage(docker: Docker, log: (line: string) => void): Promise<void> {
  try {
    await docker.getImage(DEMO_IMAGE).inspect();
    return;
  } catch {
    // Not there (or no daemon, which the build below then says): build it.
    log(`building ${DEMO_IMAGE} from ${DEMO_DIR} (FROM busybox:latest)`);
  }
  const stream = await docker.buildImage(
    { context: DEMO_DIR, src: ['Dockerfile', 'redis.sh', 'producer.sh', 'consumer.sh', 'filler.sh'] },
    { t: DEMO_IMAGE },
  );
  const output = await new Promise<{ error?: string }[]>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, result: { error?: string }[]) => (error ? reject(error) : resolve(result))),
  );
  const failed = output.find((line) => line.error);
  if (failed) throw new UsageError(`building ${DEMO_IMAGE} failed: ${failed.error ?? ''}; try ${DEMO_DIR}build.sh`);
}

async function preflight(docker: Docker, redisUrl: string): Promise<void> {
  try {
    await docker.ping();
  } catch (error) {
    throw new UsageError(
      `the Docker Engine is not reachable (${String(error)}); start it (../shared/tools/docker-engine up) or set DOCKER_HOST`,
    );
  }
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new UsageError(
      `Redis is not reachable at ${redisUrl} (${String(error)}); start a Redis there (e.g. redis-server --port 6379) or pass --redis-url`,
    );
  } finally {
    redis.disconnect();
  }
}

/** The producer runs beside the pool, not in it: microscale does not scale it. */
export async function startProducer(docker: Docker, env: Record<string, string>, pool = DEMO_POOL): Promise<Docker.Container> {
  const container = await docker.createContainer({
    name: `ms-demo-producer-${pool}-${process.pid}`,
    Image: DEMO_IMAGE,
    Cmd: ['sh', '/demo/producer.sh'],
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: ownedLabels(`${pool}-producer`, 'producer'),
    HostConfig: { NetworkMode: 'host', Init: true },
  });
  await container.start();
  return container;
}

/** Stops and removes everything the demo started (by its labels), and deletes the queue. */
export async function teardownDockerDemo(
  docker: Docker,
  config: MicroscaleConfig,
  redisUrl: string,
  queue: string,
  pool = DEMO_POOL,
): Promise<void> {
  const engine = new DockerEngine(
    dockerSchema.parse({ kind: 'docker', pool }),
    config.services.map((s) => ({ name: s.name, stopGracePeriodMs: s.stopGracePeriodMs, options: s.engineOptions as { image: string } })),
    { log: silentLogger() },
  );
  // Best effort: the wait below sees whether they went, and removePoolContainers takes what is left.
  await engine.apply(config.services.map((s) => ({ name: s.name, replicas: 0 }))).catch(() => undefined);
  await eventually(async () => [...(await engine.observe()).values()].every((s) => s.running + s.starting + s.stopping === 0), 15_000, 200);
  await engine.close();
  await removePoolContainers(docker, `${pool}-producer`);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  await redis.del(queue).catch(() => undefined); // a demo queue left behind is refilled by the next run
  redis.disconnect();
}

/** What the demo's consumers do with the queue, for its first line. */
function consumersDo(sla: number | undefined): string {
  return sla === undefined ? 'hold it near 20' : `keep it under ${sla} with the fewest containers (target {sla: {queueLength: ${sla}}})`;
}

/** `print` shows one tick (demo.ts passes the sim demo's line or JSON printer: one output contract). */
export async function runDockerDemo(options: DockerDemoOptions, print: (tick: TickRecord) => void): Promise<void> {
  const redisUrl = options.redisUrl ?? 'redis://127.0.0.1:6379';
  const queue = options.queue ?? 'microscale:demo:queue';
  const config = await dockerDemoConfig({ ...options, redisUrl, queue });
  const docker = new Docker();
  const say = (line: string): void => console.error(`microscale demo: ${line}`);
  await preflight(docker, redisUrl);
  await ensureDemoImage(docker, say);
  const url = new URL(redisUrl);
  const log = options.verbose ? createLogger('info') : silentLogger();
  const engine = await createEngine(config, { log, nowMs: Date.now });
  const agent = new Agent(config, { engine, log });
  agent.on('tick', print);
  await startProducer(docker, { REDIS_HOST: url.hostname, REDIS_PORT: url.port || '6379', QUEUE: queue });
  if (!options.json)
    say(
      `pool of ${config.capacity} on the Docker Engine (containers labelled ${LABEL.pool}=${DEMO_POOL}); ` +
        `a producer fills Redis list ${queue}, consumers (P1) ${consumersDo(options.sla)}, fillers (P2) take the rest. Ctrl-C to stop.`,
    );
  const api = await startApi(agent, config, options, log);
  if (api) say(`dashboard at ${api.url}`);
  await runUntilStopped(agent, options.duration, async () => {
    await api?.close();
    if (!options.json) say('stopping and removing the demo containers');
    await teardownDockerDemo(docker, config, redisUrl, queue);
  });
}
