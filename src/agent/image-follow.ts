// The scaler follows its images: when the image watch sees a new digest for an image that a service
// reads its policy from (`labelsFrom: registry`), the config is loaded again exactly as a SIGHUP reload
// does (labels re-read from the registry, the same validation) and put in force, with a reason naming
// the image change in front of the service's next decision. A bad label value is refused, naming the
// service, and the running policy stays.
import { ConfigError } from '../errors.js';
import type { MicroscaleConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { canonicalName, parseReference } from '../metadata/reference.js';
import type { ServiceOrigins } from '../metadata/policy.js';
import type { ImageChange } from '../metadata/watch/announce.js';
import type { ImageWatch } from '../metadata/watch/service.js';
import type { PolicyEvent } from '../metadata/watch/status.js';
import type { Agent } from './agent.js';

type Load = () => Promise<{ config: MicroscaleConfig; services: readonly ServiceOrigins[] }>;

/** The registry images services take labels from, canonical (what the watcher keys tags by). */
export function followedImages(services: readonly ServiceOrigins[]): Map<string, string[]> {
  const byImage = new Map<string, string[]>();
  for (const entry of services) {
    if (!entry.image || entry.from !== 'registry') continue;
    let key: string;
    try {
      key = canonicalName(parseReference(entry.image));
    } catch {
      continue; // the config load already refused a bad reference
    }
    byImage.set(key, [...(byImage.get(key) ?? []), entry.service]);
  }
  return byImage;
}

const short = (digest: string | null) => (digest ? digest.replace(/^sha256:/, '').slice(0, 12) : 'none');

export function followImages(watch: ImageWatch, agent: Agent, initial: readonly ServiceOrigins[], load: Load, log: Logger): () => void {
  let followed = followedImages(initial);
  let queue = Promise.resolve();
  const record = (event: PolicyEvent) => {
    watch.policyEvents.push(event);
    if (watch.policyEvents.length > 200) watch.policyEvents.shift();
  };
  const onChange = (change: ImageChange) => {
    const services = followed.get(change.key);
    if (!services || change.kind === 'deleted') return;
    const reason =
      `image ${change.key} changed (${short(change.oldDigest)} -> ${short(change.newDigest)}): ` +
      `policy re-read from its io.microscale.* labels`;
    queue = queue.then(async () => {
      try {
        const next = await load();
        await agent.reconfigure(next.config, { services, reason });
        followed = followedImages(next.services);
        record({ atMs: Date.now(), image: change.key, services, outcome: 'applied', message: reason });
        log.info({ event: 'image-policy-applied', image: change.key, services }, reason);
      } catch (error) {
        const detail = error instanceof ConfigError ? error.problems.join('; ') : error instanceof Error ? error.message : String(error);
        const message =
          `image ${change.key} changed for service${services.length === 1 ? '' : 's'} ${services.join(', ')}, ` +
          `but its new policy is refused: ${detail}; keeping the running policy`;
        record({ atMs: Date.now(), image: change.key, services, outcome: 'refused', message });
        log.error({ event: 'image-policy-refused', image: change.key, services }, message);
      }
    });
  };
  watch.watcher.on('change', onChange);
  return () => watch.watcher.off('change', onChange);
}
