// `arrivals: {..., counter: true}`: the source reads a counter of messages ever added (a stream's
// last sequence, entries-added, a JSON counter) and this turns successive reads into messages/s
// (core/counter-rate.ts). The first read, and the first after the counter went backwards, have no
// rate yet: they reject with CounterNotYet, which the tick takes as "no arrivals this tick" (it
// decides from the queue alone), neither an error nor 0. A failed read keeps the last good read as
// the base, so the next rate covers the whole gap.
import { counterStep, type CounterBase } from '../../core/counter-rate.js';
import { SourceError } from '../../errors.js';
import type { Source } from '../types.js';

/** Reads closer than this keep the rate of the last full interval (a tick woken twice in 5 ms). */
export const COUNTER_MIN_INTERVAL_MS = 500;

/** No rate yet: the first read of a counter, or the first after it went backwards. Not a failure. */
export class CounterNotYet extends Error {
  override readonly name = 'CounterNotYet';
}

export class CounterRateSource implements Source {
  private base: CounterBase | undefined;

  constructor(
    private readonly counter: Source,
    private readonly kind: string,
    private readonly service: string,
    private readonly nowMs: () => number,
  ) {
    if (counter.watch) this.watch = (onChange) => counter.watch!(onChange);
  }

  watch?: (onChange: () => void) => () => void;

  async read(signal: AbortSignal): Promise<number> {
    const count = await this.counter.read(signal);
    if (!Number.isFinite(count) || count < 0)
      throw new SourceError('bad-response', this.kind, this.service, `the counter read ${count}; expected a count of messages >= 0`);
    const step = counterStep(this.base, count, this.nowMs(), COUNTER_MIN_INTERVAL_MS);
    this.base = step.base;
    if (step.kind === 'rate') return step.rate;
    throw new CounterNotYet(
      step.reset
        ? `arrivals for service "${this.service}": the counter went back (to ${count}): the stream was made again; a rate from the next read`
        : `arrivals for service "${this.service}": first read of the counter (${count}); a rate from the next read`,
    );
  }

  close(): Promise<void> {
    return this.counter.close();
  }
}
