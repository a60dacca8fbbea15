// What the watcher knows, kept in memory and mirrored to the journal: per watched tag the last digest
// seen (with the image's metadata and a short history of digests), and every webhook delivery with its
// attempts and outcome. Every change goes to the journal (fsynced) before it is acted on.
import type { ImageMetadata } from '../image.js';
import { Journal } from './journal.js';

/** The parts of an image's metadata the watcher keeps per digest. */
export type ImageSnapshot = Pick<
  ImageMetadata,
  'digest' | 'mediaType' | 'platform' | 'platforms' | 'created' | 'size' | 'layers' | 'labels' | 'annotations'
>;

export type Via = 'start' | 'poll' | 'push';

export interface HistoryEntry {
  /** null: the tag was deleted. */
  readonly digest: string | null;
  readonly atMs: number;
  readonly via: Via;
  readonly created: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

export interface TagState {
  /** Canonical reference, e.g. 127.0.0.1:5000/demo/app:v1. */
  readonly key: string;
  /** Registry and repository, e.g. 127.0.0.1:5000/demo/app. */
  readonly image: string;
  readonly tag: string;
  digest: string | null;
  snapshot: ImageSnapshot | undefined;
  seenAtMs: number;
  /** Newest last, at most HISTORY_LENGTH. */
  history: HistoryEntry[];
}

export interface Attempt {
  readonly atMs: number;
  readonly durationMs: number;
  /** The receiver's HTTP status, when it answered. */
  readonly status?: number;
  readonly error?: string;
}

export interface DeliveryRecord {
  readonly id: string;
  readonly target: string;
  readonly event: string;
  readonly reference: string;
  /** The exact bytes sent (as text), so every retry carries the same signature. */
  readonly body: string;
  readonly createdAtMs: number;
}

export interface Delivery extends DeliveryRecord {
  attempts: Attempt[];
  outcome: 'pending' | 'delivered' | 'failed';
  doneAtMs: number | undefined;
  /** Why it failed for good (given up, target removed). */
  reason: string | undefined;
}

export type JournalRecord =
  | { k: 'seen'; key: string; image: string; tag: string; digest: string; snapshot?: ImageSnapshot; atMs: number; via: Via }
  | { k: 'gone'; key: string; image: string; tag: string; atMs: number; via: Via }
  | { k: 'baseline'; key: string }
  | { k: 'delivery'; delivery: DeliveryRecord }
  | { k: 'attempt'; id: string; attempt: Attempt }
  | { k: 'done'; id: string; outcome: 'delivered' | 'failed'; atMs: number; reason?: string };

export const HISTORY_LENGTH = 20;
const FINISHED_KEPT = 500;

export class WatchStore {
  readonly tags = new Map<string, TagState>();
  readonly deliveries = new Map<string, Delivery>();
  readonly baselines = new Set<string>();
  private readonly journal: Journal<JournalRecord>;

  constructor(stateDir: string) {
    this.journal = new Journal<JournalRecord>(stateDir, (record) => this.apply(record));
    this.trimFinished();
  }

  get journalPath(): string {
    return this.journal.path;
  }

  /** Records, fsyncs, then applies: the caller acts only on what is already durable. */
  write(...records: JournalRecord[]): void {
    this.journal.append(...records);
    for (const record of records) this.apply(record);
    if (this.journal.size > 2000 + 4 * (this.tags.size * HISTORY_LENGTH + this.deliveries.size)) this.compact();
  }

  pending(): Delivery[] {
    return [...this.deliveries.values()].filter((d) => d.outcome === 'pending');
  }

  close(): void {
    this.journal.close();
  }

  private apply(record: JournalRecord): void {
    switch (record.k) {
      case 'seen':
      case 'gone': {
        const digest = record.k === 'seen' ? record.digest : null;
        const snapshot = record.k === 'seen' ? record.snapshot : undefined;
        const state = this.tags.get(record.key) ?? {
          key: record.key,
          image: record.image,
          tag: record.tag,
          digest,
          snapshot,
          seenAtMs: record.atMs,
          history: [],
        };
        const changed = state.history.length === 0 || state.digest !== digest;
        state.digest = digest;
        if (snapshot || digest === null) state.snapshot = snapshot;
        state.seenAtMs = record.atMs;
        if (changed) {
          state.history.push({ digest, atMs: record.atMs, via: record.via, created: snapshot?.created, labels: snapshot?.labels ?? {} });
          if (state.history.length > HISTORY_LENGTH) state.history.splice(0, state.history.length - HISTORY_LENGTH);
        }
        this.tags.set(record.key, state);
        return;
      }
      case 'baseline':
        this.baselines.add(record.key);
        return;
      case 'delivery':
        this.deliveries.set(record.delivery.id, {
          ...record.delivery,
          attempts: [],
          outcome: 'pending',
          doneAtMs: undefined,
          reason: undefined,
        });
        return;
      case 'attempt':
        this.deliveries.get(record.id)?.attempts.push(record.attempt);
        return;
      case 'done': {
        const delivery = this.deliveries.get(record.id);
        if (!delivery) return;
        delivery.outcome = record.outcome;
        delivery.doneAtMs = record.atMs;
        delivery.reason = record.reason;
        return;
      }
    }
  }

  private trimFinished(): void {
    const finished = [...this.deliveries.values()].filter((d) => d.outcome !== 'pending');
    for (const old of finished.slice(0, Math.max(0, finished.length - FINISHED_KEPT))) this.deliveries.delete(old.id);
  }

  /** Rewrites the journal as the live state: each tag's history, the baselines, the kept deliveries. */
  private compact(): void {
    this.trimFinished();
    const records: JournalRecord[] = [];
    for (const state of this.tags.values()) {
      state.history.forEach((entry, i) => {
        const last = i === state.history.length - 1;
        const base = { key: state.key, image: state.image, tag: state.tag, atMs: entry.atMs, via: entry.via };
        if (entry.digest === null) records.push({ k: 'gone', ...base });
        else {
          const snapshot: ImageSnapshot | undefined = last
            ? state.snapshot
            : {
                digest: entry.digest,
                mediaType: '',
                platform: '',
                platforms: [],
                created: entry.created,
                size: 0,
                layers: [],
                labels: entry.labels,
                annotations: {},
              };
          records.push({ k: 'seen', ...base, digest: entry.digest, ...(snapshot ? { snapshot } : {}) });
        }
      });
      if (state.digest !== null && state.history.at(-1)?.digest === state.digest) {
        records.push({
          k: 'seen',
          key: state.key,
          image: state.image,
          tag: state.tag,
          digest: state.digest,
          ...(state.snapshot ? { snapshot: state.snapshot } : {}),
          atMs: state.seenAtMs,
          via: 'poll',
        });
      }
    }
    for (const key of this.baselines) records.push({ k: 'baseline', key });
    for (const d of this.deliveries.values()) {
      records.push({
        k: 'delivery',
        delivery: { id: d.id, target: d.target, event: d.event, reference: d.reference, body: d.body, createdAtMs: d.createdAtMs },
      });
      for (const attempt of d.attempts) records.push({ k: 'attempt', id: d.id, attempt });
      if (d.outcome !== 'pending')
        records.push({ k: 'done', id: d.id, outcome: d.outcome, atMs: d.doneAtMs ?? 0, ...(d.reason ? { reason: d.reason } : {}) });
    }
    this.journal.compact(records);
  }
}
