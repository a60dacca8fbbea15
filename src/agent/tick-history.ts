// The ticks the agent keeps in memory for the API and the dashboard: at most `historySize` ticks, and
// fewer when their service lines exceed the config's `historyLines` (a service line is ~650 bytes kept).
import { Ring } from './ring.js';
import type { TickRecord } from './records.js';

export class TickHistory {
  readonly ticks: Ring<TickRecord>;
  /** Service lines in the kept ticks. */
  private lines = 0;

  constructor(size: number) {
    this.ticks = new Ring(size);
  }

  /** Adds a tick, then drops the oldest ticks while the kept ticks' service lines exceed `budget`, always keeping the latest. */
  keep(record: TickRecord, budget: number): void {
    const pushedOut = this.ticks.push(record);
    this.lines += record.services.length - (pushedOut?.services.length ?? 0);
    while (this.lines > budget && this.ticks.length > 1) {
      this.lines -= this.ticks.dropOldest()?.services.length ?? 0;
    }
  }
}
