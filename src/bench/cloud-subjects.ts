// Read-latency subjects for the sqs, azure-queue, nsq, prometheus and http sources: each starts its
// server on loopback (fauxqs, Azurite, fake nsqd, Debian's prometheus, a Node JSON server) and builds a
// source reading a known value. `microscale bench sources` can import startCloudSubjects(); run directly
// (npx tsx src/bench/cloud-subjects.ts [reads]) it prints p50/p99 read latency per source.
import { pathToFileURL } from 'node:url';
import { silentLogger } from '../log/logger.js';
import type { Source, SourceContext } from '../sources/types.js';
import { AzureQueueSource, azureQueueSchema } from '../sources/azure-queue/azure-queue.js';
import { azuriteInstalled, fillQueue, startAzurite } from './services/azurite.js';
import { NsqDepthSource, nsqSchema } from '../sources/nsq/nsq.js';
import { startFakeNsqd } from './fakes/fake-nsqd.js';
import { PrometheusQuerySource, prometheusSchema } from '../sources/prometheus/prometheus.js';
import { prometheusInstalled, startTestPrometheus } from './services/prometheus.js';
import { SqsQueueSource, sqsSchema } from '../sources/sqs/sqs.js';
import { FAUXQS_CREDENTIALS, fauxqsInstalled, startFauxqs } from './services/fauxqs.js';
import { HttpJsonSource, httpSchema } from '../sources/http/http.js';
import { startStub } from './fakes/http-stub.js';

export interface CloudSubject {
  readonly kind: string;
  /** What answers: the real server, or what stands in for it. */
  readonly server: string;
  readonly source: Source;
  readonly expected: number;
  close(): Promise<void>;
}

const context: SourceContext = { service: 'bench', log: silentLogger(), nowMs: Date.now };
const VALUE = 37;

async function sqsSubject(): Promise<CloudSubject> {
  const fauxqs = await startFauxqs();
  await fauxqs.fill(await fauxqs.createQueue('jobs'), VALUE);
  const source = new SqsQueueSource(
    sqsSchema.parse({ source: 'sqs', queue: 'jobs', endpoint: fauxqs.endpoint, region: 'us-east-1', credentials: FAUXQS_CREDENTIALS }),
    context,
  );
  return {
    kind: 'sqs',
    server: 'fauxqs 1.9.2 (in-process)',
    source,
    expected: VALUE,
    close: async () => (await source.close(), await fauxqs.close()),
  };
}

async function azureSubject(): Promise<CloudSubject> {
  const azurite = await startAzurite();
  await fillQueue(await azurite.queue('jobs'), VALUE);
  const source = new AzureQueueSource(
    azureQueueSchema.parse({ source: 'azure-queue', queue: 'jobs', connectionString: azurite.connectionString }),
    context,
  );
  return {
    kind: 'azure-queue',
    server: 'Azurite 3.35 (child process)',
    source,
    expected: VALUE,
    close: async () => (await source.close(), await azurite.close()),
  };
}

async function nsqSubject(): Promise<CloudSubject> {
  const nsqd = await startFakeNsqd('v1');
  nsqd.setTopic('jobs', 0, { workers: { depth: VALUE } });
  const source = new NsqDepthSource(nsqSchema.parse({ source: 'nsq', url: nsqd.url, topic: 'jobs', channel: 'workers' }), context);
  return {
    kind: 'nsq',
    server: 'fake nsqd (documented API only)',
    source,
    expected: VALUE,
    close: async () => (await source.close(), await nsqd.close()),
  };
}

async function prometheusSubject(): Promise<CloudSubject> {
  const prom = await startTestPrometheus();
  prom.metrics.set('queue_depth{queue="jobs"}', VALUE);
  const source = new PrometheusQuerySource(
    prometheusSchema.parse({ source: 'prometheus', url: prom.url, query: 'sum(queue_depth{queue="jobs"})' }),
    context,
  );
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && (await source.read(AbortSignal.timeout(2000)).catch(() => -1)) !== VALUE)
    await new Promise((r) => setTimeout(r, 250));
  return {
    kind: 'prometheus',
    server: 'prometheus 2.42 (Debian, child process)',
    source,
    expected: VALUE,
    close: async () => (await source.close(), await prom.close()),
  };
}

async function httpSubject(): Promise<CloudSubject> {
  const server = await startStub((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ queue: { depth: VALUE } })),
  );
  const source = new HttpJsonSource(httpSchema.parse({ source: 'http', url: server.url, path: 'queue.depth' }), context);
  return {
    kind: 'http',
    server: 'Node JSON server (loopback)',
    source,
    expected: VALUE,
    close: async () => (await source.close(), await server.close()),
  };
}

/** Starts every subject whose server is available here; reports the ones it skipped. */
export async function startCloudSubjects(): Promise<{ subjects: CloudSubject[]; skipped: string[] }> {
  const subjects: CloudSubject[] = [];
  const skipped: string[] = [];
  const plan: [string, () => boolean | Promise<boolean>, () => Promise<CloudSubject>][] = [
    ['sqs', fauxqsInstalled, sqsSubject],
    ['azure-queue', azuriteInstalled, azureSubject],
    ['nsq', () => true, nsqSubject],
    ['prometheus', prometheusInstalled, prometheusSubject],
    ['http', () => true, httpSubject],
  ];
  for (const [kind, available, start] of plan) {
    if (await available()) subjects.push(await start());
    else skipped.push(kind);
  }
  return { subjects, skipped };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function main(reads: number): Promise<void> {
  const { subjects, skipped } = await startCloudSubjects();
  console.log(`source        p50 ms  p99 ms  reads  server`);
  for (const subject of subjects) {
    const timings: number[] = [];
    for (let i = 0; i < reads; i++) {
      const started = performance.now();
      const value = await subject.source.read(AbortSignal.timeout(2000));
      timings.push(performance.now() - started);
      if (value !== subject.expected) throw new Error(`${subject.kind} read ${value}, expected ${subject.expected}`);
    }
    timings.sort((a, b) => a - b);
    console.log(
      `${subject.kind.padEnd(12)}  ${percentile(timings, 0.5).toFixed(2).padStart(6)}  ` +
        `${percentile(timings, 0.99).toFixed(2).padStart(6)}  ${String(reads).padStart(5)}  ${subject.server}`,
    );
    await subject.close();
  }
  if (skipped.length > 0) console.log(`SKIPPED (server not installed): ${skipped.join(', ')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(Number(process.argv[2] ?? 500));
}
