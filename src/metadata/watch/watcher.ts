// The image watcher. Notices a change to a watched tag two ways: a poll (one HEAD per tag per
// interval, nothing downloaded; tag patterns list the repository's tags, page by page) and a push (the
// registry's own notifications, POST /api/registry/events), which only says where to look: every change
// is read from the registry (manifest and config, digest-checked) before it is believed. Per registry,
// a 429's Retry-After is honoured and failures back off exponentially; the rest of a round skips a
// registry that just failed. A change is journalled with its webhook deliveries in one fsynced write
// before anything is sent, so a crash between noticing and delivering loses nothing.
import { EventEmitter } from 'node:events';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { exponentialMs, type BackoffPolicy } from '../../util/backoff.js';
import { RegistryError } from '../errors.js';
import { inspectRegistryImage } from '../image.js';
import { canonicalName, type ImageReference } from '../reference.js';
import type { RegistryClient } from '../registry-client.js';
import { diffLabels, type LabelDiff } from './diff.js';
import type { Notifier } from './notifier.js';
import type { ImageSnapshot, JournalRecord, Via, WatchStore } from './store.js';
import { compareTags, imageOf, type WatchTarget } from './targets.js';

export type ChangeKind = 'changed' | 'created' | 'deleted';

export interface ImageChange {
  readonly kind: ChangeKind;
  /** Canonical tag reference, e.g. 127.0.0.1:5000/demo/app:v2. */
  readonly key: string;
  readonly image: string;
  readonly tag: string;
  readonly oldDigest: string | null;
  readonly newDigest: string | null;
  readonly via: Via;
  readonly labels: LabelDiff;
  readonly snapshot: ImageSnapshot | undefined;
}

export interface TagProblem {
  readonly failure: string;
  readonly message: string;
  readonly atMs: number;
}

interface Gate {
  blockedUntilMs: number;
  failures: number;
  lastError: string | undefined;
}

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

/** A registry that failed is not asked again for 1 s, doubling per failure up to 5 min (or its Retry-After). */
// From 100 ms: docker-registry answers a lone 500 while it moves a tag, and that should cost a push
// notification 100 ms, not a second; a registry that stays down is asked ever less often (at most 5 min).
const REGISTRY_BACKOFF: BackoffPolicy = { firstMs: 100, maxMs: 5 * 60_000 };
const GATING: ReadonlySet<string> = new Set(['rate-limited', 'unreachable', 'timeout', 'bad-response']);

export function snapshotOf(metadata: ImageSnapshot): ImageSnapshot {
  const { digest, mediaType, platform, platforms, created, size, layers, labels, annotations } = metadata;
  return { digest, mediaType, platform, platforms, created, size, layers, labels, annotations };
}

export class ImageWatcher extends EventEmitter<{ change: [ImageChange] }> {
  readonly problems = new Map<string, TagProblem>();
  readonly gates = new Map<string, Gate>();
  /** Per pattern target, the matching tags found by the last listing. */
  readonly patternTags = new Map<string, string[]>();
  readonly targets: readonly WatchTarget[];
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

  private gate(registry: string): Gate {
    let gate = this.gates.get(registry);
    if (!gate) {
      gate = { blockedUntilMs: 0, failures: 0, lastError: undefined };
      this.gates.set(registry, gate);
    }
    return gate;
  }

  private async pollRegistry(registry: string, targets: readonly WatchTarget[], via: Via): Promise<void> {
    const gate = this.gate(registry);
    const tasks: (() => Promise<void>)[] = [];
    for (const target of targets) {
      if (target.kind === 'tag') tasks.push(() => this.check(target.ref, target.key, via, false));
      else tasks.push(() => this.pollPattern(target, via));
    }
    let next = 0;
    const worker = async () => {
      while (next < tasks.length && !this.stopped && this.nowMs() >= gate.blockedUntilMs) {
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
    this.problems.delete(target.key);
    const store = this.options.store;
    const baselined = store.baselines.has(target.key);
    const previous = new Set(
      [...store.tags.values()].filter((t) => t.image === imageOf(target.ref) && t.digest !== null && target.match(t.tag)).map((t) => t.tag),
    );
    this.patternTags.set(target.key, tags);
    const gate = this.gate(target.ref.registry);
    for (const tag of tags) {
      if (this.stopped || this.nowMs() < gate.blockedUntilMs) return;
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
    if (this.stopped) return;
    const gate = this.gate(ref.registry);
    if (this.nowMs() < gate.blockedUntilMs) return;
    const { client, store } = this.options;
    const previous = store.tags.get(key);
    let digest: string;
    try {
      this.requests.head += 1;
      digest = (await client.headDigest(ref)).digest;
    } catch (error) {
      if (error instanceof RegistryError && error.failure === 'not-found') {
        this.succeeded(gate, key);
        if (previous?.digest) this.recordGone(ref, via);
        else this.problems.set(key, { failure: 'not-found', message: error.message, atMs: this.nowMs() });
        return;
      }
      this.failed(ref, key, error);
      return;
    }
    this.succeeded(gate, key);
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
    const { store, notifier, log } = this.options;
    const base = this.options.linkBase?.();
    const payload = {
      event: `image.${change.kind}`,
      image: change.image,
      tag: change.tag,
      reference: change.key,
      oldDigest: change.oldDigest,
      newDigest: change.newDigest,
      created: change.snapshot?.created ?? null,
      labels: change.labels,
      via: change.via,
      detectedAt: new Date(this.nowMs()).toISOString(),
      link: base ? `${base}api/images/${encodeURIComponent(change.key)}` : null,
    };
    const deliveries = notifier.deliveriesFor(payload.event, change.key, payload);
    store.write(
      record,
      ...deliveries.map(
        (d): JournalRecord => ({
          k: 'delivery',
          delivery: { id: d.id, target: d.target, event: d.event, reference: d.reference, body: d.body, createdAtMs: d.createdAtMs },
        }),
      ),
    );
    log.info(
      { event: 'image-changed', image: change.key, kind: change.kind, from: change.oldDigest, to: change.newDigest, via: change.via },
      `${change.key} ${change.kind}: ${change.oldDigest ?? '-'} -> ${change.newDigest ?? '-'} (noticed by ${change.via})`,
    );
    notifier.send(deliveries.map((d) => store.deliveries.get(d.id) ?? d));
    this.emit('change', change);
  }

  private succeeded(gate: Gate, key: string): void {
    gate.failures = 0;
    gate.lastError = undefined;
    this.problems.delete(key);
  }

  private failed(ref: ImageReference, key: string, error: unknown): void {
    const failure = error instanceof RegistryError ? error.failure : 'error';
    const message = errorMessage(error);
    this.problems.set(key, { failure, message, atMs: this.nowMs() });
    if (!GATING.has(failure)) {
      this.options.log.warn({ event: 'image-check-failed', image: key, failure }, message);
      return;
    }
    const gate = this.gate(ref.registry);
    gate.failures += 1;
    gate.lastError = message;
    const backoffMs = exponentialMs(gate.failures, REGISTRY_BACKOFF);
    const waitMs =
      error instanceof RegistryError && error.failure === 'rate-limited' && error.retryAfterMs !== undefined
        ? error.retryAfterMs
        : backoffMs;
    gate.blockedUntilMs = Math.max(gate.blockedUntilMs, this.nowMs() + waitMs);
    this.options.log.warn(
      { event: 'registry-backoff', registry: ref.registry, failure, waitMs },
      `${message}; not asking ${ref.registry} again for ${Math.round(waitMs / 1000)} s`,
    );
  }

  /**
   * docker-registry sends a tagged manifest's push event before it moves the tag (the tag link is written
   * after the manifest is stored), so a read right away can still see the old digest. When the event names
   * a tag and a digest, the tag is read again, every 25 ms for up to 3 s, until it shows that digest. The
   * event only says when to look; what is recorded is always what the registry answers.
   */
  private async checkUntil(ref: ImageReference, key: string, event: RegistryEvent, newTagIsChange: boolean): Promise<void> {
    await this.check(ref, key, 'push', newTagIsChange);
    if (event.action !== 'push' || event.tag === undefined || event.digest === undefined) return;
    // Every 25 ms (a HEAD each) for up to 3 s: the tag usually moves within milliseconds of the event, and a
    // doubling backoff would add its gaps (up to ~800 ms) to the push path's latency.
    const deadline = this.nowMs() + 3000;
    while (!this.stopped && this.nowMs() < deadline) {
      if (this.options.store.tags.get(key)?.digest === event.digest) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
      await this.check(ref, key, 'push', newTagIsChange);
    }
  }

  /** What the registry's notification said, as a hint: the watched tags it may concern are re-read. */
  async onRegistryEvents(events: readonly RegistryEvent[]): Promise<{ checked: number; ignored: number }> {
    const checks: Promise<void>[] = [];
    let ignored = 0;
    for (const event of events) {
      const relevant =
        (event.action === 'push' && (event.tag !== undefined || /manifest|index/.test(event.mediaType ?? ''))) || event.action === 'delete';
      const matching = relevant ? this.targets.filter((t) => t.ref.repository === event.repository) : [];
      if (matching.length === 0) {
        ignored += 1;
        continue;
      }
      for (const target of matching) {
        if (target.kind === 'tag') {
          if (event.tag === undefined || event.tag === target.ref.tag) checks.push(this.checkUntil(target.ref, target.key, event, false));
        } else if (event.tag !== undefined && target.match(event.tag)) {
          const ref = { ...target.ref, tag: event.tag, original: `${imageOf(target.ref)}:${event.tag}` };
          checks.push(this.checkUntil(ref, canonicalName(ref), event, this.options.store.baselines.has(target.key)));
        } else if (event.action === 'delete') {
          checks.push(this.pollPattern(target, 'push'));
        }
      }
    }
    await Promise.all(checks);
    return { checked: checks.length, ignored };
  }
}

export interface RegistryEvent {
  readonly action: string;
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  readonly mediaType: string | undefined;
}

/** The registry's envelope ({events: [{action, target: {repository, tag?, digest?, mediaType?}}]}) → events, or the problem. */
export function parseRegistryEvents(body: unknown): RegistryEvent[] | string {
  if (body === null || typeof body !== 'object' || !Array.isArray((body as { events?: unknown }).events))
    return 'expected a JSON object {"events": [...]} as docker-registry sends (application/vnd.docker.distribution.events.v1+json)';
  const events: RegistryEvent[] = [];
  for (const [i, raw] of (body as { events: unknown[] }).events.entries()) {
    const event = raw as {
      action?: unknown;
      target?: { repository?: unknown; tag?: unknown; digest?: unknown; mediaType?: unknown };
    } | null;
    if (event === null || typeof event !== 'object') return `events[${i}]: expected an object`;
    if (typeof event.action !== 'string') return `events[${i}].action: expected a string like "push"`;
    const target = event.target;
    if (target === null || typeof target !== 'object' || typeof target.repository !== 'string')
      return `events[${i}].target.repository: expected a string`;
    const optional = (value: unknown) => (typeof value === 'string' ? value : undefined);
    events.push({
      action: event.action,
      repository: target.repository,
      tag: optional(target.tag),
      digest: optional(target.digest),
      mediaType: optional(target.mediaType),
    });
  }
  return events;
}
