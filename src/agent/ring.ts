// A fixed-size ring buffer: the agent's bounded memory of recent ticks and decisions.
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly size: number) {
    this.items = new Array<T | undefined>(size);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.size;
    this.count = Math.min(this.count + 1, this.size);
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    const start = (this.next - this.count + this.size) % this.size;
    for (let i = 0; i < this.count; i++) {
      const item = this.items[(start + i) % this.size];
      if (item !== undefined) out.push(item);
    }
    return out;
  }

  get length(): number {
    return this.count;
  }
}
