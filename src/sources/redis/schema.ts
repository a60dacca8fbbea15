// The `metric:` block of `source: redis`: a list's length (`key:`), or a stream consumer group's
// backlog (`stream:` + `group:`). Validated once into a tagged `target` the reader switches on.
import { z } from 'zod';
import { nonEmptyString } from '../../config/fields.js';

export type StreamCount = 'lag+pending' | 'lag' | 'pending';

export type RedisTarget =
  | { readonly kind: 'list'; readonly key: string }
  | { readonly kind: 'stream'; readonly stream: string; readonly group: string; readonly count: StreamCount }
  /** `arrivals: {counter: true}`: the stream's entries-added (XINFO STREAM, Redis 7), messages ever added. */
  | { readonly kind: 'added'; readonly stream: string };

const redisUrl = nonEmptyString('a URL like redis://127.0.0.1:6379 or rediss://host:6380/0').refine((text) => {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'redis:' || url.protocol === 'rediss:') && /^\/?\d*$/.test(url.pathname);
}, 'expected a URL like redis://127.0.0.1:6379 or rediss://host:6380/0 (scheme redis or rediss, optional /db number)');

const fields = z
  .object({
    source: z.literal('redis'),
    url: redisUrl.default('redis://127.0.0.1:6379'),
    /** Overrides the URL's user; use ${ENV} or ${file:/path} for secrets. */
    username: nonEmptyString().optional(),
    password: nonEmptyString().optional(),
    key: nonEmptyString('a list key').optional(),
    stream: nonEmptyString('a stream key').optional(),
    group: nonEmptyString('a consumer group name').optional(),
    count: z.enum(['lag+pending', 'lag', 'pending'], { message: 'expected lag+pending, lag or pending' }).optional(),
    /** Wake the agent on keyspace notifications for the key (needs notify-keyspace-events on the server). */
    watch: z.boolean({ invalid_type_error: 'expected true or false' }).default(true),
    /** Let microscale add the flags it needs to notify-keyspace-events (CONFIG SET) when they are missing. */
    configureKeyspaceEvents: z.boolean({ invalid_type_error: 'expected true or false' }).default(false),
  })
  .strict();

export const redisSchema = fields
  .superRefine((c, ctx) => {
    const problem = (path: string, message: string): void => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    if (c.key === undefined && c.stream === undefined)
      problem('key', 'is required: give key: (a list) or stream: and group: (a stream consumer group)');
    if (c.key !== undefined && c.stream !== undefined) problem('stream', 'give either key: (a list) or stream: (a stream), not both');
    if (c.stream !== undefined && c.group === undefined)
      problem('group', 'is required with stream: (the consumer group whose backlog to read)');
    if (c.key !== undefined && c.group !== undefined) problem('group', 'only applies to stream:; a list has no consumer groups');
    if (c.key !== undefined && c.count !== undefined) problem('count', 'only applies to stream:; a list is read with LLEN');
  })
  .transform((c): RedisConfig => {
    const target: RedisTarget =
      c.stream !== undefined
        ? { kind: 'stream', stream: c.stream, group: c.group ?? '', count: c.count ?? 'lag+pending' }
        : { kind: 'list', key: c.key ?? '' };
    return {
      source: c.source,
      url: c.url,
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(c.password !== undefined ? { password: c.password } : {}),
      target,
      watch: c.watch,
      configureKeyspaceEvents: c.configureKeyspaceEvents,
    };
  });

export interface RedisConfig {
  readonly source: 'redis';
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly target: RedisTarget;
  readonly watch: boolean;
  readonly configureKeyspaceEvents: boolean;
}

/**
 * `arrivals: {source: redis, stream: S, counter: true}`: the stream's entries-added counter (Redis >= 7),
 * which the agent turns into messages/s. No group (every entry added counts) and no watch (arrivals
 * need no wake-up: the queue's own metric has one).
 */
export const redisCounterSchema = z
  .object({
    source: z.literal('redis'),
    url: redisUrl.default('redis://127.0.0.1:6379'),
    username: nonEmptyString().optional(),
    password: nonEmptyString().optional(),
    stream: nonEmptyString('a stream key').optional(),
    /** Refused below with the reason: named here so the error is not "unknown key". */
    key: z.unknown().optional(),
    group: z.unknown().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const problem = (path: string, message: string): void => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    if (c.key !== undefined)
      problem(
        'key',
        'a list has no counter of entries added (LLEN is only its length now); use stream: with counter: true, or remove counter',
      );
    else if (c.stream === undefined) problem('stream', 'is required with counter: true (the stream whose entries-added to read)');
    if (c.group !== undefined) problem('group', 'does not apply with counter: true (every entry added to the stream counts); remove group');
  })
  .transform(
    (c): RedisConfig => ({
      source: c.source,
      url: c.url,
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(c.password !== undefined ? { password: c.password } : {}),
      target: { kind: 'added', stream: c.stream ?? '' },
      watch: false,
      configureKeyspaceEvents: false,
    }),
  );
