// What a running image watch shows beside its journal: per registry its gate (failures in a row and the
// backoff they earned), per watched tag or pattern its last problem, per pattern the tags its last listing
// found. The watcher (watcher.ts, the loop) writes it; the API reads it through ImageWatchView, so the
// API depends on this and the store, never on the loop.
import type { ImagesConfig } from '../../config/images.js';
import { errorMessage } from '../../errors.js';
import { exponentialMs, type BackoffPolicy } from '../../util/backoff.js';
import { RegistryError } from '../errors.js';
import type { RegistryEvent } from './push.js';
import type { WatchStore } from './store.js';
import type { WatchTarget } from './targets.js';

export interface TagProblem {
  readonly failure: string;
  readonly message: string;
  readonly atMs: number;
}

export interface RegistryGate {
  blockedUntilMs: number;
  failures: number;
  lastError: string | undefined;
}

/** A registry that failed is not asked again for 100 ms, doubling per failure up to 5 min (or its Retry-After). */
// From 100 ms: docker-registry answers a lone 500 while it moves a tag, and that should cost a push
// notification 100 ms, not a second; a registry that stays down is asked ever less often (at most 5 min).
const REGISTRY_BACKOFF: BackoffPolicy = { firstMs: 100, maxMs: 5 * 60_000 };
/** Failures of the registry itself; any other (not-found, a bad manifest) concerns one tag only. */
const GATING: ReadonlySet<string> = new Set(['rate-limited', 'unreachable', 'timeout', 'bad-response']);

/** A failed read, as recorded: `waitMs` is set when it closed its registry's gate for that long. */
export interface RecordedFailure {
  readonly failure: string;
  readonly message: string;
  readonly waitMs: number | undefined;
}

export class WatchStatus {
  readonly problems = new Map<string, TagProblem>();
  readonly gates = new Map<string, RegistryGate>();
  /** Per pattern target, the matching tags found by the last listing. */
  readonly patternTags = new Map<string, string[]>();

  constructor(readonly targets: readonly WatchTarget[]) {}

  /** Whether `registry` may be asked now (its gate is listed from its first use on). */
  isOpen(registry: string, nowMs: number): boolean {
    return nowMs >= this.gate(registry).blockedUntilMs;
  }

  /** The registry answered for `key`: its failures in a row end and the tag's problem is gone. */
  succeeded(registry: string, key: string): void {
    const gate = this.gate(registry);
    gate.failures = 0;
    gate.lastError = undefined;
    this.problems.delete(key);
  }

  /** Records the problem of `key`; a failure of the registry itself also closes its gate (Retry-After, else backoff). */
  failed(registry: string, key: string, error: unknown, nowMs: number): RecordedFailure {
    const failure = error instanceof RegistryError ? error.failure : 'error';
    const message = errorMessage(error);
    this.problems.set(key, { failure, message, atMs: nowMs });
    if (!GATING.has(failure)) return { failure, message, waitMs: undefined };
    const gate = this.gate(registry);
    gate.failures += 1;
    gate.lastError = message;
    const retryAfterMs = error instanceof RegistryError && error.failure === 'rate-limited' ? error.retryAfterMs : undefined;
    const waitMs = retryAfterMs ?? exponentialMs(gate.failures, REGISTRY_BACKOFF);
    gate.blockedUntilMs = Math.max(gate.blockedUntilMs, nowMs + waitMs);
    return { failure, message, waitMs };
  }

  private gate(registry: string): RegistryGate {
    let gate = this.gates.get(registry);
    if (!gate) {
      gate = { blockedUntilMs: 0, failures: 0, lastError: undefined };
      this.gates.set(registry, gate);
    }
    return gate;
  }
}

/** A policy re-read because an image changed (agent/image-follow.ts), for the API. */
export interface PolicyEvent {
  readonly atMs: number;
  readonly image: string;
  readonly services: readonly string[];
  readonly outcome: 'applied' | 'refused';
  readonly message: string;
}

/** What the API reads of a running image watch (service.ts builds it), and the one thing it asks of it. */
export interface ImageWatchView {
  readonly config: ImagesConfig;
  readonly store: WatchStore;
  readonly status: WatchStatus;
  readonly policyEvents: readonly PolicyEvent[];
  /** What a registry's notification said, as a hint: the watched tags it may concern are re-read (push.ts). Never rejects (logs). */
  onRegistryEvents(events: readonly RegistryEvent[]): Promise<{ checked: number; ignored: number }>;
}
