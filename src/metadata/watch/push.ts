// Push: the registry's own notifications (POST /api/registry/events) only say where to look. Each event
// names the watched tags it may concern, and those are re-read from the registry (watcher.ts check):
// what is recorded is always what the registry answers, never what the event claims.
import { showValue } from '../../config/issues.js';
import { canonicalName, type ImageReference } from '../reference.js';
import { imageOf, type WatchTarget } from './targets.js';

export interface RegistryEvent {
  readonly action: string;
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  readonly mediaType: string | undefined;
}

/** What push handling needs of the watcher: its targets, its check of one tag, a pattern's listing, and what it recorded. */
export interface PushChecks {
  readonly targets: readonly WatchTarget[];
  check(ref: ImageReference, key: string, newTagIsChange: boolean): Promise<void>;
  listPattern(target: Extract<WatchTarget, { kind: 'pattern' }>): Promise<void>;
  recordedDigest(key: string): string | null | undefined;
  baselined(key: string): boolean;
  stopped(): boolean;
  nowMs(): number;
}

/**
 * docker-registry sends a tagged manifest's push event before it moves the tag (the tag link is written
 * after the manifest is stored), so a read right away can still see the old digest. When the event names
 * a tag and a digest, the tag is read again, every 25 ms for up to 3 s, until it shows that digest. The
 * event only says when to look; what is recorded is always what the registry answers.
 */
async function checkUntil(
  watcher: PushChecks,
  ref: ImageReference,
  key: string,
  event: RegistryEvent,
  newTagIsChange: boolean,
): Promise<void> {
  await watcher.check(ref, key, newTagIsChange);
  if (event.action !== 'push' || event.tag === undefined || event.digest === undefined) return;
  // Every 25 ms (a HEAD each) for up to 3 s: the tag usually moves within milliseconds of the event, and a
  // doubling backoff would add its gaps (up to ~800 ms) to the push path's latency.
  const deadline = watcher.nowMs() + 3000;
  while (!watcher.stopped() && watcher.nowMs() < deadline) {
    if (watcher.recordedDigest(key) === event.digest) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
    await watcher.check(ref, key, newTagIsChange);
  }
}

/** What the registry's notification said, as a hint: the watched tags it may concern are re-read. */
export async function checkRegistryEvents(
  events: readonly RegistryEvent[],
  watcher: PushChecks,
): Promise<{ checked: number; ignored: number }> {
  const checks: Promise<void>[] = [];
  let ignored = 0;
  for (const event of events) {
    const relevant =
      (event.action === 'push' && (event.tag !== undefined || /manifest|index/.test(event.mediaType ?? ''))) || event.action === 'delete';
    const matching = relevant ? watcher.targets.filter((t) => t.ref.repository === event.repository) : [];
    if (matching.length === 0) {
      ignored += 1;
      continue;
    }
    for (const target of matching) {
      if (target.kind === 'tag') {
        if (event.tag === undefined || event.tag === target.ref.tag) checks.push(checkUntil(watcher, target.ref, target.key, event, false));
      } else if (event.tag !== undefined && target.match(event.tag)) {
        const ref = { ...target.ref, tag: event.tag, original: `${imageOf(target.ref)}:${event.tag}` };
        checks.push(checkUntil(watcher, ref, canonicalName(ref), event, watcher.baselined(target.key)));
      } else if (event.action === 'delete') {
        checks.push(watcher.listPattern(target));
      }
    }
  }
  await Promise.all(checks);
  return { checked: checks.length, ignored };
}

/** The registry's envelope ({events: [{action, target: {repository, tag?, digest?, mediaType?}}]}) → events, or the problem. */
export function parseRegistryEvents(body: unknown): RegistryEvent[] | string {
  if (body === null || typeof body !== 'object' || !Array.isArray((body as { events?: unknown }).events)) {
    return (
      `expected a JSON object {"events": [...]} as docker-registry sends (application/vnd.docker.distribution.events.v1+json), ` +
      `got ${showValue(body)}; point the registry's notifications endpoint here, or send that envelope`
    );
  }
  const events: RegistryEvent[] = [];
  for (const [i, raw] of (body as { events: unknown[] }).events.entries()) {
    const event = raw as {
      action?: unknown;
      target?: { repository?: unknown; tag?: unknown; digest?: unknown; mediaType?: unknown };
    } | null;
    if (event === null || typeof event !== 'object')
      return `events[${i}]: expected an object like {"action": "push", "target": {"repository": "demo/app"}}, got ${showValue(event)}`;
    if (typeof event.action !== 'string') return `events[${i}].action: expected a string like "push", got ${showValue(event.action)}`;
    const target = event.target;
    if (target === null || typeof target !== 'object' || typeof target.repository !== 'string') {
      const got = target === null || typeof target !== 'object' ? `target ${showValue(target)}` : showValue(target.repository);
      return `events[${i}].target.repository: expected a string like "demo/app", got ${got}`;
    }
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
