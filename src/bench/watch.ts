// `microscale bench watch`: the image watcher on a real docker-registry.
// Push path: an image pushed (the index PUT answered) -> the signed webhook received, through the
// registry's own notifications to POST /api/registry/events; baseline in the same run: the same pushes
// noticed by polling every second. Poll path: 1,000 watched tags on one registry at a 60 s interval
// (10 s with --quick), steady state after the first round: HTTP requests per minute (counted on the wire
// through node:http's and undici's diagnostics channels, token requests and fallbacks included) and CPU
// of this process as % of one core; baseline in the same run: polling that reads each manifest and
// config per round (what `image inspect` per tag does).
import { spawnSync } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { imageRoutes } from '../api/images.js';
import { imagesSchema } from '../config/images.js';
import { silentLogger } from '../log/logger.js';
import { inspectRegistryImage } from '../metadata/image.js';
import { parseReference } from '../metadata/reference.js';
import { RegistryClient } from '../metadata/registry-client.js';
import { createImageWatch } from '../metadata/watch/service.js';
import { freePort, startRegistry, type TestRegistry } from './services/registry.js';
import { pushIndex } from './services/oci-index.js';
import type { Benchmark, BenchRow } from './types.js';

const SECRET = 'bench-watch-secret-0123456789';
const platform = (n: number) => [{ os: 'linux', architecture: 'amd64', labels: { 'org.opencontainers.image.version': String(n) } }];
const pct = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}
const close = (server: Server) => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections()));

/** A webhook receiver that notes when each change's delivery arrived (it can beat the push's own answer). */
function receiver() {
  const arrived = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const atMs = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { reference?: string; newDigest?: string };
      arrived.set(`${body.reference}@${body.newDigest}`, atMs);
      res.end();
    });
  });
  const waitFor = async (key: string, timeoutMs: number): Promise<number> => {
    const deadline = performance.now() + timeoutMs;
    while (!arrived.has(key) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    return arrived.get(key) ?? Number.NaN;
  };
  return { server, waitFor };
}

async function latencies(mode: 'push' | 'poll', pushes: number): Promise<number[]> {
  const stateDir = mkdtempSync(join(tmpdir(), 'microscale-bench-watch-'));
  const hooks = receiver();
  const hookPort = await listen(hooks.server);
  const apiPort = await freePort();
  const notifications =
    mode === 'push'
      ? `notifications: {endpoints: [{name: bench, url: "http://127.0.0.1:${apiPort}/api/registry/events", ` +
        `headers: {X-Microscale-Secret: [${SECRET}]}, timeout: 2s, threshold: 3, backoff: 1s}]}`
      : '';
  const registry = await startRegistry('none', undefined, notifications);
  const ref = `${registry.host}/bench/pushed:v1`;
  await pushIndex(registry.host, 'bench/pushed', 'v1', platform(0));
  const config = imagesSchema.parse({
    stateDir,
    interval: mode === 'push' ? '1h' : '1s',
    ...(mode === 'push' ? { eventsSecret: SECRET } : {}),
    watch: [ref],
    notify: [{ webhook: `http://127.0.0.1:${hookPort}/`, secret: SECRET }],
  });
  const watch = createImageWatch(config, { log: silentLogger() });
  const app = new Hono();
  imageRoutes(watch)(app);
  const api = createAdaptorServer({ fetch: app.fetch, hostname: '127.0.0.1', port: apiPort }) as Server;
  await listen(api, apiPort);
  try {
    await watch.start();
    const times: number[] = [];
    for (let n = 1; n <= pushes; n++) {
      const index = await pushIndex(registry.host, 'bench/pushed', 'v1', platform(n));
      const pushedAt = performance.now();
      const arrived = await hooks.waitFor(`${ref}@${index.digest}`, 15_000);
      times.push(Math.max(0, arrived - pushedAt)); // 0: the webhook beat the registry's answer to the push
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 400)); // pushes at uneven times, not in step with the poll
    }
    return times.filter(Number.isFinite).sort((a, b) => a - b);
  } finally {
    await watch.stop();
    await close(api);
    await close(hooks.server);
    await registry.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Pushes one image and tags it `count` times (the same manifest, so the registry stays small). */
async function manyTags(registry: TestRegistry, count: number): Promise<string[]> {
  const index = await pushIndex(registry.host, 'bench/many', 't0', platform(0));
  const accept = 'application/vnd.oci.image.index.v1+json';
  const body = new Uint8Array(
    await (await fetch(`http://${registry.host}/v2/bench/many/manifests/${index.digest}`, { headers: { Accept: accept } })).arrayBuffer(),
  );
  const tags = Array.from({ length: count }, (_, i) => `t${i}`);
  for (let i = 1; i < count; i += 25) {
    await Promise.all(
      tags
        .slice(i, i + 25)
        .map((tag) =>
          fetch(`http://${registry.host}/v2/bench/many/manifests/${tag}`, { method: 'PUT', body, headers: { 'Content-Type': accept } }),
        ),
    );
  }
  return tags.map((tag) => `${registry.host}/bench/many:${tag}`);
}

/**
 * Counts HTTP requests this process sends, by method, while `run` runs: through the diagnostics channels of
 * node:http (HEAD) and undici (fetch: GET), so every request on the wire is counted, token requests included.
 */
async function counted<T>(run: () => Promise<T>): Promise<{ result: T; requests: Record<string, number> }> {
  const requests: Record<string, number> = {};
  const count = (message: unknown) => {
    const method = String((message as { request?: { method?: string } }).request?.method ?? 'GET');
    requests[method] = (requests[method] ?? 0) + 1;
  };
  diagnostics.subscribe('http.client.request.start', count);
  diagnostics.subscribe('undici:request:create', count);
  try {
    return { result: await run(), requests };
  } finally {
    diagnostics.unsubscribe('http.client.request.start', count);
    diagnostics.unsubscribe('undici:request:create', count);
  }
}

/** Requests sent and CPU used (% of one core) while `during` runs, with its wall time. */
async function window(during: () => Promise<void>): Promise<{ requests: Record<string, number>; cpuPercent: number; wallMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { requests } = await counted(during);
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - started;
  return { requests, cpuPercent: ((used.user + used.system) / 1000 / wallMs) * 100, wallMs };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
};

export const watchBenchmark: Benchmark = {
  name: 'watch',
  description:
    'image watch on a real docker-registry: push -> webhook latency vs polling; 1,000 tags polled: requests/min and CPU vs full reads',
  async run({ quick }) {
    const summary = 'push path: index PUT answered -> signed webhook received (ms); poll path: 1,000 tags on one registry, steady state';
    if (spawnSync('docker-registry', ['--version']).status !== 0)
      return { name: 'watch', summary, rows: [], notes: ["SKIPPED: needs Debian's docker-registry: apt-get install -y docker-registry"] };
    const pushes = quick ? 10 : 20;
    const rows: BenchRow[] = [];
    const pushRow = (what: string, times: number[]) =>
      rows.push({
        what,
        n: times.length,
        'p50 ms': Math.round(pct(times, 0.5)),
        'p95 ms': Math.round(pct(times, 0.95)),
        'max ms': Math.round(times.at(-1) ?? 0),
        goal: 'p95 <= 1000 ms',
      });
    const poll = await latencies('poll', pushes);
    const push = await latencies('push', pushes);
    pushRow('push path: registry notification (microscale)', push);
    pushRow('poll every 1 s (baseline)', poll);

    const tagCount = 1000;
    const intervalMs = quick ? 10_000 : 60_000;
    const registry = await startRegistry('none');
    const stateDir = mkdtempSync(join(tmpdir(), 'microscale-bench-watch-'));
    try {
      const refs = await manyTags(registry, tagCount);
      const watch = createImageWatch(imagesSchema.parse({ stateDir, interval: `${intervalMs}ms`, watch: refs }), { log: silentLogger() });
      await watch.start(); // the first round reads every tag once (the baseline of digests)
      // One steady-state interval: from the end of the first round to the end of the next.
      const rounds = watch.watcher.rounds;
      const ours = await window(() => until(() => watch.watcher.rounds > rounds));
      await watch.stop();
      const perMinute = (requests: Record<string, number>, ms: number) =>
        Math.round((Object.values(requests).reduce((a, b) => a + b, 0) * 60_000) / ms);
      rows.push({
        what: `microscale poll: ${tagCount} tags every ${intervalMs / 1000} s`,
        'requests/min': perMinute(ours.requests, ours.wallMs),
        HEAD: ours.requests.HEAD ?? 0,
        GET: ours.requests.GET ?? 0,
        'CPU % of a core': Number(ours.cpuPercent.toFixed(2)),
        goal: `${tagCount} HEAD/interval, < 2 %`,
      });
      const client = new RegistryClient();
      const parsed = refs.map((r) => parseReference(r));
      const naive = await window(async () => {
        const started = performance.now();
        for (let i = 0; i < parsed.length; i += 8)
          await Promise.all(parsed.slice(i, i + 8).map((ref) => inspectRegistryImage(client, ref)));
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (performance.now() - started))));
      });
      rows.push({
        what: 'full read per tag per interval (baseline)',
        'requests/min': perMinute(naive.requests, naive.wallMs),
        HEAD: naive.requests.HEAD ?? 0,
        GET: naive.requests.GET ?? 0,
        'CPU % of a core': Number(naive.cpuPercent.toFixed(2)),
        goal: '-',
      });
    } finally {
      await registry.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
    const notes = [
      `push rows: ${pushes} pushes each, at uneven times; a push is one index PUT after its blobs and manifests`,
      `poll rows: requests counted through the http/undici diagnostics channels of this ` +
        `process over one steady-state interval (end of one round to the end of the next), ` +
        `scaled to a minute; CPU is this process (the registry is another) over the same window`,
    ];
    if (push.length < pushes || poll.length < pushes)
      notes.push(`missed: ${pushes - push.length} push-path and ${pushes - poll.length} poll-path webhooks did not arrive within 15 s`);
    return { name: 'watch', summary, rows, notes };
  },
};
