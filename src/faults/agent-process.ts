// `microscale run` in a child process, so a fault can kill it for real (SIGKILL): its API (push a
// metric, read the state) and its JSON log lines. Runs the TypeScript sources through tsx when this
// module is loaded from them (tests), else the shipped CLI, dist/cli/main.js (`microscale bench faults`,
// which runs from dist-bench/ beside dist/).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TOKEN = 'fault-injection-token';

/** What the child runs: the TypeScript sources through tsx (tests), or the built product (the bench). */
export const AGENT_BUILD: 'sources (tsx)' | 'dist' = import.meta.url.endsWith('.ts') ? 'sources (tsx)' : 'dist';

function cliArgs(): string[] {
  if (AGENT_BUILD === 'sources (tsx)') return ['--import', 'tsx', fileURLToPath(new URL('../cli/main.ts', import.meta.url))];
  const product = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  return [existsSync(product) ? product : fileURLToPath(new URL('../cli/main.js', import.meta.url))];
}

export interface ServiceLine {
  readonly name: string;
  readonly running: number;
  readonly starting: number;
  readonly stopping: number;
  readonly desired: number | null;
  readonly stale: boolean;
}

export interface AgentStateLine {
  readonly seq: number;
  readonly atMs: number | null;
  readonly engineError: string | null;
  readonly services: readonly ServiceLine[];
}

export class AgentProcess {
  readonly lines: Record<string, unknown>[] = [];
  readonly spawnedAtMs = Date.now();
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(
    configFile: string,
    readonly port: number,
  ) {
    this.child = spawn(process.execPath, [...cliArgs(), 'run', '-c', configFile, '--listen', `127.0.0.1:${port}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MICROSCALE_API_TOKEN: TOKEN },
    });
    let buffered = '';
    this.child.stderr?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ msg: line });
        }
      }
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async state(): Promise<AgentStateLine | undefined> {
    try {
      const response = await fetch(this.url('/api/state'), { signal: AbortSignal.timeout(2000) });
      return response.ok ? ((await response.json()) as AgentStateLine) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Polls the API until the agent has ticked; the tick's own time (ms since the epoch). */
  async firstTick(timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const state = await this.state();
      if (state && state.seq >= 1 && state.atMs !== null) return state.atMs;
      if (!this.alive) throw new Error(`the agent exited before its first tick: ${JSON.stringify(this.lines.slice(-3))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no tick within ${timeoutMs}ms`);
  }

  async push(service: string, value: number): Promise<void> {
    const response = await fetch(this.url(`/api/services/${service}/metric`), {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ value }),
    });
    if (!response.ok) throw new Error(`push to ${service}: ${response.status} ${await response.text()}`);
  }

  async kill9(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.alive) this.child.kill('SIGTERM');
    await this.exited;
  }
}
