// A cache of one kind of object kept current by a watch (the client's ListWatch informer), which
// restarts itself with backoff after the API server goes away and says whether it can be trusted:
// while it is down, observe() must fail rather than report a stale count.
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log/logger.js';

export interface WatchedListOptions<T extends KubernetesObject> {
  readonly kubeConfig: KubeConfig;
  /** The collection's API path, e.g. /api/v1/namespaces/ns/pods. */
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Called on every add, update and delete, and when the watch fails. */
  readonly onChange: () => void;
  readonly log: Logger;
  readonly what: string;
}

const BACKOFF_MS = { first: 250, max: 5_000 };

export class WatchedList<T extends KubernetesObject> {
  private readonly informer: ListWatch<T>;
  private healthyValue = false;
  private failedSinceStart = false;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private backoffMs = 0;
  private lastErrorValue = 'not started';

  constructor(private readonly options: WatchedListOptions<T>) {
    this.informer = new ListWatch<T>(
      options.path,
      new Watch(options.kubeConfig),
      options.list,
      false,
      options.labelSelector,
      options.fieldSelector,
    );
    this.informer.on('change', () => options.onChange());
    this.informer.on('error', (error: unknown) => this.failed(error));
  }

  /** True while the cache follows the server: listed once, and the watch has not failed since. */
  get healthy(): boolean {
    return this.healthyValue;
  }

  get lastError(): string {
    return this.lastErrorValue;
  }

  items(): readonly T[] {
    return this.informer.list();
  }

  get(name: string, namespace: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  /** Lists and starts watching; rejects with the reason when the first list fails. */
  async start(): Promise<void> {
    await this.connect();
    if (!this.healthyValue) throw new Error(this.lastErrorValue);
  }

  private async connect(): Promise<void> {
    this.failedSinceStart = false;
    // ListWatch reports a failed list or watch through its error callback, synchronously before
    // start() resolves, so a start that resolves without one has listed and is watching.
    await this.informer.start();
    if (this.failedSinceStart || this.stopped) return;
    if (this.backoffMs > 0)
      this.options.log.info({ event: 'watch-recovered', what: this.options.what }, `watching ${this.options.what} again`);
    this.healthyValue = true;
    this.backoffMs = 0;
  }

  private failed(error: unknown): void {
    this.failedSinceStart = true;
    this.healthyValue = false;
    this.lastErrorValue = errorMessage(error) || String((error as { statusCode?: unknown } | null)?.statusCode ?? 'watch failed');
    if (this.stopped) return;
    // The informer stops itself after an error: start it again, later each time while it keeps failing.
    this.backoffMs = Math.min(BACKOFF_MS.max, this.backoffMs ? this.backoffMs * 2 : BACKOFF_MS.first);
    this.options.log.warn(
      { event: 'watch-error', what: this.options.what, retryInMs: this.backoffMs },
      `watch of ${this.options.what} failed: ${this.lastErrorValue}; retrying in ${this.backoffMs}ms`,
    );
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => void this.connect().catch((retryError: unknown) => this.failed(retryError)), this.backoffMs);
    this.restartTimer.unref();
    this.options.onChange();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.healthyValue = false;
    clearTimeout(this.restartTimer);
    await this.informer.stop();
  }
}
