// The `images:` block: which image tags to watch, where the watcher keeps its state, and whom to
// notify. Parsing only; src/watch/ turns it into a running watcher (and checks the references).
import { z } from 'zod';
import { duration, intAtLeast, nonEmptyString, url } from './fields.js';

const watchEntry = z.union(
  [
    nonEmptyString('an image reference'),
    z.object({ image: nonEmptyString('an image reference without a tag'), tags: nonEmptyString('a tag pattern like v* or 1.?') }).strict(),
  ],
  {
    errorMap: () => ({ message: 'expected an image reference (REGISTRY/NAME:TAG) or {image: REGISTRY/NAME, tags: PATTERN}' }),
  },
);

const webhookSchema = z
  .object({
    webhook: url('an http(s) URL for the webhook'),
    /** HMAC-SHA256 key for X-Hub-Signature-256; use ${ENV} to keep it out of the file. */
    secret: nonEmptyString('a secret for the HMAC signature (use ${ENV_VAR})').min(16, 'expected a secret of at least 16 characters'),
    timeout: duration().default('10s'),
    /** Retries stop after this long from the change; the delivery is then recorded as failed. */
    giveUpAfter: duration().default('1h'),
    /** The first retry's delay; doubled each time (with jitter), at most retryMax. */
    retryBase: duration().default('1s'),
    retryMax: duration().default('5m'),
  })
  .strict();

export const imagesSchema = z
  .object({
    /** A directory of the watcher's own: last-seen digests and pending deliveries survive restarts there. */
    stateDir: nonEmptyString('a directory path for the watcher state'),
    interval: duration().default('60s'),
    timeout: duration().default('10s'),
    maxManifestBytes: intAtLeast(1024, 64 * 1024 * 1024, ' (64 MiB; a manifest is a few KiB)').default(4 * 1024 * 1024),
    /** The shared secret the registry sends in X-Microscale-Secret to POST /api/registry/events; without it the route is off. */
    eventsSecret: nonEmptyString('a shared secret (use ${ENV_VAR})').min(16, 'expected a secret of at least 16 characters').optional(),
    watch: z.array(watchEntry, { invalid_type_error: 'expected a list of image references' }).default([]),
    notify: z.array(webhookSchema, { invalid_type_error: 'expected a list of {webhook: URL, secret: S}' }).default([]),
  })
  .strict();

export type ImagesConfig = z.infer<typeof imagesSchema>;
export type WebhookConfig = ImagesConfig['notify'][number];
export type WatchEntry = ImagesConfig['watch'][number];
