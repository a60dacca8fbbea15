// Everything the page shows, fed tick by tick from /api/history and the /api/events stream: a
// bounded ring of series, the services seen (in priority order), the latest tick and the newest
// decisions. Duplicate ticks (a reconnect replays from Last-Event-ID) are ignored by their seq.
// Which services have `arrivals:` comes from /api/state, and from the ticks themselves (a rate, or a
// failed read) for a service that gained them by a reload after the page loaded.
import type { ServiceTick, TickRecord } from '../../agent/records.js';
import type { Decision } from '../../core/types.js';
import { ColumnRing } from './ring-columns.js';

/** Enough for an hour at 4 ticks a second. */
export const RING_TICKS = 14_400;
export const MAX_DECISIONS = 200;

export const FIELDS = ['metric', 'target', 'arrivals', 'desired', 'running', 'starting', 'live', 'occupied'] as const;
export type Field = (typeof FIELDS)[number];

export function columnName(service: string, field: Field): string {
  return `${service}\u0000${field}`;
}

export interface ServiceInfo {
  readonly name: string;
  readonly priority: number;
  readonly index: number;
  readonly targetKind: string;
  /** It has `arrivals:`: its card charts the arrival rate. */
  readonly arrivals: boolean;
}

function targetNumber(s: ServiceTick): number | null {
  if (s.target.kind === 'queueLength') return s.target.queueLength;
  if (s.target.kind === 'perContainer') return s.target.perContainer;
  return null;
}

function sameInfo(a: ServiceInfo | undefined, b: ServiceInfo): boolean {
  return a?.name === b.name && a.priority === b.priority && a.targetKind === b.targetKind && a.arrivals === b.arrivals;
}

export class DashboardModel {
  readonly ring = new ColumnRing(RING_TICKS);
  readonly decisions: Decision[] = [];
  latest: TickRecord | undefined;
  services: ServiceInfo[] = [];
  private lastSeq = 0;
  private readonly withArrivals = new Set<string>();

  /** The services /api/state says have `arrivals:` (so a card charts them even before a read succeeds). */
  declareArrivals(services: Iterable<string>): void {
    for (const name of services) this.withArrivals.add(name);
  }

  /** Adds a tick; returns false for one already seen. */
  add(tick: TickRecord): boolean {
    if (tick.seq <= this.lastSeq) {
      // A restarted agent counts from 1 again: start over rather than freeze.
      if (tick.seq > 1 || this.lastSeq < 1) return false;
    }
    this.lastSeq = tick.seq;
    this.latest = tick;
    for (const s of tick.services) if (s.arrivalRate !== null) this.withArrivals.add(s.name);
    for (const e of tick.arrivalErrors ?? []) this.withArrivals.add(e.service);
    this.noteServices(tick.services);
    const values = new Map<string, number | null>();
    values.set('capacity', tick.capacity);
    values.set('used', tick.used);
    for (const s of tick.services) {
      values.set(columnName(s.name, 'metric'), s.demand);
      values.set(columnName(s.name, 'target'), targetNumber(s));
      // Only services with arrivals get a column: the others would hold a ring of gaps for nothing.
      if (this.withArrivals.has(s.name)) values.set(columnName(s.name, 'arrivals'), s.arrivalRate);
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
    const next = sorted.map(
      (s, index): ServiceInfo => ({
        name: s.name,
        priority: s.priority,
        index,
        targetKind: s.target.kind,
        arrivals: this.withArrivals.has(s.name),
      }),
    );
    const same = next.length === this.services.length && next.every((s, i) => sameInfo(this.services[i], s));
    if (!same) this.services = next;
  }
}
