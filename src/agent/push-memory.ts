// The last value pushed to each push-fed service (metric and arrivals), kept in a state file so a
// restarted agent (a crash, kill -9, an upgrade) decides from it at once instead of holding until the
// next push. Each value keeps the time it was pushed, so `maxAge` still counts from the push, not from
// the restart. Written synchronously on each push, before the API answers it: a push that got its 200
// survives a kill -9 the next instant.
// The file is JSON lines: first every value at one moment (written atomically: a temporary file, then
// a rename), then one line per push since, appended. A push so costs one short append whatever the
// number of services (rewriting every value on every push cost ~9 ms at 10,000 services); the file is
// rewritten whole once the appended lines outnumber twice the values, so it stays within ~3x its
// values. A line cut short (a full disk) is skipped. A file that cannot be read or written is logged
// once and otherwise ignored: the services then hold their observed count until the first push.
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { SourceRole } from '../sources/types.js';

export interface PushedValue {
  readonly value: number;
  /** When it was pushed (ms since the epoch). */
  readonly atMs: number;
}

/** The file's first line. */
interface StateFile {
  readonly version: 1;
  /** `metric/<service>` or `arrivals/<service>`. */
  readonly pushed: Record<string, PushedValue>;
}

/** Each later line: one push. */
interface PushLine extends PushedValue {
  readonly key: string;
}

/** Appended lines allowed beyond twice the values before the file is rewritten whole. */
const SLACK_LINES = 64;

const keyOf = (role: SourceRole, service: string): string => `${role}/${service}`;

/**
 * Where `run -c FILE` keeps its state when the config names no `stateFile`: one file per config file,
 * under $XDG_STATE_HOME/microscale (default ~/.local/state/microscale), so two agents on one machine
 * never share one.
 */
export function defaultStateFile(configPath: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  const name = resolve(configPath)
    .replace(/^\/+/, '')
    .replace(/[^a-zA-Z0-9._-]+/g, '_');
  return join(base, 'microscale', `${name}.state.json`);
}

function isPushed(value: unknown): value is PushedValue {
  if (value === null || typeof value !== 'object') return false;
  const { value: v, atMs } = value as Record<string, unknown>;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && typeof atMs === 'number' && Number.isFinite(atMs);
}

export class PushMemory {
  private readonly values = new Map<string, PushedValue>();
  private warned = false;
  /** Pushes appended since the file was last written whole; undefined until it has been (or was read whole). */
  private appended: number | undefined;

  /** `file` undefined: remember nothing (tests, demo). */
  constructor(
    readonly file: string | undefined,
    private readonly log: Logger,
  ) {}

  /** Reads the file; a missing one is an empty memory, a broken one is logged and ignored. */
  async load(): Promise<void> {
    if (!this.file) return;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.warnOnce('read', error);
      return;
    }
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    for (const [i, line] of lines.entries()) {
      let parsed: Partial<StateFile & PushLine>;
      try {
        parsed = JSON.parse(line) as Partial<StateFile & PushLine>;
        if (parsed === null || typeof parsed !== 'object') throw new Error(`not an object: ${line.slice(0, 40)}`);
      } catch (error) {
        if (i > 0) continue; // a line cut short by a failed write: the value before it stands
        this.warnOnce('read', error);
        return; // written whole at the first push
      }
      for (const [key, value] of Object.entries(parsed.pushed ?? {}))
        if (isPushed(value)) this.values.set(key, { value: value.value, atMs: value.atMs });
      const key = parsed.key;
      if (typeof key === 'string' && isPushed(parsed)) this.values.set(key, { value: parsed.value, atMs: parsed.atMs });
    }
    this.appended = lines.length - 1;
  }

  get(role: SourceRole, service: string): PushedValue | undefined {
    return this.values.get(keyOf(role, service));
  }

  /** Remembers a push and writes it to the file now. */
  record(role: SourceRole, service: string, value: number, atMs: number): void {
    const key = keyOf(role, service);
    this.values.set(key, { value, atMs });
    if (!this.file) return;
    try {
      if (this.appended === undefined || this.appended >= 2 * this.values.size + SLACK_LINES) this.writeWhole(this.file);
      else {
        appendFileSync(this.file, `${JSON.stringify({ key, value, atMs } satisfies PushLine)}\n`);
        this.appended++;
      }
    } catch (error) {
      this.appended = undefined; // written whole at the next push
      this.warnOnce('write', error);
    }
  }

  /** Every value in one line, atomically: a temporary file, then a rename. */
  private writeWhole(file: string): void {
    const body: StateFile = { version: 1, pushed: Object.fromEntries(this.values) };
    const temporary = `${file}.${process.pid}.tmp`;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temporary, `${JSON.stringify(body)}\n`, { mode: 0o600 });
    renameSync(temporary, file);
    this.appended = 0;
  }

  private warnOnce(doing: 'read' | 'write', error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.log.warn(
      { event: 'state-file-error', file: this.file },
      `cannot ${doing} the state file ${this.file} (${errorMessage(error)}); ` +
        `pushed values will not survive a restart (push-fed services then hold their count until the first push). ` +
        `Set stateFile: to a writable path, or stateFile: off`,
    );
  }
}
