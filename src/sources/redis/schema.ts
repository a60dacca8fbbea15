// The `metric:` block of `source: redis`: a list's length (`key:`), or a stream consumer group's
// backlog (`stream:` + `group:`). Validated once into a tagged `target` the reader switches on.
import { z } from 'zod';
import { nonEmptyString } from '../../config/fields.js';

export type StreamCount = 'lag+pending' | 'lag' | 'pending';

export type RedisTarget =
  | { readonly kind: 'list'; readonly key: string }
  | { readonly kind: 'stream'; readonly stream: string; readonly group: string; readonly count: StreamCount };

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
  .transform((c) => {
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

export type RedisConfig = z.output<typeof redisSchema>;
