// Everything the page shows, fed tick by tick from /api/history and the /api/events stream: a
// bounded ring of series, the services seen (in priority order), the latest tick and the newest
// decisions. Duplicate ticks (a reconnect replays from Last-Event-ID) are ignored by their seq.
import type { ServiceTick, TickRecord } from '../../agent/records.js';
import type { Decision } from '../../core/types.js';
import { ColumnRing } from './ring-columns.js';

/** Enough for an hour at 4 ticks a second. */
export const RING_TICKS = 14_400;
export const MAX_DECISIONS = 200;

export const FIELDS = ['metric', 'target', 'desired', 'running', 'starting', 'live', 'occupied'] as const;
export type Field = (typeof FIELDS)[number];

export function columnName(service: string, field: Field): string {
  return `${service}\u0000${field}`;
}

export interface ServiceInfo {
  readonly name: string;
  readonly priority: number;
  readonly index: number;
  readonly targetKind: string;
}

function targetNumber(s: ServiceTick): number | null {
  if (s.target.kind === 'queueLength') return s.target.queueLength;
  if (s.target.kind === 'perContainer') return s.target.perContainer;
  return null;
}

export class DashboardModel {
  readonly ring = new ColumnRing(RING_TICKS);
  readonly decisions: Decision[] = [];
  latest: TickRecord | undefined;
  services: ServiceInfo[] = [];
  private lastSeq = 0;

  /** Adds a tick; returns false for one already seen. */
  add(tick: TickRecord): boolean {
    if (tick.seq <= this.lastSeq) {
      // A restarted agent counts from 1 again: start over rather than freeze.
      if (tick.seq > 1 || this.lastSeq < 1) return false;
    }
    this.lastSeq = tick.seq;
    this.latest = tick;
    this.noteServices(tick.services);
    const values = new Map<string, number | null>();
    values.set('capacity', tick.capacity);
    values.set('used', tick.used);
    for (const s of tick.services) {
      values.set(columnName(s.name, 'metric'), s.demand);
      values.set(columnName(s.name, 'target'), targetNumber(s));
      values.set(columnName(s.name, 'desired'), s.desired);
      values.set(columnName(s.name, 'running'), s.running);
      values.set(columnName(s.name, 'starting'), s.starting);
      values.set(columnName(s.name, 'live'), s.running + s.starting);
      values.set(columnName(s.name, 'occupied'), s.running + s.starting + s.stopping);
    }
    this.ring.push(tick.atMs / 1000, values);
    for (const decision of tick.decisions) this.decisions.unshift(decision);
    if (this.decisions.length > MAX_DECISIONS) this.decisions.length = MAX_DECISIONS;
    return true;
  }

  private noteServices(ticks: readonly ServiceTick[]): void {
    const sorted = [...ticks].sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : 1));
    const same = sorted.length === this.services.length && sorted.every((s, i) => this.services[i]?.name === s.name && this.services[i]?.priority === s.priority && this.services[i]?.targetKind === s.target.kind);
    if (!same) this.services = sorted.map((s, index) => ({ name: s.name, priority: s.priority, index, targetKind: s.target.kind }));
  }
}
