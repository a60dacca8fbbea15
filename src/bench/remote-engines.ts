// `bench remote-engines`: what the nomad, marathon and ecs engines cost per tick against their
// documented-API fakes on loopback (observe + apply + observe, every service changing), and how many API
// requests that takes, against the in-process sim engine in the same run. A last row per kind shows a
// service whose reads hang: it costs one timeout per backoff period, not one per tick.
import type { BenchResult, Benchmark } from './types.js';
import { silentLogger } from '../log/logger.js';
import type { Engine, EngineService } from '../engines/types.js';
import { SimEngine } from '../engines/sim/sim.js';
import { createEcsEngine, ecsSchema } from '../engines/ecs/ecs.js';
import { FakeEcs } from './fakes/fake-ecs.js';
import { createMarathonEngine, marathonSchema } from '../engines/marathon/marathon.js';
import { FakeMarathon } from './fakes/fake-marathon.js';
import { createNomadEngine, nomadSchema } from '../engines/nomad/nomad.js';
import { FakeNomad } from './fakes/fake-nomad.js';
import type { FakeHttpServer } from './fakes/fake-http.js';

interface Subject {
  readonly engine: Engine;
  readonly http: FakeHttpServer | undefined;
}

const context = { log: silentLogger(), nowMs: Date.now };
const names = (n: number) => Array.from({ length: n }, (_, i) => `svc-${i}`);

async function subject(kind: string, n: number, timeoutMs: number): Promise<Subject> {
  const timeout = `${timeoutMs}ms`;
  if (kind === 'sim') {
    return {
      engine: new SimEngine(
        { kind: 'sim', startLatency: 20, stopLatency: 20 },
        names(n).map((name) => ({ name, stopGracePeriodMs: 0, options: {} })),
        context,
      ),
      http: undefined,
    };
  }
  if (kind === 'nomad') {
    const fake = new FakeNomad({ evalDelayMs: 5, startLatencyMs: 20, stopLatencyMs: 20 });
    const address = (await fake.http.start()).origin;
    for (const name of names(n)) fake.addJob({ id: name, groups: [{ name: 'g', count: 1 }] });
    const services: EngineService<{ job: string }>[] = names(n).map((name) => ({ name, stopGracePeriodMs: 0, options: { job: name } }));
    return { engine: await createNomadEngine(nomadSchema.parse({ kind, address, timeout }), services, context), http: fake.http };
  }
  if (kind === 'marathon') {
    const fake = new FakeMarathon({ actMs: 5, startLatencyMs: 20, stopLatencyMs: 20 });
    const url = (await fake.http.start()).origin;
    for (const name of names(n)) fake.addApp(`/${name}`, { instances: 1 });
    const services = names(n).map((name) => ({ name, stopGracePeriodMs: 0, options: { app: `/${name}` } }));
    return { engine: await createMarathonEngine(marathonSchema.parse({ kind, url, timeout }), services, context), http: fake.http };
  }
  const fake = new FakeEcs({ accessKeyId: 'AKIABENCH', actMs: 5, startLatencyMs: 20, stopLatencyMs: 20 });
  const endpoint = (await fake.http.start()).origin;
  for (const name of names(n)) fake.addService('default', name, 1);
  const services = names(n).map((name) => ({ name, stopGracePeriodMs: 0, options: { ecsService: name } }));
  const client = { region: 'us-east-1', credentials: { accessKeyId: 'AKIABENCH', secretAccessKey: 'bench' } };
  return {
    engine: await createEcsEngine(ecsSchema.parse({ kind, endpoint, timeout, maxAttempts: 1 }), services, context, client),
    http: fake.http,
  };
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** One tick as the agent does it when every service changes: observe, apply, observe. */
async function ticks(s: Subject, n: number, rounds: number, gapMs: number): Promise<{ ms: number[]; requests: number }> {
  const ms: number[] = [];
  const before = s.http?.requests.length ?? 0;
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    // A tick that fails (the hung fake's timeouts below) is timed all the same: its cost is what is measured.
    await s.engine.observe().catch(() => undefined);
    await s.engine.apply(names(n).map((name) => ({ name, replicas: 1 + ((round + 1) % 2) }))).catch(() => undefined);
    await s.engine.observe().catch(() => undefined);
    ms.push(performance.now() - start);
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  return { ms: ms.sort((a, b) => a - b), requests: ((s.http?.requests.length ?? before) - before) / rounds };
}

export const remoteEnginesBenchmark: Benchmark = {
  name: 'remote-engines',
  description: 'nomad, marathon and ecs engines: ms and API requests per tick against their fakes, vs the sim engine',
  async run({ quick }): Promise<BenchResult> {
    const rows = [];
    const rounds = quick ? 10 : 40;
    for (const n of quick ? [10] : [10, 50]) {
      const sim = await subject('sim', n, 1000);
      const baseline = quantile((await ticks(sim, n, rounds, 0)).ms, 0.5);
      rows.push({
        engine: 'sim (baseline)',
        services: n,
        'tick ms p50': baseline,
        'tick ms p95': null,
        'requests/tick': 0,
        'p50 / sim': 1,
      });
      for (const kind of ['nomad', 'marathon', 'ecs']) {
        const s = await subject(kind, n, 1000);
        const { ms, requests } = await ticks(s, n, rounds, 0);
        rows.push({
          engine: kind,
          services: n,
          'tick ms p50': quantile(ms, 0.5),
          'tick ms p95': quantile(ms, 0.95),
          'requests/tick': requests,
          'p50 / sim': quantile(ms, 0.5) / Math.max(baseline, 0.001),
        });
        await s.engine.close();
        await s.http?.stop();
      }
    }
    for (const kind of ['nomad', 'marathon', 'ecs']) {
      const s = await subject(kind, 10, 200);
      // ECS reads a cluster's services in one call, so the hung call there is svc-0's UpdateService.
      s.http?.fail(
        kind === 'ecs'
          ? { target: /UpdateService/, body: /"service":"svc-0"/, fault: 'hang' }
          : { method: 'GET', path: /svc-0/, fault: 'hang' },
      );
      const hungRounds = quick ? 10 : 30;
      const { ms } = await ticks(s, 10, hungRounds, 100);
      const hungCalls = (s.http?.requests ?? []).filter((r) =>
        kind === 'ecs'
          ? String(r.headers['x-amz-target']).endsWith('UpdateService') && r.body.includes('"svc-0"')
          : r.method === 'GET' && r.url.pathname.includes('svc-0'),
      ).length;
      rows.push({
        engine: `${kind}, 1 of 10 hung (${kind === 'ecs' ? 'its UpdateService' : 'its reads'}; timeout 200ms, ticks 100ms apart)`,
        services: 10,
        'tick ms p50': quantile(ms, 0.5),
        'tick ms p95': quantile(ms, 0.95),
        'requests/tick': null,
        'p50 / sim': null,
        'calls to the hung service': `${hungCalls} in ${hungRounds} ticks`,
      });
      await s.engine.close();
      await s.http?.stop();
    }
    return {
      name: 'remote-engines',
      summary:
        `time of one tick (observe + apply to every service + observe) ` +
        `over ${rounds} ticks on loopback fakes, vs the in-process sim engine`,
      rows,
      notes: [
        'the fakes answer on loopback at once: real clusters add their network and server latency per request',
        'ecs batches DescribeServices: up to 10 services per call',
      ],
    };
  },
};
