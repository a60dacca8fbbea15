// Webhook deliveries: POST the change as JSON, signed like GitHub's webhooks (X-Hub-Signature-256:
// sha256=<HMAC-SHA256 of the body, hex>), with a delivery id the receiver can de-duplicate on
// (X-Microscale-Delivery, also in the body). A delivery is journalled before its first attempt, and each
// attempt and the outcome after it, so a restart re-sends what was pending (at least once). Failures are
// retried with exponential backoff and full jitter until `giveUpAfter` has passed since the change; then
// the delivery is recorded as failed, with every attempt, and stays visible in the API.
import { createHmac, randomUUID } from 'node:crypto';
import type { WebhookConfig } from '../../config/images.js';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { exponentialMs } from '../../util/backoff.js';
import type { Delivery, WatchStore } from './store.js';

export const SIGNATURE_HEADER = 'X-Hub-Signature-256';
export const DELIVERY_HEADER = 'X-Microscale-Delivery';
export const EVENT_HEADER = 'X-Microscale-Event';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface NotifierOptions {
  readonly targets: readonly WebhookConfig[];
  readonly store: WatchStore;
  readonly log: Logger;
  readonly nowMs?: () => number;
  readonly random?: () => number;
}

/** Delay before retry number `attempt` (1 = first retry): full jitter over base·2^(attempt-1), capped. */
export function retryDelayMs(
  target: Pick<WebhookConfig, 'retryBase' | 'retryMax'>,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = exponentialMs(attempt, { firstMs: target.retryBase, maxMs: target.retryMax });
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class Notifier {
  private readonly targets: Map<string, WebhookConfig>;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<string>();
  private readonly nowMs: () => number;
  private readonly random: () => number;
  private stopped = false;

  constructor(private readonly options: NotifierOptions) {
    this.targets = new Map(options.targets.map((t) => [t.webhook, t]));
    this.nowMs = options.nowMs ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Journals one delivery per target for this event (with the caller's own records, in one fsynced write). */
  deliveriesFor(event: string, reference: string, payload: Record<string, unknown>): Delivery[] {
    const createdAtMs = this.nowMs();
    return this.options.targets.map((target) => {
      const id = randomUUID();
      const body = JSON.stringify({ delivery: id, ...payload });
      return {
        id,
        target: target.webhook,
        event,
        reference,
        body,
        createdAtMs,
        attempts: [],
        outcome: 'pending',
        doneAtMs: undefined,
        reason: undefined,
      };
    });
  }

  /** Sends every pending delivery now (at start: what was in flight when the agent died goes again). */
  resume(): void {
    for (const delivery of this.options.store.pending()) this.schedule(delivery, 0);
  }

  send(deliveries: readonly Delivery[]): void {
    for (const delivery of deliveries) this.schedule(delivery, 0);
  }

  /** Waits for attempts in flight; schedules nothing more (pending deliveries stay in the journal). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    while (this.inFlight.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private schedule(delivery: Delivery, delayMs: number): void {
    if (this.stopped || this.timers.has(delivery.id) || this.inFlight.has(delivery.id)) return;
    const timer = setTimeout(() => {
      this.timers.delete(delivery.id);
      void this.attempt(delivery.id);
    }, delayMs);
    this.timers.set(delivery.id, timer);
  }

  private async attempt(id: string): Promise<void> {
    const { store, log } = this.options;
    const delivery = store.deliveries.get(id);
    if (!delivery || delivery.outcome !== 'pending' || this.stopped) return;
    const target = this.targets.get(delivery.target);
    if (!target) {
      store.write({
        k: 'done',
        id,
        outcome: 'failed',
        atMs: this.nowMs(),
        reason: `${delivery.target} is no longer a notify target in the config`,
      });
      return;
    }
    this.inFlight.add(id);
    const startMs = this.nowMs();
    let status: number | undefined;
    let error: string | undefined;
    try {
      const response = await fetch(target.webhook, {
        method: 'POST',
        body: delivery.body,
        signal: AbortSignal.timeout(target.timeout),
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'microscale-image-watch',
          [SIGNATURE_HEADER]: signBody(target.secret, delivery.body),
          [DELIVERY_HEADER]: id,
          [EVENT_HEADER]: delivery.event,
        },
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined); // the status is the answer; the body is read only to free the socket
      if (!response.ok) error = `the receiver answered ${response.status}`;
    } catch (caught) {
      const name = (caught as { name?: string }).name;
      error =
        name === 'TimeoutError'
          ? `no answer within ${target.timeout}ms (timeout)`
          : `cannot reach it (${(caught as { cause?: { code?: string } }).cause?.code ?? errorMessage(caught)})`;
    } finally {
      this.inFlight.delete(id);
    }
    const endMs = this.nowMs();
    const attempt = {
      atMs: startMs,
      durationMs: endMs - startMs,
      ...(status === undefined ? {} : { status }),
      ...(error ? { error } : {}),
    };
    if (!error) {
      store.write({ k: 'attempt', id, attempt }, { k: 'done', id, outcome: 'delivered', atMs: endMs });
      log.info(
        { event: 'webhook-delivered', delivery: id, target: target.webhook, attempts: delivery.attempts.length },
        `${delivery.event} ${delivery.reference} delivered to ${target.webhook}`,
      );
      return;
    }
    const tries = delivery.attempts.length + 1;
    if (endMs - delivery.createdAtMs >= target.giveUpAfter) {
      const reason =
        `given up after ${tries} attempt${tries === 1 ? '' : 's'} over ` +
        `${Math.round((endMs - delivery.createdAtMs) / 1000)} s (giveUpAfter ${target.giveUpAfter}ms); last: ${error}`;
      store.write({ k: 'attempt', id, attempt }, { k: 'done', id, outcome: 'failed', atMs: endMs, reason });
      log.error({ event: 'webhook-failed', delivery: id, target: target.webhook }, `${delivery.event} ${delivery.reference}: ${reason}`);
      return;
    }
    store.write({ k: 'attempt', id, attempt });
    const delayMs = Math.min(retryDelayMs(target, tries, this.random), Math.max(0, delivery.createdAtMs + target.giveUpAfter - endMs));
    log.warn(
      { event: 'webhook-retry', delivery: id, target: target.webhook, attempt: tries, retryInMs: delayMs },
      `${delivery.event} ${delivery.reference} to ${target.webhook}: ${error}; retrying in ${delayMs}ms`,
    );
    this.schedule(delivery, delayMs);
  }
}
