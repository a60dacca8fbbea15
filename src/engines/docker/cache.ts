// What the Docker Engine runs for one pool, kept fresh by the events stream (filtered by the pool's
// labels) and a full list now and then. observe() reads it; nothing here is our own belief that the
// daemon could contradict: every entry comes from a list or an event, and a full list replaces it, except
// that a list never brings back a container whose `die` the connected stream told (Docker's list lags
// the die; only a `start` brings it back).
// When the stream is down, every read is a full list, so an unreachable daemon is seen at once.
// Once the daemon is known to be down (a call failed to reach it, or the stream ended), the events
// stream is dropped and every read fails at once, and `/_ping` is probed every PROBE_EVERY_MS on a new
// connection: a daemon shutting down has closed its listener but still serves (and accepts creates on)
// the connections it has, events stream included. The probe's first answer reconnects and tells the
// listeners `reconnected`, so the agent acts again at once instead of waiting out its backoff.
import type Docker from 'dockerode';
import type { Logger } from '../../log/logger.js';
import { LABEL, poolFilter } from './labels.js';
import { EngineError } from '../../errors.js';
import { destroyStream, onJsonLines } from '../../util/json-lines.js';
import { engineAddress, engineError, pingFresh, withTimeout } from './connection.js';

export type Health = 'none' | 'starting' | 'healthy' | 'unhealthy';

export interface ContainerEntry {
  readonly id: string;
  readonly service: string;
  /** The daemon's state: created, running, paused, restarting, removing, exited, dead. */
  state: string;
  health: Health;
  /** When the container was created (ms since the epoch). */
  readonly createdMs: number;
  /** When this entry last changed here (ms), so a slower full list does not undo a newer event. */
  updatedMs: number;
  /** Created ahead of its start (LABEL.prepared): while `created` it holds no place in the pool. */
  readonly prepared?: boolean;
}

/** A container event as the cache saw it: the entry after it, the action, the state before it, the stream's event (none from a list). */
export type CacheListener = (
  entry: ContainerEntry | undefined,
  action: string,
  stateBefore: string | undefined,
  event?: DockerEvent,
) => void;

export interface DockerEvent {
  readonly Action?: string;
  readonly id?: string;
  readonly time?: number;
  readonly timeNano?: number;
  readonly Actor?: { readonly ID?: string; readonly Attributes?: Readonly<Record<string, string>> };
}

const LIST_TIMEOUT_MS = 10_000;
const RECONNECT_GAP_MS = 1000;
const PROBE_EVERY_MS = 200;
/**
 * A second full list this soon after the stream (re)connects: Docker's list can show a container
 * `running` for a moment after its `die`, and a die from before the stream was up is never sent again.
 */
const RELIST_AFTER_CONNECT_MS = 1000;
const LIVE_STATES = new Set(['created', 'running', 'paused', 'restarting']);
const PROBE_TIMEOUT_MS = 1000;

/** "Up 3 seconds (health: starting)" → starting; the list API gives health only in this text. */
export function healthFromStatus(status: string): Health {
  if (status.includes('(health: starting)')) return 'starting';
  if (status.includes('(unhealthy)')) return 'unhealthy';
  if (status.includes('(healthy)')) return 'healthy';
  return 'none';
}

export class ContainerCache {
  readonly entries = new Map<string, ContainerEntry>();
  private stream: NodeJS.ReadableStream | undefined;
  private streaming = false;
  private lastConnectMs = 0;
  private lastListMs = 0;
  private relistAtMs = Number.POSITIVE_INFINITY;
  private closed = false;
  private probe: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<CacheListener>();
  /** Each events stream connected gets a number; a die is known by the stream that told it. */
  private generation = 0;
  /**
   * Containers whose `die` (or `oom`) this stream told, with its number. Docker's list lags the die (20.10
   * sends it, cleans up, then updates what it lists: 64-423 ms here under load), so a list that still says
   * running is older than the die; only a `start` on the same stream brings such a container back.
   */
  private readonly diedOnStream = new Map<string, number>();

  constructor(
    private readonly docker: Docker,
    private readonly pool: string,
    private readonly host: string | undefined,
    private readonly resyncMs: number,
    private readonly log: Logger,
    /** Whether containers of a service carry a health check (from its image), for `start` events. */
    private readonly hasHealthcheck: (service: string) => boolean,
  ) {}

  onEvent(listener: CacheListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fresh entries: from the cache while the stream is up and a list is recent, else a full list now. */
  async refresh(): Promise<void> {
    if (this.probe)
      throw new EngineError(
        'unreachable',
        'docker',
        `the Docker Engine at ${engineAddress(this.host)} does not answer /_ping on a new connection (stopped, or shutting down); changing nothing until it does`,
      );
    if (!this.streaming && Date.now() - this.lastConnectMs >= RECONNECT_GAP_MS) await this.connectEvents();
    if (!this.streaming || Date.now() - this.lastListMs >= this.resyncMs || Date.now() >= this.relistAtMs) await this.list();
  }

  /** Whether the daemon is known to be down (and /_ping is being probed). */
  get down(): boolean {
    return this.probe !== undefined;
  }

  /**
   * A call could not reach the daemon: drop the stream, fail every read at once, and probe /_ping on a
   * new connection until it answers; then tell the listeners `reconnected`.
   */
  markDown(): void {
    if (this.closed) return;
    this.streaming = false;
    destroyStream(this.stream);
    this.stream = undefined;
    if (this.probe) return;
    const tryPing = (): void => {
      pingFresh(this.host, PROBE_TIMEOUT_MS)
        .then(() => {
          this.probe = undefined;
          if (this.closed) return;
          this.lastConnectMs = 0;
          this.log.info({ event: 'docker-reachable' }, 'the Docker Engine answers /_ping again');
          for (const listener of this.listeners) listener(undefined, 'reconnected', undefined);
        })
        .catch(() => {
          if (!this.closed && this.probe) this.probe = setTimeout(tryPing, PROBE_EVERY_MS);
        });
    };
    this.probe = setTimeout(tryPing, PROBE_EVERY_MS);
  }

  /** Records a start the daemon has just confirmed, before its event arrives (health as for a `start` event). */
  started(id: string): void {
    const entry = this.entries.get(id);
    if (entry?.state === 'created')
      Object.assign(entry, { state: 'running', health: this.hasHealthcheck(entry.service) ? 'starting' : 'none', updatedMs: Date.now() });
  }

  /** Records a container we have just created, before its event arrives. */
  add(id: string, service: string, prepared = false): void {
    if (!this.entries.has(id))
      this.entries.set(id, {
        id,
        service,
        state: 'created',
        health: 'none',
        createdMs: Date.now(),
        updatedMs: Date.now(),
        ...(prepared ? { prepared } : {}),
      });
  }

  forget(id: string): void {
    this.entries.delete(id);
    this.diedOnStream.delete(id);
  }

  /** A full list of the pool's containers; replaces every entry not changed since the list began. */
  async list(): Promise<void> {
    const startedMs = Date.now();
    let found: Docker.ContainerInfo[];
    try {
      found = await withTimeout(
        this.docker.listContainers({ all: true, filters: { label: poolFilter(this.pool) } }),
        LIST_TIMEOUT_MS,
        'docker',
        'list containers',
      );
    } catch (error) {
      const wrapped = engineError('docker', this.host, 'list containers', error);
      if (wrapped.failure === 'unreachable' || wrapped.failure === 'timeout') this.markDown();
      throw wrapped;
    }
    const seen = new Set<string>();
    for (const info of found) {
      const service = info.Labels[LABEL.service];
      if (!service) continue;
      seen.add(info.Id);
      const existing = this.entries.get(info.Id);
      if (existing && existing.updatedMs >= startedMs) continue;
      if (existing && LIVE_STATES.has(info.State) && this.streaming && this.diedOnStream.get(info.Id) === this.generation) continue;
      const prepared = info.Labels[LABEL.prepared] === 'true';
      const entry = {
        id: info.Id,
        service,
        state: info.State,
        health: healthFromStatus(info.Status),
        createdMs: info.Created * 1000,
        updatedMs: startedMs,
        ...(prepared ? { prepared } : {}),
      };
      this.entries.set(info.Id, entry);
      // An exit the stream did not tell (it was down, or the die came before it connected): tell it now.
      if (existing && LIVE_STATES.has(existing.state) && !LIVE_STATES.has(info.State))
        for (const listener of this.listeners) listener(entry, 'die', existing.state);
    }
    for (const [id, entry] of this.entries) {
      if (seen.has(id) || entry.updatedMs >= startedMs) continue;
      this.entries.delete(id);
      this.diedOnStream.delete(id);
      // Exited and already removed while the stream missed both: its exit still frees a place (a prepared start waits on it).
      if (LIVE_STATES.has(entry.state) && entry.state !== 'created')
        for (const listener of this.listeners) listener({ ...entry, state: 'exited' }, 'die', entry.state);
    }
    this.lastListMs = startedMs;
    if (startedMs >= this.relistAtMs) this.relistAtMs = Number.POSITIVE_INFINITY;
  }

  private async connectEvents(): Promise<void> {
    this.lastConnectMs = Date.now();
    try {
      const stream = await withTimeout(
        this.docker.getEvents({ filters: { type: ['container'], label: poolFilter(this.pool) } }),
        LIST_TIMEOUT_MS,
        'docker',
        'follow events',
      );
      if (this.closed) return destroyStream(stream);
      this.stream = stream;
      this.streaming = true;
      this.generation++;
      this.lastListMs = 0; // events may have been missed while the stream was down
      this.relistAtMs = Date.now() + RELIST_AFTER_CONNECT_MS;
      onJsonLines<DockerEvent>(stream, (event) => this.apply(event));
      const down = (): void => {
        if (this.stream !== stream) return;
        this.streaming = false;
        this.stream = undefined;
        if (this.closed) return;
        this.log.warn({ event: 'docker-events-down' }, 'Docker events stream ended; observing by full list until it is back');
        this.markDown(); // a ping tells at once whether the daemon went (and when it is back)
      };
      stream.on('end', down);
      stream.on('error', down);
      stream.on('close', down);
    } catch (error) {
      this.streaming = false;
      this.log.debug({ event: 'docker-events-failed', error: String(error) }, 'could not follow Docker events');
    }
  }

  private apply(event: DockerEvent): void {
    const id = event.Actor?.ID ?? event.id;
    const service = event.Actor?.Attributes?.[LABEL.service];
    const action = event.Action ?? '';
    if (!id || !service) return;
    const now = Date.now();
    let entry = this.entries.get(id);
    const stateBefore = entry?.state;
    if (!entry && action !== 'destroy') {
      const prepared = event.Actor?.Attributes?.[LABEL.prepared] === 'true';
      entry = {
        id,
        service,
        state: 'created',
        health: 'none',
        createdMs: (event.time ?? now / 1000) * 1000,
        updatedMs: now,
        ...(prepared ? { prepared } : {}),
      };
      this.entries.set(id, entry);
    }
    if (action === 'start' && entry) Object.assign(entry, { state: 'running', health: this.hasHealthcheck(service) ? 'starting' : 'none' });
    else if (action.startsWith('health_status: ') && entry)
      entry.health = action.slice('health_status: '.length) === 'healthy' ? 'healthy' : 'unhealthy';
    else if ((action === 'die' || action === 'oom') && entry) entry.state = 'exited';
    else if (action === 'pause' && entry) entry.state = 'paused';
    else if (action === 'unpause' && entry) entry.state = 'running';
    else if (action === 'destroy') this.entries.delete(id);
    if (entry) entry.updatedMs = now;
    if (action === 'die' || action === 'oom') this.diedOnStream.set(id, this.generation);
    else if (action === 'start' || action === 'destroy') this.diedOnStream.delete(id);
    for (const listener of this.listeners) listener(this.entries.get(id), action, stateBefore, event);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.probe);
    this.probe = undefined;
    this.streaming = false;
    destroyStream(this.stream);
    this.stream = undefined;
  }
}
