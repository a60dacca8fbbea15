// Turns `images.watch` (and `microscale image watch REF...`) into what the watcher polls: fixed tags,
// and tag patterns (`v*`, `1.?`) whose matching tags are found by listing the repository's tags.
// A reference that does not parse is a ConfigError naming its place in the file.
import { ConfigError } from '../../errors.js';
import type { WatchEntry } from '../../config/images.js';
import { RegistryError } from '../errors.js';
import { canonicalName, parseReference, type ImageReference } from '../reference.js';

export type WatchTarget =
  | { readonly kind: 'tag'; readonly ref: ImageReference; readonly key: string }
  | {
      readonly kind: 'pattern';
      readonly ref: ImageReference;
      readonly pattern: string;
      readonly key: string;
      readonly match: (tag: string) => boolean;
    };

/** registry/repository, the part of a key before the tag. */
export function imageOf(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** `v*` → /^v.*$/: `*` any run of characters, `?` one; everything else literal. */
export function globMatcher(pattern: string): (tag: string) => boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  const re = new RegExp(`^${source}$`);
  return (tag) => re.test(tag);
}

/** Orders tags the semver way where they look like versions (v1.10 after v1.9), by text otherwise. */
export function compareTags(a: string, b: string): number {
  const parts = (tag: string) => /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/.exec(tag);
  const pa = parts(a);
  const pb = parts(b);
  if (pa && pb) {
    for (let i = 1; i <= 3; i += 1) {
      const diff = Number(pa[i] ?? 0) - Number(pb[i] ?? 0);
      if (diff !== 0) return diff;
    }
    const [ra, rb] = [pa[4] ?? '', pb[4] ?? ''];
    if (ra !== rb) return ra === '' ? 1 : rb === '' ? -1 : ra.localeCompare(rb); // 1.0.0-rc1 before 1.0.0
    return 0;
  }
  if (pa) return 1;
  if (pb) return -1;
  return a.localeCompare(b);
}

function toTarget(entry: WatchEntry, path: string): WatchTarget {
  const text = typeof entry === 'string' ? entry : entry.image;
  let ref: ImageReference;
  try {
    ref = parseReference(text);
  } catch (error) {
    throw new ConfigError([`${path}: ${error instanceof RegistryError ? error.detail : String(error)}`]);
  }
  if (ref.digest)
    throw new ConfigError([`${path}: "${text}" names a digest, which never changes; watch a tag (REGISTRY/NAME:TAG) instead`]);
  if (typeof entry === 'string') return { kind: 'tag', ref, key: canonicalName(ref) };
  if (/:[^/]*$/.test(entry.image))
    throw new ConfigError([`${path}.image: "${entry.image}" has a tag; with tags: give the image without one`]);
  if (!/^[\w.*?-]+$/.test(entry.tags))
    throw new ConfigError([`${path}.tags: "${entry.tags}" is not a tag pattern; use letters, digits, "_", ".", "-" with * and ?`]);
  const bare = { ...ref, tag: undefined };
  return { kind: 'pattern', ref: bare, pattern: entry.tags, key: `${imageOf(ref)}:${entry.tags}`, match: globMatcher(entry.tags) };
}

/** Every target, each reference checked; duplicates dropped. `extra` are images the scaler follows (labelsFrom). */
export function watchTargets(entries: readonly WatchEntry[], extra: readonly string[] = [], pathPrefix = 'images.watch'): WatchTarget[] {
  const problems: string[] = [];
  const targets = new Map<string, WatchTarget>();
  const add = (entry: WatchEntry, path: string) => {
    try {
      const target = toTarget(entry, path);
      targets.set(target.key, target);
    } catch (error) {
      if (error instanceof ConfigError) problems.push(...error.problems);
      else throw error;
    }
  };
  entries.forEach((entry, i) => add(entry, `${pathPrefix}[${i}]`));
  for (const image of extra) add(image, `labelsFrom ${image}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return [...targets.values()];
}
