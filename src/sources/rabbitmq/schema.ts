// The `metric:` block of `source: rabbitmq`: a queue's ready messages over AMQP, plus its unacked
// messages from the management API when the user gives its URL (AMQP cannot see unacked messages).
import { z } from 'zod';
import { nonEmptyString } from '../../config/fields.js';

function urlWithScheme(schemes: readonly string[], example: string) {
  const message = `expected a URL like ${example}`;
  return nonEmptyString(message).refine((text) => URL.canParse(text) && schemes.includes(new URL(text).protocol), message);
}

const managementSchema = z
  .object({
    url: urlWithScheme(['http:', 'https:'], 'http://127.0.0.1:15672'),
    /** Default: the AMQP user and password. */
    username: nonEmptyString().optional(),
    password: nonEmptyString().optional(),
  })
  .strict();

export const rabbitmqSchema = z
  .object({
    source: z.literal('rabbitmq'),
    url: urlWithScheme(['amqp:', 'amqps:'], 'amqp://user:password@127.0.0.1:5672/vhost').default('amqp://guest:guest@127.0.0.1:5672'),
    /** Override the URL's user/password, e.g. with ${ENV} or ${file:/path}. */
    username: nonEmptyString().optional(),
    password: nonEmptyString().optional(),
    queue: nonEmptyString('a queue name'),
    /** Default: the URL's path (amqp://host/%2f is "/"), else "/". */
    vhost: nonEmptyString('a vhost name').optional(),
    /** The management API (rabbitmq_management plugin), needed to count unacked messages. */
    management: z.union([urlWithScheme(['http:', 'https:'], 'http://127.0.0.1:15672'), managementSchema]).optional(),
    /** What to count: ready messages, or ready + unacked (the default when management is given). */
    count: z.enum(['ready', 'ready+unacked'], { message: 'expected ready or ready+unacked' }).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.count === 'ready+unacked' && c.management === undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['count'],
        message:
          'ready+unacked needs management: (the management API URL, e.g. http://127.0.0.1:15672); AMQP alone sees ready messages only',
      });
    }
  })
  .transform((c) => {
    const management = typeof c.management === 'string' ? { url: c.management } : c.management;
    return {
      source: c.source,
      url: c.url,
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(c.password !== undefined ? { password: c.password } : {}),
      queue: c.queue,
      vhost: c.vhost ?? vhostOf(c.url),
      ...(management !== undefined ? { management } : {}),
      count: c.count ?? (management !== undefined ? 'ready+unacked' : 'ready'),
    } as const;
  });

/** The vhost named by an AMQP URL's path ("/%2f" and no path both mean "/"). */
export function vhostOf(url: string): string {
  const path = new URL(url).pathname.replace(/^\//, '');
  return path === '' ? '/' : decodeURIComponent(path);
}

export type RabbitmqConfig = z.output<typeof rabbitmqSchema>;
