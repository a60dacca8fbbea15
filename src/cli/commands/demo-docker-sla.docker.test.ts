// The SLA target on real containers: the docker demo's Redis-list consumers through a step in the
// producer's rate (5 → 20 → 5 items/s), once with target {sla: {queueLength: 300}} and once with
// {queueLength: 50}, one after the other in this run. The queue is read straight from Redis every
// 200 ms (not from the agent), and the consumers' container-seconds from the engine's reports.
// Needs Docker and Redis.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { Agent } from '../../agent/agent.js';
import { createEngine } from '../../agent/wiring.js';
import { silentLogger } from '../../log/logger.js';
import { needService } from '../../testing/services.js';
import { REDIS_URL, redisCheck } from '../../bench/services/redis.js';
import { dockerCheck, testPool } from '../../engines/docker/testing/docker.js';
import { dockerDemoConfig, ensureDemoImage, startProducer, teardownDockerDemo, type DemoTarget } from './demo-docker.js';

const SLA = 300;
const PHASE_S = 20;
const RATES = [5, 20, 5];

interface StepRun {
  readonly peakQueue: number;
  readonly containerSeconds: number;
  readonly maxConsumers: number;
  readonly reasons: string[];
}

/** One run of the step with the consumers on `target`: the queue's peak and the consumers' container-seconds. */
async function runStep(docker: Docker, target: DemoTarget): Promise<StepRun> {
  const pool = testPool('sla');
  const queue = `microscale:test:${pool}`;
  const config = await dockerDemoConfig({ redisUrl: REDIS_URL, queue, target, pushedArrivals: true }, pool);
  const redis = new Redis(REDIS_URL);
  const engine = await createEngine(config, { log: silentLogger(), nowMs: Date.now });
  const agent = new Agent(config, { engine, log: silentLogger() });
  let measuring = false;
  let containerSeconds = 0;
  let maxConsumers = 0;
  let lastMs: number | undefined;
  let live = 0;
  const reasons: string[] = [];
  agent.on('tick', (tick) => {
    const consumer = tick.services.find((s) => s.name === 'consumer');
    if (!consumer) return;
    const now = Date.now();
    if (measuring && lastMs !== undefined) containerSeconds += (live * (now - lastMs)) / 1000;
    lastMs = now;
    live = consumer.running + consumer.starting + consumer.stopping;
    if (measuring) maxConsumers = Math.max(maxConsumers, live);
    if (measuring && reasons.at(-1) !== consumer.reason) reasons.push(consumer.reason);
  });
  let peakQueue = 0;
  try {
    await agent.start();
    agent.pushArrivals('consumer', 0);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // the pool settles: fillers take it
    const producer = await startProducer(
      docker,
      { REDIS_HOST: '127.0.0.1', REDIS_PORT: '6379', QUEUE: queue, RATES: RATES.join(' '), PHASE: String(PHASE_S) },
      pool,
    );
    measuring = true;
    const startMs = Date.now();
    const endMs = startMs + 3 * PHASE_S * 1000;
    while (Date.now() < endMs) {
      // The producer's rate now, as its own publish counter would report it.
      agent.pushArrivals('consumer', RATES[Math.min(RATES.length - 1, Math.floor((Date.now() - startMs) / 1000 / PHASE_S))] ?? 0);
      peakQueue = Math.max(peakQueue, await redis.llen(queue));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    measuring = false;
    await producer.remove({ force: true });
  } finally {
    await agent.stop();
    await teardownDockerDemo(docker, config, REDIS_URL, queue, pool);
    redis.disconnect();
  }
  return { peakQueue, containerSeconds, maxConsumers, reasons };
}

describe('sla target on real containers', () => {
  it(`holds a Redis list under its SLA (${SLA}) through a step with fewer container-seconds than {queueLength: 50}`, async (t) => {
    if (!(await needService(t, dockerCheck)) || !(await needService(t, redisCheck))) return;
    const docker = new Docker();
    await ensureDemoImage(docker, () => undefined);
    const sla = await runStep(docker, { sla: { queueLength: SLA } });
    const pid = await runStep(docker, { queueLength: 50 });
    const summary = (run: StepRun) =>
      `peak queue ${run.peakQueue}, ${run.containerSeconds.toFixed(0)} consumer container-seconds, at most ${run.maxConsumers} consumers`;
    t.diagnostic(`sla: ${summary(sla)}`);
    t.diagnostic(`{queueLength: 50}: ${summary(pid)}`);
    assert.ok(
      sla.maxConsumers >= 3,
      `the sla target scaled the consumers up for the step (at most ${sla.maxConsumers}): ${sla.reasons.join(' | ')}`,
    );
    assert.ok(sla.peakQueue <= SLA, `the queue reached ${sla.peakQueue}, over the SLA of ${SLA}: ${sla.reasons.join(' | ')}`);
    assert.ok(
      sla.containerSeconds < pid.containerSeconds,
      `sla used ${sla.containerSeconds.toFixed(0)} container-seconds, {queueLength: 50} ${pid.containerSeconds.toFixed(0)}`,
    );
    assert.match(sla.reasons.join('\n'), /start \d+(\.\d+)?s/, 'the reason names the measured start latency');
  });
});
