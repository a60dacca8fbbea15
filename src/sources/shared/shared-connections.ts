// One connection per server, shared by every service that reads from it: 100 services on one Redis
// make one connection, not 100. Reference-counted; the last release closes it.

export interface Closable {
  close(): Promise<void>;
}

export class SharedConnections<T extends Closable> {
  private readonly entries = new Map<string, { value: T; users: number }>();

  /** The connection for `key`, made by `create` the first time. Pair every acquire with a release. */
  acquire(key: string, create: () => T): T {
    const entry = this.entries.get(key);
    if (entry) {
      entry.users++;
      return entry.value;
    }
    const value = create();
    this.entries.set(key, { value, users: 1 });
    return value;
  }

  async release(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.users--;
    if (entry.users > 0) return;
    this.entries.delete(key);
    await entry.value.close();
  }

  get size(): number {
    return this.entries.size;
  }
}
