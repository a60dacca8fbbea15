// What a noticed change becomes: one journal write holding the new state and its webhook deliveries
// (fsynced before anything is sent, so a crash between noticing and delivering loses nothing), a log
// line, and the deliveries sent.
import type { Logger } from '../../log/logger.js';
import type { LabelDiff } from './diff.js';
import type { Notifier } from './notifier.js';
import type { ImageSnapshot, JournalRecord, Via, WatchStore } from './store.js';

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

/** What announcing needs: the journal, the notifier, the log, the API's base URL for links, and the clock. */
export interface AnnounceOptions {
  readonly store: WatchStore;
  readonly notifier: Notifier;
  readonly log: Logger;
  readonly linkBase?: (() => string | undefined) | undefined;
  readonly nowMs: () => number;
}

/** Journals the new state and its deliveries in one fsynced write, then logs and sends. */
export function journalAndSend(change: ImageChange, record: JournalRecord, options: AnnounceOptions): void {
  const { store, notifier, log } = options;
  const base = options.linkBase?.();
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
    detectedAt: new Date(options.nowMs()).toISOString(),
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
}
