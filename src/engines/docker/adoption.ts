// Adoption (a restart after a crash or kill -9): a `created` container that no start of ours is working
// on was left by an agent that died between create and start. adopt() (from observe) starts it at once
// when its service wants it (no target known yet counts as wanting it: the agent that created it did; a
// plan that wants fewer stops it on the next apply), else removes it at once. A prepared one another run
// left holds a place until an inspect shows no start of that run in progress (the daemon answers it only
// after such a start), then is handed to the prepared starts and acted on at once against the last
// plan's target: started when the service is short of it, kept ahead up to `preCreate`, else removed.
// Before any plan (no target yet) the next plan re-assigns it like one of its own: the service falls
// short by it as it stops holding a place, so that plan follows at once (the inspect's answer woke it).
import type Docker from 'dockerode';
import type { Logger } from '../../log/logger.js';
import type { ContainerCache, ContainerEntry } from './cache.js';
import type { PreparedStarts } from './prepared.js';
import type { Removals } from './removals.js';

export interface AdoptionHooks {
  /** Whether the service is served here (another config's containers are never adopted). */
  readonly serves: (service: string) => boolean;
  /** A start of ours is working on this container (created, start not yet answered). */
  readonly starting: (id: string) => boolean;
  /** A create of ours is in flight for the service: its container may be listed before we know its id. */
  readonly creating: (service: string) => boolean;
  /** The last target an apply gave the service (undefined: none yet). */
  readonly target: (service: string) => number | undefined;
  /** Running, starting and queued containers of the service. */
  readonly current: (service: string) => number;
  /** How many prepared containers of the service may be kept ahead of need (`docker.preCreate`). */
  readonly ahead: (service: string) => number;
  /** An adopted container's start failed: report it and remove the container. */
  readonly startFailed: (service: string, error: unknown, id: string) => void;
}

/**
 * A prepared container an earlier agent left `created`: `checking` while its inspect is out (that agent
 * may have sent its start just before it died, and the daemon may still be starting it), `checked` once
 * answered and not yet handed to the prepared starts. Either way it holds a place until it is handed
 * over: a plan made in between (its apply reads no fresh adoption) must neither start another container
 * in its place nor leave it to a plan that is already met.
 */
type Leftover = 'checking' | 'checked';

const FATES = {
  plan: 'the next plan starts it or removes it',
  start: 'starting it: the last plan wants it',
  keep: 'kept ahead of need (preCreate)',
  remove: 'removing it: the last plan is met without it',
} as const;

export class Adoption {
  private readonly leftovers = new Map<string, Leftover>();
  /** Adopted containers whose start we sent and the daemon has not answered. */
  private readonly inFlight = new Set<string>();
  private readonly checkedListeners = new Set<() => void>();

  constructor(
    private readonly docker: Docker,
    private readonly cache: ContainerCache,
    private readonly prepared: PreparedStarts,
    private readonly removals: Removals,
    private readonly log: Logger,
    private readonly hooks: AdoptionHooks,
  ) {}

  /**
   * Calls `listener` when a leftover's inspect has answered: the next adopt() hands it over, so the agent
   * can plan with it at once instead of a tick later. Returns an unsubscribe.
   */
  onChecked(listener: () => void): () => void {
    this.checkedListeners.add(listener);
    return () => this.checkedListeners.delete(listener);
  }

  /** A prepared container an earlier agent left, not yet handed over: it holds a place (see Leftover). */
  mayBeStarting(id: string): boolean {
    return this.leftovers.has(id);
  }

  /**
   * `created` containers nobody is starting (their agent died between create and start): started when
   * the service wants them, removed when it has more than its target; prepared ones another run left go
   * to the next plan (PreparedStarts.adopt), which starts, keeps or removes them. Skips a service while a
   * create of ours is in flight, as its container may be listed before the create answers with its id.
   */
  adopt(): void {
    for (const [id, state] of this.leftovers) if (state === 'checked' && !this.cache.entries.has(id)) this.leftovers.delete(id);
    const orphans = new Map<string, ContainerEntry[]>();
    for (const entry of this.cache.entries.values()) {
      if (entry.state !== 'created' || this.inFlight.has(entry.id) || this.hooks.starting(entry.id) || this.removals.has(entry.id))
        continue;
      if (!this.hooks.serves(entry.service) || this.hooks.creating(entry.service) || this.prepared.owns(entry.id)) continue;
      if (entry.prepared) this.adoptPrepared(entry);
      else orphans.set(entry.service, [...(orphans.get(entry.service) ?? []), entry]);
    }
    for (const [service, found] of orphans) {
      const target = this.hooks.target(service);
      let excess = target === undefined ? 0 : Math.max(0, this.hooks.current(service) - target);
      for (const entry of found) {
        if (excess-- > 0) {
          this.log.info(
            { event: 'docker-orphan-removed', service, container: entry.id.slice(0, 12) },
            `removing container ${entry.id.slice(0, 12)} of ${service}: created by an earlier agent, never started, not wanted now`,
          );
          this.removals.request(entry, 0);
        } else {
          this.start(entry);
        }
      }
    }
  }

  /** Checks a prepared leftover first (see Leftover); once checked, the prepared starts own it. */
  private adoptPrepared(entry: ContainerEntry): void {
    const state = this.leftovers.get(entry.id);
    if (state === undefined) this.check(entry.id);
    if (state !== 'checked') return;
    this.leftovers.delete(entry.id);
    this.prepared.adopt(entry.service, entry.id);
    // Acted on now: a plan already met makes no change, so no apply would come for it.
    const fate = this.fateOf(entry.service);
    this.log.info(
      { event: 'docker-adopted', service: entry.service, container: entry.id.slice(0, 12), prepared: true },
      `adopting prepared container ${entry.id.slice(0, 12)} of ${entry.service}, left by an earlier agent: ${FATES[fate]}`,
    );
    if (fate === 'start' || fate === 'remove') this.prepared.settleAdopted(entry.id, fate);
  }

  /** What becomes of a prepared leftover just handed over (it is already counted in aheadFor). */
  private fateOf(service: string): keyof typeof FATES {
    const target = this.hooks.target(service);
    if (target === undefined) return 'plan';
    if (this.hooks.current(service) < target) return 'start';
    return this.prepared.aheadFor(service) <= this.hooks.ahead(service) ? 'keep' : 'remove';
  }

  private check(id: string): void {
    this.leftovers.set(id, 'checking');
    this.docker
      .getContainer(id)
      .inspect()
      .then((info) => {
        if (info.State.Running) this.cache.started(id);
      })
      .catch(() => undefined) // gone or unreachable: the next list says which
      .finally(() => {
        this.leftovers.set(id, 'checked');
        for (const listener of this.checkedListeners) listener();
      });
  }

  /** Starts a container an earlier agent created but never started. */
  private start(entry: ContainerEntry): void {
    this.inFlight.add(entry.id);
    this.log.info(
      { event: 'docker-adopted', service: entry.service, container: entry.id.slice(0, 12) },
      `starting container ${entry.id.slice(0, 12)} of ${entry.service}: created by an earlier agent that stopped before starting it`,
    );
    this.docker
      .getContainer(entry.id)
      .start()
      .then(() => this.cache.started(entry.id))
      .catch((error: unknown) => {
        if ((error as { statusCode?: unknown }).statusCode !== 304) this.hooks.startFailed(entry.service, error, entry.id);
      })
      .finally(() => this.inFlight.delete(entry.id));
  }
}
