// A fixed-size ring buffer: the agent's bounded memory of recent ticks and decisions.
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly size: number) {
    this.items = new Array<T | undefined>(size);
  }

  /** Adds an item; returns the oldest one it pushed out when the ring was full. */
  push(item: T): T | undefined {
    const dropped = this.count === this.size ? this.items[this.next] : undefined;
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.size;
    this.count = Math.min(this.count + 1, this.size);
    return dropped;
  }

  /** Removes and returns the oldest item (undefined when empty). */
  dropOldest(): T | undefined {
    if (this.count === 0) return undefined;
    const start = (this.next - this.count + this.size) % this.size;
    const item = this.items[start];
    this.items[start] = undefined;
    this.count--;
    return item;
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
