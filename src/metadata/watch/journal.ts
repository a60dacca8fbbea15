// The watcher's durable state: an append-only journal file of JSON lines under the user's stateDir,
// each append fsynced before the watcher acts on it, compacted (write a new file, fsync, rename, fsync
// the directory) when it grows. Why a journal and not an embedded database: the state is small (one
// record per watched tag plus the pending deliveries), written a few times a minute and read once at
// start, so a few dozen lines of node:fs give the same crash guarantee as SQLite (fsync before
// acknowledge) with no native module to build on a fresh machine (better-sqlite3 needs a prebuilt
// binary matching the Node ABI; 13.x crashes on Node 20). A line torn by a crash mid-write is the
// last line, and is dropped at start (it was never fsynced, so nothing was acted on).
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const JOURNAL_FILE = 'watch.journal';

export class Journal<R> {
  private fd: number;
  private lines = 0;
  readonly path: string;

  /** Opens (creating) the journal in `dir`; `replay` is called with every intact record, oldest first. */
  constructor(
    readonly dir: string,
    replay: (record: R) => void,
  ) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, JOURNAL_FILE);
    if (existsSync(this.path)) {
      const text = readFileSync(this.path, 'utf8');
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        let record: R;
        try {
          record = JSON.parse(line) as R;
        } catch {
          continue; // a torn last line: never acknowledged, so safe to drop
        }
        replay(record);
        this.lines += 1;
      }
    }
    this.fd = openSync(this.path, 'a');
  }

  /** Appends the records as one write and fsyncs: when this returns they survive kill -9 and power loss. */
  append(...records: R[]): void {
    if (records.length === 0) return;
    writeSync(this.fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    fsyncSync(this.fd);
    this.lines += records.length;
  }

  get size(): number {
    return this.lines;
  }

  /** Replaces the journal by `records` (the live state) atomically: a crash leaves the old or the new file, whole. */
  compact(records: readonly R[]): void {
    const next = `${this.path}.next`;
    const fd = openSync(next, 'w');
    writeSync(fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(next, this.path);
    const dirFd = openSync(this.dir, 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.lines = records.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}
