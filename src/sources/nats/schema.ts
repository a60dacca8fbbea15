// The `metric:` block of `source: nats`: a JetStream consumer's backlog (num_pending, the messages it
// has not been sent yet, plus num_ack_pending, those sent but not yet acknowledged).
import { z } from 'zod';
import { nonEmptyString } from '../../config/fields.js';

const natsUrl = nonEmptyString('a URL like nats://127.0.0.1:4222').refine(
  (text) => URL.canParse(text) && ['nats:', 'tls:'].includes(new URL(text).protocol),
  'expected a URL like nats://127.0.0.1:4222 (scheme nats or tls)',
);

const connectionFields = {
  source: z.literal('nats'),
  url: natsUrl.default('nats://127.0.0.1:4222'),
  /** Credentials: user/password (or in the URL), a token, or a .creds file (JWT + nkey seed). */
  username: nonEmptyString().optional(),
  password: nonEmptyString().optional(),
  token: nonEmptyString().optional(),
  credsFile: nonEmptyString('a path to a .creds file').optional(),
  stream: nonEmptyString('a JetStream stream name'),
};

/** One way to authenticate, and username with password. */
function checkAuth(
  c: { username?: string | undefined; password?: string | undefined; token?: string | undefined; credsFile?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  const methods = [c.username !== undefined || c.password !== undefined, c.token !== undefined, c.credsFile !== undefined].filter(
    Boolean,
  ).length;
  if (methods > 1)
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['token'],
      message: 'give one way to authenticate: username/password, token or credsFile',
    });
  if ((c.username === undefined) !== (c.password === undefined)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: [c.username === undefined ? 'username' : 'password'],
      message: 'username and password go together',
    });
  }
}

export const natsSchema = z
  .object({
    ...connectionFields,
    consumer: nonEmptyString('a durable consumer name'),
    count: z
      .enum(['pending+ackPending', 'pending', 'ackPending'], { message: 'expected pending+ackPending, pending or ackPending' })
      .default('pending+ackPending'),
    /**
     * Wake the agent when a message is published to the stream's subjects (a plain NATS subscription,
     * so every message's payload is also sent to microscale: off by default for busy streams).
     */
    watch: z.boolean({ invalid_type_error: 'expected true or false' }).default(false),
  })
  .strict()
  .superRefine(checkAuth);

export type NatsConfig = z.output<typeof natsSchema>;

/**
 * `arrivals: {source: nats, stream: S, counter: true}`: the stream's last sequence (state.last_seq), the
 * count of messages ever added (a purge keeps it; deleting the stream restarts it), which the agent turns
 * into messages/s. No consumer: every message added counts.
 */
export const natsCounterSchema = z
  .object({
    ...connectionFields,
    /** Refused below with the reason: named here so the error is not "unknown key". */
    consumer: z.unknown().optional(),
    count: z.unknown().optional(),
    watch: z.unknown().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    checkAuth(c, ctx);
    for (const key of ['consumer', 'count', 'watch'] as const)
      if (c[key] !== undefined)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [key],
          message: `does not apply with counter: true (the stream's last sequence counts every message added); remove ${key}`,
        });
  })
  .transform(({ consumer: _consumer, count: _count, watch: _watch, ...c }) => ({ ...c, counter: true as const }));

export type NatsCounterConfig = z.output<typeof natsCounterSchema>;
