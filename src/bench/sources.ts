// `bench sources`: (1) time from a change of the metric to the decision, with the source waking the
// agent (push, Redis keyspace notifications) vs the same source polled on the 500 ms tick; (2) read
// latency p50/p99 of every registered source kind whose server is reachable on loopback, vs the bare
// driver call where there is one; (3) one tick with 100 services reading in parallel vs one by one.
import { Redis } from 'ioredis';
import { silentLogger } from '../log/logger.js';
import { findSourceKind } from '../sources/index.js';
import type { Source } from '../sources/types.js';
import { REDIS_URL } from './services/redis.js';
import type { BenchResult, BenchRow, Benchmark } from './types.js';
import { measureReaction, type ReactionSubject } from './source-reaction.js';
import { startQueueSubjects, type QueueSubject } from './source-subjects.js';
import { measureTicks } from './source-tick.js';
import { percentile, timeEach, timeInterleaved } from './source-timing.js';

const context = { service: 'bench', log: silentLogger(), nowMs: Date.now };

function row(measure: string, source: string, ours: readonly number[], baseline?: { name: string; samples: readonly number[] }): BenchRow {
  const p50 = percentile(ours, 50);
  const baseP50 = baseline ? percentile(baseline.samples, 50) : Number.NaN;
  return {
    measure,
    source,
    n: ours.length,
    'p50 ms': p50,
    'p99 ms': percentile(ours, 99),
    baseline: baseline?.name ?? null,
    'baseline p50 ms': baseline ? baseP50 : null,
    'baseline p99 ms': baseline ? percentile(baseline.samples, 99) : null,
    'baseline / ours (p50)': baseline ? baseP50 / p50 : null,
  };
}

function build(metric: Record<string, unknown>): Source {
  const kind = findSourceKind(String(metric.source));
  if (!kind) throw new Error(`source kind ${String(metric.source)} is not registered`);
  return kind.create(kind.schema.parse(metric), context);
}

async function reactionRows(subject: ReactionSubject, trials: number): Promise<BenchRow> {
  const polled = await measureReaction(subject, false, trials);
  const watched = await measureReaction(subject, true, trials);
  return row('change → decision', `${subject.name} (wakes the agent)`, watched, {
    name: 'same source, polled every 500 ms',
    samples: polled,
  });
}

async function redisReaction(redis: QueueSubject, trials: number): Promise<BenchRow> {
  // The shared Redis may have notifications off: turn on what the source needs, and put it back after.
  const admin = new Redis(REDIS_URL);
  const before = ((await admin.config('GET', 'notify-keyspace-events')) as string[])[1] ?? '';
  try {
    await redis.prepare(1, 20);
    const metric = { ...redis.metricFor(0), configureKeyspaceEvents: true };
    return await reactionRows({ name: 'redis list, keyspace notifications', metric, change: (value) => redis.setValue(value) }, trials);
  } finally {
    await admin.config('SET', 'notify-keyspace-events', before);
    admin.disconnect();
  }
}

async function readRow(
  name: string,
  source: Source,
  reads: number,
  raw?: { name: string; read: () => Promise<number> },
): Promise<BenchRow> {
  try {
    const read = () => source.read(AbortSignal.timeout(2000));
    if (!raw) return row('read', name, await timeEach(read, reads));
    const [ours, rawMs] = await timeInterleaved(read, raw.read, reads);
    const baseline = { name: raw.name, samples: rawMs };
    return row('read', name, ours, baseline);
  } finally {
    await source.close();
  }
}

async function cloudReadRows(reads: number, notes: string[]): Promise<BenchRow[]> {
  let cloud: typeof import('./cloud-subjects.js');
  try {
    cloud = await import('./cloud-subjects.js');
  } catch (error) {
    notes.push(
      `sqs, azure-queue, nsq, prometheus, http read latency not measured: ${error instanceof Error ? error.message : String(error)}`,
    );
    return [];
  }
  const { subjects, skipped } = await cloud.startCloudSubjects();
  notes.push(...skipped.map((kind) => `SKIPPED: ${kind} read latency (its server is not installed)`));
  const rows: BenchRow[] = [];
  for (const subject of subjects) {
    try {
      if (!findSourceKind(subject.kind)) continue;
      const ours = await timeEach(() => subject.source.read(AbortSignal.timeout(2000)), reads);
      rows.push(row('read', `${subject.kind} (${subject.server})`, ours));
    } finally {
      await subject.close();
    }
  }
  return rows;
}

export const sourcesBenchmark: Benchmark = {
  name: 'sources',
  description: 'change → decision pushed vs polled; read p50/p99 per source; a 100-service tick, parallel vs one by one',
  async run({ quick }): Promise<BenchResult> {
    const trials = quick ? 6 : 30;
    const reads = quick ? 100 : 1000;
    const ticks = quick ? 5 : 20;
    const rows: BenchRow[] = [];
    const notes: string[] = [];
    const { subjects, skipped } = await startQueueSubjects();
    notes.push(...skipped.map((s) => `SKIPPED: ${s}`));
    try {
      rows.push(
        await reactionRows(
          { name: 'push', metric: { source: 'push', initial: 20 }, change: async (value, agent) => agent.pushMetric('bench', value) },
          trials,
        ),
      );
      const redis = subjects.find((s) => s.name.startsWith('redis'));
      if (redis) rows.push(await redisReaction(redis, trials));

      const push = build({ source: 'push' });
      push.accept?.(37);
      rows.push(await readRow('push (in memory)', push, reads));
      for (const subject of subjects) {
        await subject.prepare(1, 37);
        rows.push(await readRow(subject.name, build(subject.metricFor(0)), reads, { name: subject.rawName, read: subject.rawRead }));
      }
      rows.push(...(await cloudReadRows(reads, notes)));

      const floor = await measureTicks(() => ({ source: 'push', initial: 5 }), 100, ticks);
      rows.push(
        row('tick, 100 services', "push (in memory: the agent's own cost)", floor.tickMs, {
          name: '100 reads one by one',
          samples: floor.sequentialMs,
        }),
      );
      for (const subject of subjects) {
        await subject.prepare(100, 5);
        const times = await measureTicks(subject.metricFor, 100, ticks);
        if (times.failedReads > 0) notes.push(`${subject.name}: ${times.failedReads} reads failed during the 100-service ticks`);
        rows.push(row('tick, 100 services', subject.name, times.tickMs, { name: '100 reads one by one', samples: times.sequentialMs }));
      }
    } finally {
      await Promise.all(subjects.map((s) => s.cleanup().catch(() => undefined))); // cleanup must not hide the run's own error
    }
    notes.push('change → decision: sim engine, interval 500ms, minTickGap 50ms; each change at a random phase of the tick timer');
    notes.push(
      'NATS reaction not measured: a watched NATS source wakes on each publish, ' +
        'so a burst of messages is seen part-way; its reads and ticks are measured',
    );
    return {
      name: 'sources',
      summary: 'metric sources on loopback: reaction, read latency and tick time, each against its baseline',
      rows,
      notes,
    };
  },
};
