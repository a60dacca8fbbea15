// Stopping and removing containers of the pool, and reaping what nobody will remove: the stop asked by a
// plan (SIGTERM, grace, removal), the removal of a created or prepared container nobody wants, and of
// crashed (exited, dead) ones and those stuck "removal in progress". A container being removed that was
// not running holds no place meanwhile; a running one being stopped holds its place until it exits.
// A removal that fails (a 409 included: a removal the daemon never finishes, e.g. a layer it cannot
// delete) is retried 1 s doubling to 30 s and reported as an incident: `docker-remove-failed` (a single
// 409 only from its second failure), `-ongoing` once a minute, `-recovered` once it goes (removed by us,
// or by anyone else: a later list no longer shows it). A running container whose stop failed has not
// exited: it counts as running again, and is removed once it exits (or stopped again by a later plan).
import type Docker from 'dockerode';
import { Incidents } from '../../log/incidents.js';
import type { Logger } from '../../log/logger.js';
import type { ContainerCache, ContainerEntry } from './cache.js';
import { engineError } from './connection.js';
import { stopAndRemove } from './lifecycle.js';

/** Daemon states that run nothing any more: they hold no place, and are removed. */
export const GONE_STATES: ReadonlySet<string> = new Set(['exited', 'dead', 'removing']);
/** Retries of a removal that failed: from `first`, doubling up to `max`. */
const REMOVE_RETRY_MS = { first: 1000, max: 30_000 };

export interface RemovalHooks {
  /** Whether the service is served here (another config's containers are never reaped). */
  readonly serves: (service: string) => boolean;
  /** Whether the container holds a place while it runs (a prepared one not yet started holds none). */
  readonly holdsPlace: (entry: ContainerEntry) => boolean;
  /** A container that held a place has exited: told once per container (see countExit). */
  readonly exited: () => void;
  /** Resolves when a removal may go (the engine holds removals while starts are in flight: StartGate). */
  readonly beforeRemove?: () => Promise<void>;
}

export class Removals {
  /** Containers we are stopping: SIGTERM sent, waiting for exit or the grace period, then removal. */
  private readonly stopping = new Map<string, Promise<void>>();
  /** Containers being removed that were not running when asked (created, exited): they hold no place meanwhile. */
  private readonly removalOnly = new Set<string>();
  /** Containers whose exit has been told already (see countExit). */
  private readonly exitsCounted = new Set<string>();
  /** Removals that failed: when to try again. */
  private readonly retries = new Map<string, { service: string; attempts: number; nextAtMs: number }>();
  private readonly incidents: Incidents;

  constructor(
    private readonly docker: Docker,
    private readonly cache: ContainerCache,
    private readonly host: string | undefined,
    private readonly log: Logger,
    private readonly hooks: RemovalHooks,
  ) {
    this.incidents = new Incidents(log);
  }

  /** Being stopped or removed by us. */
  has(id: string): boolean {
    return this.stopping.has(id);
  }

  /** Asked to stop while running and not yet gone: it holds its place until it exits. */
  isStopping(id: string): boolean {
    return this.stopping.has(id) && !this.removalOnly.has(id);
  }

  /**
   * A container that held a place has exited: told once, whichever comes first: its `die` event or the
   * stop of ours that saw it exit (a `die` can be missed: it came before a restarted agent's events
   * stream, and Docker's list still showed the container running).
   */
  countExit(id: string): void {
    if (this.exitsCounted.has(id)) return;
    if (this.stopping.has(id)) this.exitsCounted.add(id); // forgotten once it is removed
    this.hooks.exited();
  }

  /** Stops (SIGTERM, then SIGKILL after `graceMs`) and removes the container; once per container at a time. */
  request(entry: ContainerEntry, graceMs: number): void {
    if (this.stopping.has(entry.id)) return;
    const wasRunning = entry.state === 'running' || entry.state === 'paused' || entry.state === 'restarting';
    const container = entry.id.slice(0, 12);
    if (!wasRunning) this.removalOnly.add(entry.id);
    const countable = wasRunning && this.hooks.serves(entry.service) && this.hooks.holdsPlace(entry);
    let exited = !wasRunning;
    const done = stopAndRemove(
      this.docker,
      entry.id,
      graceMs,
      wasRunning,
      () => {
        exited = true;
        if (countable) this.countExit(entry.id);
      },
      this.hooks.beforeRemove,
    )
      .then((how) => {
        this.cache.forget(entry.id);
        this.exitsCounted.delete(entry.id);
        this.retries.delete(entry.id);
        this.removed(entry.id, entry.service, 'removed');
        this.log.debug({ event: 'docker-stopped', service: entry.service, container, how }, `container ${how}`);
        if (how === 'killed')
          this.log.info(
            { event: 'docker-killed', service: entry.service, container, graceMs },
            `container ignored SIGTERM for ${graceMs}ms and was killed`,
          );
      })
      .catch((error: unknown) => this.failed(entry, error, exited))
      .finally(() => {
        this.stopping.delete(entry.id);
        this.removalOnly.delete(entry.id);
      });
    this.stopping.set(entry.id, done);
  }

  /** The container is gone: a removal incident of it ends. */
  private removed(id: string, service: string, how: string): void {
    const container = id.slice(0, 12);
    this.incidents.ok(
      `remove/${id}`,
      { event: 'docker-remove-failed', service, container },
      `container ${container} of ${service} ${how}`,
      Date.now(),
    );
  }

  /**
   * A stop or removal failed: tried again later (doubling), reported (a single 409 only from its second
   * failure). `exited`: the container runs nothing (it never ran, or its stop saw it exit).
   */
  private failed(entry: ContainerEntry, error: unknown, exited: boolean): void {
    const wrapped = engineError('docker', this.host, `remove container ${entry.id.slice(0, 12)}`, error, entry.service);
    if (wrapped.failure === 'unreachable' || wrapped.failure === 'timeout') this.cache.markDown();
    const attempts = (this.retries.get(entry.id)?.attempts ?? 0) + 1;
    const delayMs = Math.min(REMOVE_RETRY_MS.max, REMOVE_RETRY_MS.first * 2 ** (attempts - 1));
    this.retries.set(entry.id, { service: entry.service, attempts, nextAtMs: Date.now() + delayMs });
    // A single 409 is usually a removal the daemon is finishing; a second one is a container stuck there.
    if (attempts >= 2 || wrapped.failure !== 'conflict') {
      this.incidents.fail(
        `remove/${entry.id}`,
        { event: 'docker-remove-failed', service: entry.service, container: entry.id.slice(0, 12) },
        exited
          ? `${wrapped.message}; it holds no place in the pool; retrying in ${delayMs}ms`
          : `${wrapped.message}; it was not seen to exit, so it counts as running in the pool again until it does (then it is removed)`,
        Date.now(),
        'warn',
      );
    }
  }

  /** Removes what nobody will: crashed (exited, dead) containers and those stuck in removal, with retries. */
  reap(): void {
    const now = Date.now();
    for (const entry of this.cache.entries.values()) {
      if (this.stopping.has(entry.id) || !this.hooks.serves(entry.service) || !GONE_STATES.has(entry.state)) continue;
      if (now < (this.retries.get(entry.id)?.nextAtMs ?? 0)) continue;
      this.request(entry, 0);
    }
    // Gone by other means (another removal, the daemon): its incident ends too.
    for (const [id, retry] of this.retries) {
      if (this.cache.entries.has(id) || this.stopping.has(id)) continue;
      this.retries.delete(id);
      this.removed(id, retry.service, 'is gone (removed outside this engine)');
    }
    for (const id of this.exitsCounted) if (!this.cache.entries.has(id) && !this.stopping.has(id)) this.exitsCounted.delete(id);
  }

  /** Waits for the stops and removals in flight. */
  async drain(): Promise<void> {
    await Promise.all(this.stopping.values());
  }
}
