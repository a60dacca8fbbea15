// The Redis reads: LLEN for a list; XINFO GROUPS for a stream consumer group's lag and pending entries.
// Redis reports lag as null when it cannot know it (after XDEL/XTRIM or XSETID), so then we count the
// entries after the group's last-delivered id ourselves, up to a limit, and fall back to XLEN above it.
import type { Redis } from 'ioredis';
import { SourceError } from '../../errors.js';
import type { RedisTarget } from './schema.js';

/** Above this many undelivered entries the null-lag fallback stops counting and uses XLEN (an upper bound). */
export const LAG_SCAN_LIMIT = 10_000;

type StreamTarget = Extract<RedisTarget, { kind: 'stream' }>;

export interface GroupInfo {
  readonly name: string;
  readonly pending: number;
  readonly lastDeliveredId: string;
  readonly lag: number | null;
}

/** XINFO GROUPS answers one flat [field, value, ...] array per group. */
export function parseGroups(reply: unknown): GroupInfo[] {
  if (!Array.isArray(reply)) throw new Error(`XINFO GROUPS answered ${typeof reply}, expected an array`);
  return reply.map((flat: unknown) => {
    if (!Array.isArray(flat)) throw new Error('XINFO GROUPS answered an entry that is not an array');
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(String(flat[i]), flat[i + 1]);
    const lag = fields.get('lag');
    return {
      name: String(fields.get('name')),
      pending: Number(fields.get('pending') ?? 0),
      lastDeliveredId: String(fields.get('last-delivered-id') ?? '0-0'),
      lag: lag === null || lag === undefined ? null : Number(lag),
    };
  });
}

async function lagWithoutCounter(client: Redis, stream: string, lastDeliveredId: string): Promise<number> {
  if (lastDeliveredId === '0-0') return client.xlen(stream);
  const after = await client.xrange(stream, `(${lastDeliveredId}`, '+', 'COUNT', LAG_SCAN_LIMIT + 1);
  return after.length <= LAG_SCAN_LIMIT ? after.length : client.xlen(stream);
}

async function readStream(client: Redis, target: StreamTarget, service: string): Promise<number> {
  const groups = parseGroups(await client.xinfo('GROUPS', target.stream));
  const group = groups.find((g) => g.name === target.group);
  if (!group) {
    const known = groups.map((g) => g.name).join(', ') || 'none';
    throw new SourceError(
      'not-found',
      'redis',
      service,
      `stream "${target.stream}" has no consumer group "${target.group}" (groups: ${known}); create it with XGROUP CREATE or fix group:`,
    );
  }
  const lag = target.count === 'pending' ? 0 : (group.lag ?? (await lagWithoutCounter(client, target.stream, group.lastDeliveredId)));
  const pending = target.count === 'lag' ? 0 : group.pending;
  return lag + pending;
}

/** XINFO STREAM's entries-added (Redis >= 7): every entry ever added to the stream, deleted ones included. */
export async function readEntriesAdded(client: Redis, stream: string, service: string): Promise<number> {
  const reply: unknown = await client.xinfo('STREAM', stream);
  const flat = Array.isArray(reply) ? reply : [];
  const at = flat.findIndex((field, i) => i % 2 === 0 && String(field) === 'entries-added');
  const added = at >= 0 ? Number(flat[at + 1]) : Number.NaN;
  if (!Number.isFinite(added))
    throw new SourceError(
      'bad-response',
      'redis',
      service,
      `XINFO STREAM "${stream}" has no entries-added (it came in Redis 7); upgrade Redis, or give arrivals as a rate (e.g. source: push)`,
    );
  return added;
}

/** The metric's value for one target. Driver errors propagate for the source to classify. */
export async function readTarget(client: Redis, target: RedisTarget, service: string): Promise<number> {
  if (target.kind === 'list') return client.llen(target.key);
  if (target.kind === 'added') return readEntriesAdded(client, target.stream, service);
  return readStream(client, target, service);
}

/** What a read looks at, for error messages: `list "jobs"` or `stream "jobs" group "workers"`. */
export function describeTarget(target: RedisTarget): string {
  if (target.kind === 'added') return `stream "${target.stream}" entries-added`;
  return target.kind === 'list' ? `list "${target.key}"` : `stream "${target.stream}" group "${target.group}"`;
}
