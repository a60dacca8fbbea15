// `microscale image watch REF... --state-dir DIR`: the image watcher without an agent, for one-off use
// (and the process the crash tests kill -9). Flags map to the `images:` block and are validated by the
// same schema; secrets come from the environment, never from argv (which `ps` shows to everyone).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Option, type Command } from 'commander';
import { Hono } from 'hono';
import { allowedHostsGuard, requestBodyLimit, securityHeaders } from '../../api/guards.js';
import { notFoundOrNotAllowed } from '../../api/methods.js';
import { imageRoutes } from '../../api/images.js';
import { KEEP_ALIVE_TIMEOUT_MS, parseListen } from '../../api/server.js';
import { imagesSchema } from '../../config/images.js';
import { formatIssues } from '../../config/issues.js';
import { ConfigError } from '../../errors.js';
import { createLogger } from '../../log/logger.js';
import { createImageWatch, type ImageWatch } from '../../metadata/watch/service.js';
import { UsageError } from '../exit.js';
import { durationOption, listenOption } from '../options.js';

export const WEBHOOK_SECRET_ENV = 'MICROSCALE_WEBHOOK_SECRET';
export const EVENTS_SECRET_ENV = 'MICROSCALE_REGISTRY_EVENTS_SECRET';

interface WatchFlags {
  readonly stateDir: string;
  readonly interval: string;
  readonly timeout: string;
  readonly notify: string[];
  readonly giveUpAfter: string;
  readonly retryBase: string;
  readonly webhookTimeout: string;
  readonly listen?: string;
  readonly duration?: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

function configFrom(refs: string[], flags: WatchFlags, env: NodeJS.ProcessEnv) {
  const secret = env[WEBHOOK_SECRET_ENV];
  if (flags.notify.length > 0 && !secret)
    throw new UsageError(`--notify: set ${WEBHOOK_SECRET_ENV} to the webhook's HMAC secret (at least 16 characters) in the environment`);
  const raw = {
    stateDir: flags.stateDir,
    interval: flags.interval,
    timeout: flags.timeout,
    ...(env[EVENTS_SECRET_ENV] ? { eventsSecret: env[EVENTS_SECRET_ENV] } : {}),
    watch: refs,
    notify: flags.notify.map((webhook) => ({
      webhook,
      secret,
      giveUpAfter: flags.giveUpAfter,
      retryBase: flags.retryBase,
      timeout: flags.webhookTimeout,
    })),
  };
  const parsed = imagesSchema.safeParse(raw);
  if (!parsed.success)
    throw new UsageError(
      formatIssues(parsed.error.issues, raw, '', () => [])
        .map(asFlag)
        .join('\n'),
    );
  return parsed.data;
}

/** Where each key of the `images:` block built from the flags came from: what a user of this command typed or set. */
const FLAG_OF: readonly (readonly [RegExp, string])[] = [
  [/^stateDir\b/, '--state-dir'],
  [/^interval\b/, '--interval'],
  [/^timeout\b/, '--timeout'],
  [/^eventsSecret\b/, EVENTS_SECRET_ENV],
  [/^watch\[\d+\](\.\w+)?/, '<ref>'],
  [/^notify\[\d+\]\.webhook\b/, '--notify'],
  [/^notify\[\d+\]\.secret\b/, WEBHOOK_SECRET_ENV],
  [/^notify\[\d+\]\.giveUpAfter\b/, '--give-up-after'],
  [/^notify\[\d+\]\.retryBase\b/, '--retry-base'],
  [/^notify\[\d+\]\.timeout\b/, '--webhook-timeout'],
];

/** "interval: expected a duration ..." -> "--interval: expected a duration ...": the problem named as the user wrote it. */
export function asFlag(problem: string): string {
  for (const [path, flag] of FLAG_OF) if (path.test(problem)) return problem.replace(path, flag);
  return problem;
}

/** The watcher's routes behind the agent API's own guards: headers, the Host allow-list (loopback names and IPs), the body limit. */
export function watchApiApp(watch: ImageWatch): Hono {
  const app = new Hono();
  app.use('*', securityHeaders(), allowedHostsGuard([]), requestBodyLimit());
  imageRoutes(watch)(app);
  app.notFound(notFoundOrNotAllowed(app));
  return app;
}

async function listen(app: Hono, address: string): Promise<{ url: string; close: () => void }> {
  const { host, port } = parseListen(address);
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host, port }) as Server;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}/`;
  return { url, close: () => (server.close(), server.closeAllConnections()) };
}

export function registerImageWatch(image: Command): void {
  image
    .command('watch')
    .argument('<ref...>', 'image tags to watch, e.g. 127.0.0.1:5000/demo/app:v1')
    .description('watch image tags; notify webhooks when a digest changes (state survives restarts)')
    .requiredOption('--state-dir <dir>', 'where last-seen digests and pending deliveries are kept')
    .option('--interval <duration>', 'poll every', '60s')
    .option('--timeout <duration>', 'per registry request', '10s')
    .option(
      '--notify <url>',
      `POST changes to this webhook, signed with ${WEBHOOK_SECRET_ENV} (repeatable)`,
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option('--give-up-after <duration>', 'stop retrying a delivery after', '1h')
    .option('--retry-base <duration>', 'first retry delay (doubled each time, with jitter)', '1s')
    .option('--webhook-timeout <duration>', 'per delivery attempt', '10s')
    .option(
      '--listen <host:port>',
      `serve GET /api/images, /api/deliveries and POST /api/registry/events (needs ${EVENTS_SECRET_ENV})`,
      listenOption,
    )
    .option('--duration <duration>', 'stop after this long (default: until SIGTERM or Ctrl-C)', durationOption)
    .addOption(
      new Option('--log-level <level>', 'what the JSON log lines on stderr include')
        .choices(['debug', 'info', 'warn', 'error', 'silent'])
        .default('info'),
    )
    .addHelpText(
      'after',
      `\nExample:\n` +
        `  ${WEBHOOK_SECRET_ENV}=... microscale image watch 127.0.0.1:5000/demo/app:v1 ` +
        `--state-dir /var/lib/microscale --notify https://hooks.example.com/images`,
    )
    .action(async (refs: string[], flags: WatchFlags) => {
      const config = configFrom(refs, flags, process.env);
      const log = createLogger(flags.logLevel);
      let watch: ImageWatch;
      try {
        watch = createImageWatch(config, { log });
      } catch (error) {
        // A reference the watcher cannot use is one the user typed: name it as typed, not as images.watch[i].
        if (!(error instanceof ConfigError)) throw error;
        throw new UsageError(
          error.problems.map((problem) => problem.replace(/^images\.watch\[(\d+)\]/, (_, i: string) => `${refs[Number(i)]}`)).join('\n'),
        );
      }
      let server: { url: string; close: () => void } | undefined;
      if (flags.listen) {
        server = await listen(watchApiApp(watch), flags.listen);
        watch.linkBase = server.url;
        console.error(`image watch API on ${server.url}`);
      }
      await watch.start();
      console.error(`watching ${watch.status.targets.length} image tag(s); state in ${watch.store.journalPath}`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        if (flags.duration !== undefined) setTimeout(stop, flags.duration);
      });
      await watch.stop();
      server?.close();
    });
}
