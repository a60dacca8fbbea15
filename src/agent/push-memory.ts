// The last value pushed to each push-fed service (metric and arrivals), kept in a small JSON state file
// so a restarted agent (a crash, kill -9, an upgrade) decides from it at once instead of holding until
// the next push. Each value keeps the time it was pushed, so `maxAge` still counts from the push, not
// from the restart. Written atomically (temporary file, then rename) and synchronously on each push,
// before the API answers it: a push that got its 200 survives a kill -9 the next instant. The file is a
// few hundred bytes, so this costs well under a millisecond. A file that cannot be read or written is
// logged once and otherwise ignored: the services then hold their observed count until the first push.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
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

interface StateFile {
  readonly version: 1;
  /** `metric/<service>` or `arrivals/<service>`. */
  readonly pushed: Record<string, PushedValue>;
}

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
    try {
      const parsed = JSON.parse(text) as Partial<StateFile>;
      for (const [key, value] of Object.entries(parsed.pushed ?? {}))
        if (isPushed(value)) this.values.set(key, { value: value.value, atMs: value.atMs });
    } catch (error) {
      this.warnOnce('read', error);
    }
  }

  get(role: SourceRole, service: string): PushedValue | undefined {
    return this.values.get(keyOf(role, service));
  }

  /** Remembers a push and writes the file now. */
  record(role: SourceRole, service: string, value: number, atMs: number): void {
    this.values.set(keyOf(role, service), { value, atMs });
    if (!this.file) return;
    const body: StateFile = { version: 1, pushed: Object.fromEntries(this.values) };
    const temporary = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(temporary, `${JSON.stringify(body)}\n`, { mode: 0o600 });
      renameSync(temporary, this.file);
    } catch (error) {
      this.warnOnce('write', error);
    }
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
