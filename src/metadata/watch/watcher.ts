// The image watcher. Notices a change to a watched tag two ways: a poll (one HEAD per tag per
// interval, nothing downloaded; tag patterns list the repository's tags, page by page) and a push (the
// registry's own notifications, POST /api/registry/events; push.ts), which only says where to look: every change
// is read from the registry (manifest and config, digest-checked) before it is believed. Per registry,
// a 429's Retry-After is honoured and failures back off exponentially; the rest of a round skips a
// registry that just failed. A change is journalled with its webhook deliveries in one fsynced write
// before anything is sent (announce.ts), so a crash between noticing and delivering loses nothing.
import { EventEmitter } from 'node:events';
import type { Logger } from '../../log/logger.js';
import { RegistryError } from '../errors.js';
import { inspectRegistryImage } from '../image.js';
import { canonicalName, type ImageReference } from '../reference.js';
import type { RegistryClient } from '../registry-client.js';
import { journalAndSend, type ChangeKind, type ImageChange } from './announce.js';
import { diffLabels } from './diff.js';
import { checkRegistryEvents, type RegistryEvent } from './push.js';
import type { Notifier } from './notifier.js';
import { WatchStatus } from './status.js';
import type { ImageSnapshot, JournalRecord, Via, WatchStore } from './store.js';
import { compareTags, imageOf, type WatchTarget } from './targets.js';

export interface WatcherOptions {
  readonly targets: readonly WatchTarget[];
  readonly store: WatchStore;
  readonly notifier: Notifier;
  readonly client: RegistryClient;
  readonly intervalMs: number;
  readonly log: Logger;
  readonly nowMs?: () => number;
  /** Base URL of the API, for the link in each webhook (`<base>api/images/<ref>`). */
  readonly linkBase?: () => string | undefined;
  /** Requests at once per registry (default 8). */
  readonly concurrency?: number;
}

export function snapshotOf(metadata: ImageSnapshot): ImageSnapshot {
  const { digest, mediaType, platform, platforms, created, size, layers, labels, annotations } = metadata;
  return { digest, mediaType, platform, platforms, created, size, layers, labels, annotations };
}

export class ImageWatcher extends EventEmitter<{ change: [ImageChange] }> {
  /** Gates, problems and pattern listings (status.ts): what the API shows. */
  readonly status: WatchStatus;
  private readonly targets: readonly WatchTarget[];
  private readonly nowMs: () => number;
  private readonly checking = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;
  /** Requests sent, by kind, for the bench and /api/images. */
  readonly requests = { head: 0, get: 0, list: 0 };
  /** Poll rounds finished (the first, at start, included). */
  rounds = 0;

  constructor(private readonly options: WatcherOptions) {
    super();
    this.targets = options.targets;
    this.status = new WatchStatus(options.targets);
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** Sends what was pending, checks every target once (a change while down is noticed now), then polls. */
  async start(): Promise<void> {
    this.options.notifier.resume();
    await this.pollOnce('start');
    this.scheduleNext();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round;
    await Promise.all(this.checking.values());
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.pollOnce('poll').finally(() => this.scheduleNext());
    }, this.options.intervalMs);
  }

  /** One round: every registry at once, each with a few requests in flight. */
  async pollOnce(via: Via): Promise<void> {
    const byRegistry = new Map<string, WatchTarget[]>();
    for (const target of this.targets) byRegistry.set(target.ref.registry, [...(byRegistry.get(target.ref.registry) ?? []), target]);
    this.round = Promise.all([...byRegistry.entries()].map(([registry, targets]) => this.pollRegistry(registry, targets, via))).then(() => {
      this.rounds += 1;
    });
    await this.round;
  }

  private async pollRegistry(registry: string, targets: readonly WatchTarget[], via: Via): Promise<void> {
    const tasks: (() => Promise<void>)[] = [];
    for (const target of targets) {
      if (target.kind === 'tag') tasks.push(() => this.check(target.ref, target.key, via, false));
      else tasks.push(() => this.pollPattern(target, via));
    }
    let next = 0;
    const worker = async () => {
      while (next < tasks.length && !this.stopped && this.status.isOpen(registry, this.nowMs())) {
        const task = tasks[next++];
        await task?.();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 8, tasks.length) }, worker));
  }

  private async pollPattern(target: Extract<WatchTarget, { kind: 'pattern' }>, via: Via): Promise<void> {
    let tags: string[];
    try {
      this.requests.list += 1;
      tags = (await this.options.client.listTags(target.ref)).filter(target.match).sort(compareTags);
    } catch (error) {
      this.failed(target.ref, target.key, error);
      if (error instanceof RegistryError && error.failure === 'not-found') tags = [];
      else return;
    }
    this.status.problems.delete(target.key);
    const store = this.options.store;
    const baselined = store.baselines.has(target.key);
    const previous = new Set(
      [...store.tags.values()].filter((t) => t.image === imageOf(target.ref) && t.digest !== null && target.match(t.tag)).map((t) => t.tag),
    );
    this.status.patternTags.set(target.key, tags);
    for (const tag of tags) {
      if (this.stopped || !this.status.isOpen(target.ref.registry, this.nowMs())) return;
      const ref = { ...target.ref, tag, original: `${imageOf(target.ref)}:${tag}` };
      await this.check(ref, canonicalName(ref), via, baselined);
    }
    for (const gone of previous)
      if (!tags.includes(gone)) this.recordGone({ ...target.ref, tag: gone, original: `${imageOf(target.ref)}:${gone}` }, via);
    if (!baselined) store.write({ k: 'baseline', key: target.key });
  }

  /** Checks one tag (at most one check per tag at a time; a request during one runs once more after it). */
  check(ref: ImageReference, key: string, via: Via, newTagIsChange: boolean): Promise<void> {
    const running = this.checking.get(key);
    const run = (running ?? Promise.resolve()).then(() => this.checkNow(ref, key, via, newTagIsChange));
    const tracked = run.finally(() => {
      if (this.checking.get(key) === tracked) this.checking.delete(key);
    });
    this.checking.set(key, tracked);
    return tracked;
  }

  private async checkNow(ref: ImageReference, key: string, via: Via, newTagIsChange: boolean): Promise<void> {
    if (this.stopped || !this.status.isOpen(ref.registry, this.nowMs())) return;
    const { client, store } = this.options;
    const previous = store.tags.get(key);
    let digest: string;
    try {
      this.requests.head += 1;
      digest = (await client.headDigest(ref)).digest;
    } catch (error) {
      if (error instanceof RegistryError && error.failure === 'not-found') {
        this.status.succeeded(ref.registry, key);
        if (previous?.digest) this.recordGone(ref, via);
        else this.status.problems.set(key, { failure: 'not-found', message: error.message, atMs: this.nowMs() });
        return;
      }
      this.failed(ref, key, error);
      return;
    }
    this.status.succeeded(ref.registry, key);
    if (previous && previous.digest === digest) return;
    let snapshot: ImageSnapshot;
    try {
      this.requests.get += 1;
      snapshot = snapshotOf(await inspectRegistryImage(client, ref));
    } catch (error) {
      this.failed(ref, key, error);
      return;
    }
    const first = !previous && !newTagIsChange;
    const kind: ChangeKind = previous?.digest ? 'changed' : 'created';
    const record: JournalRecord = {
      k: 'seen',
      key,
      image: imageOf(ref),
      tag: ref.tag ?? 'latest',
      digest: snapshot.digest,
      snapshot,
      atMs: this.nowMs(),
      via,
    };
    if (first) {
      store.write(record);
      this.options.log.info({ event: 'image-baseline', image: key, digest: snapshot.digest }, `watching ${key}: ${snapshot.digest}`);
      return;
    }
    this.announce(
      {
        kind,
        key,
        image: imageOf(ref),
        tag: ref.tag ?? 'latest',
        oldDigest: previous?.digest ?? null,
        newDigest: snapshot.digest,
        via,
        labels: diffLabels(previous?.snapshot?.labels ?? {}, snapshot.labels),
        snapshot,
      },
      record,
    );
  }

  private recordGone(ref: ImageReference, via: Via): void {
    const key = canonicalName(ref);
    const previous = this.options.store.tags.get(key);
    if (!previous || previous.digest === null) return;
    const record: JournalRecord = { k: 'gone', key, image: imageOf(ref), tag: ref.tag ?? 'latest', atMs: this.nowMs(), via };
    this.announce(
      {
        kind: 'deleted',
        key,
        image: imageOf(ref),
        tag: ref.tag ?? 'latest',
        oldDigest: previous.digest,
        newDigest: null,
        via,
        labels: diffLabels(previous.snapshot?.labels ?? {}, {}),
        snapshot: undefined,
      },
      record,
    );
  }

  /** Journals the new state and its deliveries in one fsynced write, then sends and tells listeners. */
  private announce(change: ImageChange, record: JournalRecord): void {
    journalAndSend(change, record, { ...this.options, nowMs: this.nowMs });
    this.emit('change', change);
  }

  /** Records the failure (status.ts); a failure of the registry itself also closes its gate for a while. */
  private failed(ref: ImageReference, key: string, error: unknown): void {
    const { failure, message, waitMs } = this.status.failed(ref.registry, key, error, this.nowMs());
    if (waitMs === undefined) {
      this.options.log.warn({ event: 'image-check-failed', image: key, failure }, message);
      return;
    }
    this.options.log.warn(
      { event: 'registry-backoff', registry: ref.registry, failure, waitMs },
      `${message}; not asking ${ref.registry} again for ${Math.round(waitMs / 1000)} s`,
    );
  }

  /** What the registry's notification said, as a hint: the watched tags it may concern are re-read (push.ts). */
  onRegistryEvents(events: readonly RegistryEvent[]): Promise<{ checked: number; ignored: number }> {
    return checkRegistryEvents(events, {
      targets: this.targets,
      check: (ref, key, newTagIsChange) => this.check(ref, key, 'push', newTagIsChange),
      listPattern: (target) => this.pollPattern(target, 'push'),
      recordedDigest: (key) => this.options.store.tags.get(key)?.digest,
      baselined: (key) => this.options.store.baselines.has(key),
      stopped: () => this.stopped,
      nowMs: this.nowMs,
    });
  }
}
