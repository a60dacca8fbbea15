// Logs a failure that repeats (a source down, an engine unreachable, a container that will not go) as
// an incident instead of one line per try: one line when it starts, a summary with a count while it
// lasts (at most every `summaryEveryMs`), and a `recovered` line when it ends. Keyed by what failed, so
// two sources down at once are two incidents.
import type { Logger } from './logger.js';

export const SUMMARY_EVERY_MS = 60_000;

interface Open {
  readonly sinceMs: number;
  /** Failures since the last line logged. */
  count: number;
  total: number;
  lastLoggedMs: number;
  lastMessage: string;
}

export type IncidentLevel = 'warn' | 'error';

export class Incidents {
  private readonly open = new Map<string, Open>();

  constructor(
    private readonly log: Logger,
    private readonly summaryEveryMs = SUMMARY_EVERY_MS,
  ) {}

  /**
   * One more failure of `key`. The first is logged as is (`fields.event`), then at most one summary
   * per `summaryEveryMs`, with how many failures it stands for and the latest message.
   */
  fail(
    key: string,
    fields: { readonly event: string } & Record<string, unknown>,
    message: string,
    nowMs: number,
    level: IncidentLevel = 'error',
  ): void {
    const open = this.open.get(key);
    if (!open) {
      this.open.set(key, { sinceMs: nowMs, count: 0, total: 1, lastLoggedMs: nowMs, lastMessage: message });
      this.log[level](fields, message);
      return;
    }
    open.count++;
    open.total++;
    open.lastMessage = message;
    if (nowMs - open.lastLoggedMs < this.summaryEveryMs) return;
    const forS = Math.round((nowMs - open.sinceMs) / 1000);
    this.log[level](
      { ...fields, event: `${fields.event}-ongoing`, failures: open.count, sinceMs: open.sinceMs },
      `still failing after ${forS}s (${open.count} more failures since the last line): ${message}`,
    );
    open.count = 0;
    open.lastLoggedMs = nowMs;
  }

  /** `key` works again: logs `<event>-recovered` if it was failing. Returns whether it was. */
  ok(key: string, fields: { readonly event: string } & Record<string, unknown>, what: string, nowMs: number): boolean {
    const open = this.open.get(key);
    if (!open) return false;
    this.open.delete(key);
    const forS = ((nowMs - open.sinceMs) / 1000).toFixed(1);
    this.log.info(
      { ...fields, event: `${fields.event}-recovered`, failures: open.total, downMs: nowMs - open.sinceMs },
      `recovered: ${what} after ${forS}s (${open.total} failures)`,
    );
    return true;
  }

  /** Whether `key` is failing now. */
  failing(key: string): boolean {
    return this.open.has(key);
  }

  /** Forgets incidents whose key `keep` rejects (a service removed by a reload), without a line. */
  retain(keep: (key: string) => boolean): void {
    for (const key of this.open.keys()) if (!keep(key)) this.open.delete(key);
  }
}
