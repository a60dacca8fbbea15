// The sentence an sla decision gives as its reason, from the few numbers it is made of (none of the
// controller's state), formatted only when read: /api/state, the decision log and the tick history.
import type { SlaBound } from '../types.js';
import { formatNumber } from './direct.js';

/** The few numbers an sla decision's sentence is made of (none of its state), formatted on demand. */
export class SlaReason {
  constructor(
    readonly count: number,
    readonly estimates: {
      readonly arrivalRate: number;
      readonly arrivalRateStdDev: number;
      readonly ratePerContainer: number;
      readonly ratePerContainerLearned: boolean;
      readonly risePeriodS?: number | null;
    },
    readonly sla: SlaBound,
    readonly fromQueue: boolean,
    readonly startS: number,
    readonly held: number,
    readonly queue: number,
    readonly why: string,
  ) {}

  /** "arrivals 47/s (±3), 20/s each, start 1.1s: 3 needed, keeping 4 for the SLA (queue ≤ 500, queue 120)". */
  format(): string {
    const { sla, held, why, count } = this;
    const { arrivalRate: mean, arrivalRateStdDev: noise, ratePerContainer: rate, ratePerContainerLearned: learnt } = this.estimates;
    const needed = Math.ceil(mean / rate - 1e-9);
    const slaText = 'queueLength' in sla ? `queue ≤ ${sla.queueLength}` : `wait ≤ ${formatNumber(sla.waitMs / 1000)}s`;
    const rateText = `${formatNumber(round(rate))}/s each${learnt ? ' (learnt)' : ''}`;
    const change = count === held ? 'keeping' : count > held ? 'raising to' : 'lowering to';
    return `arrivals ${formatNumber(round(mean))}/s (±${formatNumber(round(noise))})${this.fromQueue ? ' from the queue' : ''}, ${rateText}, start ${formatNumber(round(this.startS))}s: ${needed} needed, ${change} ${count} for the SLA (${slaText}, queue ${formatNumber(round(this.queue))})${why ? `: ${why}` : ''}`;
  }
}

export function round(value: number): number {
  return Math.round(value * 10) / 10;
}
