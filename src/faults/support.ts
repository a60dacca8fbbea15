// What the fault scenarios share: the tick, the container every service runs, a free port, polling,
// and an in-process agent's log lines captured.
import { createServer } from 'node:net';
import { pino } from 'pino';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** The agent's tick in every scenario. */
export const INTERVAL_MS = 500;
/** What every service runs: exits at once on SIGTERM (init: true by default), 2 s grace. */
export const SLEEPER = { image: 'busybox:latest', command: ['sleep', '3600'], stopGracePeriod: '2s' };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** Captures an in-process agent's JSON log lines. */
export function capturingLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines, count: (event: string) => lines.filter((l) => l.event === event).length };
}
