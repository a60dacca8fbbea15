// Scoring a run, per service and overall: seconds over the SLA, mean and p95 queue, mean distance from
// the target, containers started (churn), pool utilisation (busy container-seconds / capacity-seconds).
import type { Sla } from './scenario.js';
import { waitS } from './queue.js';

export interface ServiceScore {
  readonly name: string;
  readonly priority: number;
  /** False for remainder services (background work, no queue). */
  readonly queued: boolean;
  readonly slaViolationS: number;
  readonly meanQueue: number;
  readonly p95Queue: number;
  /** Mean |queue − target| for queueLength targets; null otherwise. */
  readonly meanDistance: number | null;
  readonly started: number;
  /** Container-seconds held (running + starting + stopping): what the service cost the pool. */
  readonly containerSeconds: number;
  readonly busySeconds: number;
}

export interface Score {
  readonly policy: string;
  readonly durationS: number;
  readonly capacity: number;
  readonly services: readonly ServiceScore[];
  readonly utilization: number;
}

/** 1 % wide buckets on a log scale: p95 within 1 % in constant memory, whatever the run's length. */
const BUCKET_GROWTH = Math.log(1.01);

export class ServiceAccumulator {
  private violationS = 0;
  private queueSum = 0;
  private distanceSum = 0;
  private ticks = 0;
  /** Counts per bucket; 3,000 buckets reach past 10^12 messages. */
  private readonly histogram = new Float64Array(3000);
  containerSeconds = 0;
  busySeconds = 0;

  constructor(
    readonly name: string,
    readonly priority: number,
    private readonly sla: Sla | undefined,
    private readonly targetQueue: number | undefined,
    private readonly ratePerContainer: number,
  ) {}

  /** One tick of length dtS ending with `queue` waiting and `running` containers working. */
  addQueue(queue: number, running: number, dtS: number): void {
    this.ticks++;
    this.queueSum += queue;
    if (this.targetQueue !== undefined) this.distanceSum += Math.abs(queue - this.targetQueue);
    const bucket = queue <= 0 ? 0 : Math.min(this.histogram.length - 1, Math.floor(Math.log1p(queue) / BUCKET_GROWTH));
    this.histogram[bucket] = (this.histogram[bucket] ?? 0) + 1;
    this.addViolation(queue, running, dtS);
  }

  /** A piece of a tick (containers started or exited within it): its seconds over the SLA only; addQueue ends the tick. */
  addViolation(queue: number, running: number, dtS: number): void {
    if (this.sla && violates(this.sla, queue, running, this.ratePerContainer)) this.violationS += dtS;
  }

  private quantile(q: number): number {
    let seen = 0;
    for (let bucket = 0; bucket < this.histogram.length; bucket++) {
      seen += this.histogram[bucket] ?? 0;
      // The bucket's upper edge: never reports less than the true quantile.
      if (seen >= q * this.ticks) return bucket === 0 ? 0 : Math.expm1((bucket + 1) * BUCKET_GROWTH);
    }
    return 0;
  }

  finish(started: number): ServiceScore {
    const ticks = Math.max(1, this.ticks);
    return {
      name: this.name,
      priority: this.priority,
      queued: this.sla !== undefined,
      slaViolationS: this.violationS,
      meanQueue: this.queueSum / ticks,
      p95Queue: this.ticks === 0 || this.sla === undefined ? 0 : this.quantile(0.95),
      meanDistance: this.targetQueue === undefined ? null : this.distanceSum / ticks,
      started,
      containerSeconds: this.containerSeconds,
      busySeconds: this.busySeconds,
    };
  }
}

export function violates(sla: Sla, queue: number, running: number, ratePerContainer: number): boolean {
  return 'queueLength' in sla ? queue > sla.queueLength : waitS(queue, running, ratePerContainer) > sla.waitS;
}

export function utilizationOf(services: readonly ServiceScore[], capacity: number, durationS: number): number {
  const busy = services.reduce((sum, s) => sum + s.busySeconds, 0);
  return capacity > 0 && durationS > 0 ? busy / (capacity * durationS) : 0;
}

/** The service the goals are about: the most urgent one with a queue. */
export function urgentOf(score: Score): ServiceScore | undefined {
  return [...score.services].filter((s) => s.queued).sort((a, b) => a.priority - b.priority)[0];
}
