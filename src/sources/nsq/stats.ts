// Finds a topic's or channel's depth in nsqd's `GET /stats?format=json` answer. nsqd has sent two
// shapes over the years (see fake-nsqd.ts for the sources): nsqd >= 1.0 sends the stats object as the
// body ({version, health, start_time, topics: [...]}); older nsqd wraps it as
// {status_code, status_txt, data: {...}} unless the client asks for version 1.0. Both are read here.
import type { SourceFailure } from '../../errors.js';

export type DepthOutcome =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly failure: SourceFailure; readonly reason: string };

interface ChannelStats {
  readonly channel_name?: unknown;
  readonly depth?: unknown;
  readonly in_flight_count?: unknown;
  readonly deferred_count?: unknown;
}

interface TopicStats {
  readonly topic_name?: unknown;
  readonly depth?: unknown;
  readonly channels?: unknown;
}

export interface DepthQuery {
  readonly topic: string;
  readonly channel?: string | undefined;
  /** Add in-flight and deferred messages to a channel's depth (they are not done yet either). */
  readonly includeInFlight: boolean;
}

function fail(failure: SourceFailure, reason: string): DepthOutcome {
  return { ok: false, failure, reason };
}

/** The `topics` list from either envelope, or the reason it is not there. */
function topicsOf(body: unknown): readonly TopicStats[] | string {
  if (body === null || typeof body !== 'object') return 'the body is not a JSON object';
  const record = body as { status_code?: unknown; status_txt?: unknown; data?: unknown; topics?: unknown };
  let stats: { topics?: unknown } = record;
  if ('status_code' in record || 'data' in record) {
    if (record.status_code !== 200) return `nsqd reported status ${String(record.status_code)} ${String(record.status_txt ?? '')}`.trim();
    if (record.data === null || typeof record.data !== 'object') return 'the legacy envelope has no data object';
    stats = record.data as { topics?: unknown };
  }
  // nsqd sends "topics": null when it has none (a nil Go slice).
  if (stats.topics === null) return [];
  return Array.isArray(stats.topics) ? (stats.topics as TopicStats[]) : 'there is no topics list';
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function names<T>(items: readonly T[], key: keyof T): string {
  const list = items.map((item) => String(item[key])).slice(0, 8);
  return list.length === 0 ? 'none' : list.join(', ');
}

export function depthFromStats(body: unknown, query: DepthQuery): DepthOutcome {
  const topics = topicsOf(body);
  if (typeof topics === 'string') return fail('bad-response', `not an nsqd /stats answer: ${topics}`);
  const topic = topics.find((t) => t.topic_name === query.topic);
  if (!topic) return fail('not-found', `nsqd has no topic "${query.topic}" (topics: ${names(topics, 'topic_name')})`);
  if (query.channel === undefined) {
    const depth = count(topic.depth);
    return depth === undefined ? fail('bad-response', `topic "${query.topic}" has no numeric depth`) : { ok: true, value: depth };
  }
  const channels = (Array.isArray(topic.channels) ? topic.channels : []) as ChannelStats[];
  const channel = channels.find((c) => c.channel_name === query.channel);
  if (!channel)
    return fail('not-found', `topic "${query.topic}" has no channel "${query.channel}" (channels: ${names(channels, 'channel_name')})`);
  const depth = count(channel.depth);
  if (depth === undefined) return fail('bad-response', `channel "${query.channel}" has no numeric depth`);
  if (!query.includeInFlight) return { ok: true, value: depth };
  return { ok: true, value: depth + (count(channel.in_flight_count) ?? 0) + (count(channel.deferred_count) ?? 0) };
}
