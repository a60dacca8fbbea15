// A cache of one kind of object kept current by a watch (the client's ListWatch informer), which
// restarts itself with backoff after the API server goes away and says whether it can be trusted:
// while it is down, observe() must fail rather than report a stale count.
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { reasonOf, statusOf } from './client.js';

export interface WatchedListOptions<T extends KubernetesObject> {
  readonly kubeConfig: KubeConfig;
  /** The collection's API path, e.g. /api/v1/namespaces/ns/pods. */
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Called on every add, update and delete, and when the watch fails. */
  readonly onChange: () => void;
  /**
   * Called, before onChange, with the object as last seen when the watch reports it deleted as it
   * happens: not for objects a list finds gone, nor after a failure until the next list (a watch
   * resumed from its last version replays what happened while it was down, at unknown moments).
   */
  readonly onDeleted?: (lastSeen: T) => void;
  readonly log: Logger;
  readonly what: string;
  /** Said with a 403 (list or watch refused by RBAC): what grants it. */
  readonly forbiddenFix?: string;
}

const BACKOFF_MS = { first: 250, max: 5_000 };

type WatchArgs = Parameters<Watch['watch']>;

/** A Watch that shows each event to `tap` before the informer applies it to its cache. */
class TappedWatch extends Watch {
  constructor(
    config: KubeConfig,
    private readonly tap: (phase: string, object: unknown) => void,
  ) {
    super(config);
  }

  override watch(path: WatchArgs[0], query: WatchArgs[1], callback: WatchArgs[2], done: WatchArgs[3]): Promise<AbortController> {
    const tapped: WatchArgs[2] = (phase, object, event) => {
      this.tap(phase, object);
      callback(phase, object, event);
    };
    return super.watch(path, query, tapped, done);
  }
}

export class WatchedList<T extends KubernetesObject> {
  private readonly informer: ListWatch<T>;
  private healthyValue = false;
  private failedSinceStart = false;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private backoffMs = 0;
  private lastErrorValue = 'not started';
  private forbiddenValue = false;
  /** Which request is in flight: a failure of the list or of the watch (RBAC grants them apart). */
  private phase: 'list' | 'watch' = 'watch';
  /** True from a list until a failure: the watch's deletions are seen as they happen (see onDeleted). */
  private deletionsLive = false;

  constructor(private readonly options: WatchedListOptions<T>) {
    const list = async (): Promise<KubernetesListObject<T>> => {
      this.phase = 'list';
      const listed = await options.list();
      this.phase = 'watch';
      this.deletionsLive = true;
      return listed;
    };
    const tap = (phase: string, object: unknown): void => {
      const { name, namespace } = (object as Partial<KubernetesObject> | null)?.metadata ?? {};
      if (phase !== 'DELETED' || !this.deletionsLive || name === undefined) return;
      const lastSeen = this.informer.get(name, namespace);
      if (lastSeen) options.onDeleted?.(lastSeen);
    };
    this.informer = new ListWatch<T>(
      options.path,
      new TappedWatch(options.kubeConfig, tap),
      list,
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

  /** True when the last failure was a 403: the credentials may not list or watch this (RBAC). */
  get forbidden(): boolean {
    return this.forbiddenValue;
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
    this.phase = 'watch'; // a restart with a resourceVersion watches without listing first
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
    this.deletionsLive = false;
    this.forbiddenValue = statusOf(error) === 403;
    // A refused watch has no Status body (only "Forbidden"): name the verb, as RBAC grants list and watch apart.
    this.lastErrorValue = this.forbiddenValue
      ? `forbidden to ${this.phase} ${this.options.what}: ${reasonOf(error).replace(/^Forbidden$/, 'HTTP 403 Forbidden')}`
      : errorMessage(error) || String((error as { statusCode?: unknown } | null)?.statusCode ?? 'watch failed');
    if (this.stopped) return;
    // The informer stops itself after an error: start it again, later each time while it keeps failing.
    this.backoffMs = Math.min(BACKOFF_MS.max, this.backoffMs ? this.backoffMs * 2 : BACKOFF_MS.first);
    this.options.log.warn(
      { event: 'watch-error', what: this.options.what, retryInMs: this.backoffMs },
      `watch of ${this.options.what} failed: ${this.lastErrorValue}` +
        `${this.forbiddenValue && this.options.forbiddenFix ? `; ${this.options.forbiddenFix}` : ''}; retrying in ${this.backoffMs}ms`,
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
