// The dashboard's memory: a fixed number of ticks kept in preallocated typed arrays (one column per
// series), so a tab left open for hours holds the same few hundred KB it held after the first hour.
// Missing values are NaN inside and null outside, which is what uPlot draws as a gap.

export class ColumnRing {
  readonly times: Float64Array;
  private readonly columns = new Map<string, Float64Array>();
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.times = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  private column(name: string): Float64Array {
    let column = this.columns.get(name);
    if (!column) {
      column = new Float64Array(this.capacity).fill(Number.NaN);
      this.columns.set(name, column);
    }
    return column;
  }

  /** Appends one row at `timeS`; columns not in `values` get a gap. */
  push(timeS: number, values: ReadonlyMap<string, number | null>): void {
    const at = this.next;
    this.times[at] = timeS;
    for (const [name, column] of this.columns) if (!values.has(name)) column[at] = Number.NaN;
    for (const [name, value] of values) this.column(name)[at] = value ?? Number.NaN;
    this.next = (at + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Ring positions of the rows at or after `fromS`, oldest first. */
  private positions(fromS: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) {
      const at = (this.next - 1 - i + this.capacity) % this.capacity;
      if ((this.times[at] ?? 0) < fromS) break;
      out.push(at);
    }
    return out.reverse();
  }

  /** The rows at or after `fromS`: the times, and a reader for any column (null where missing). */
  window(fromS: number): { x: number[]; column: (name: string) => (number | null)[] } {
    const at = this.positions(fromS);
    return {
      x: at.map((i) => this.times[i] ?? 0),
      column: (name) => {
        const column = this.columns.get(name);
        return at.map((i) => {
          const value = column?.[i];
          return value === undefined || Number.isNaN(value) ? null : value;
        });
      },
    };
  }
}
