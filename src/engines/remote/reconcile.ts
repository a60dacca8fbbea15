// Turns what an orchestrator reports for one workload into microscale's ActualState, reading the
// declared count (Nomad's group count, Marathon's instances, ECS's desiredCount) as the truth the
// orchestrator is converging to. Right after a scale-down the excess tasks still report running until
// the scheduler acts on it; they are counted as stopping (they still hold the pool). After a scale-up the
// tasks not placed yet are counted as starting, so the pool is never promised twice. Pure.
import type { ActualState } from '../../core/types.js';

export interface ReportedCounts {
  /** The count the orchestrator is told to run. */
  readonly declared: number;
  readonly running: number;
  readonly starting: number;
  /** Tasks the orchestrator reports as being stopped. */
  readonly stopping: number;
}

export function reconcile({ declared, running, starting, stopping }: ReportedCounts): ActualState {
  const live = running + starting;
  if (live > declared) {
    // Stop the newest first, as the schedulers do: starting tasks go before running ones.
    const excess = live - declared;
    const startingKept = Math.max(0, starting - excess);
    const runningKept = Math.min(running, declared - startingKept);
    return { running: runningKept, starting: startingKept, stopping: stopping + excess };
  }
  return { running, starting: starting + (declared - live), stopping };
}
