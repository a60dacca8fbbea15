// One running image watch: the store under stateDir, the notifier and the watcher, built from an
// `images:` block (or the flags of `microscale image watch`). Wired by the agent's `run` and by the CLI.
import type { ImagesConfig } from '../../config/images.js';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { RegistryClient } from '../registry-client.js';
import { Notifier } from './notifier.js';
import type { ImageWatchView, PolicyEvent } from './status.js';
import { WatchStore } from './store.js';
import { watchTargets } from './targets.js';
import { ImageWatcher } from './watcher.js';

export interface ImageWatch extends ImageWatchView {
  readonly notifier: Notifier;
  readonly watcher: ImageWatcher;
  /** Set once the API listens, so webhooks can link to /api/images/<ref>. */
  linkBase: string | undefined;
  readonly policyEvents: PolicyEvent[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ImageWatchOptions {
  readonly log: Logger;
  /** Images the scaler reads labels from (labelsFrom: registry), watched as well. */
  readonly extraImages?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** Throws ConfigError for a bad reference (with its path in the file) before anything is opened. */
export function createImageWatch(config: ImagesConfig, options: ImageWatchOptions): ImageWatch {
  const targets = watchTargets(config.watch, options.extraImages ?? []);
  const log = options.log.child({ component: 'image-watch' });
  const store = new WatchStore(config.stateDir);
  const notifier = new Notifier({ targets: config.notify, store, log });
  const client = new RegistryClient({
    timeoutMs: config.timeout,
    maxManifestBytes: config.maxManifestBytes,
    ...(options.env ? { env: options.env } : {}),
  });
  const watcher = new ImageWatcher({ targets, store, notifier, client, intervalMs: config.interval, log, linkBase: () => watch.linkBase });
  const watch: ImageWatch = {
    config,
    store,
    notifier,
    watcher,
    status: watcher.status,
    // Each tag's own failure is recorded in status; anything else (the journal's disk) is logged, not lost.
    onRegistryEvents: (events) =>
      watcher.onRegistryEvents(events).catch((error: unknown) => {
        log.error(
          { event: 'image-push-check-failed', error: errorMessage(error) },
          `checking a registry notification: ${errorMessage(error)}`,
        );
        return { checked: 0, ignored: events.length };
      }),
    linkBase: undefined,
    policyEvents: [],
    start: async () => {
      log.info(
        {
          event: 'image-watch-started',
          tags: targets.length,
          stateDir: config.stateDir,
          notify: config.notify.length,
          push: config.eventsSecret !== undefined,
        },
        `watching ${targets.length} image tag${targets.length === 1 ? '' : 's'} or ` +
          `pattern${targets.length === 1 ? '' : 's'} every ${config.interval / 1000} s; state in ${store.journalPath}`,
      );
      await watch.watcher.start();
    },
    stop: async () => {
      await watch.watcher.stop();
      await notifier.stop();
      store.close();
    },
  };
  return watch;
}
