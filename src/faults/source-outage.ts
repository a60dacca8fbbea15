// A metric source down under a running agent (issue 17): a throwaway redis-server feeding P1 is killed
// and started again after `downMs` (its list kept on disk: an outage, not data loss); the agent runs
// in process on the sim engine.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { Agent } from '../agent/agent.js';
import { parseConfig } from '../agent/config-loader.js';
import { engineServicesOf } from '../agent/wiring.js';
import { SimEngine } from '../engines/sim/sim.js';
import { capturingLog, freePort, INTERVAL_MS, sleep, until } from './support.js';

export interface SourceOutageFigures {
  readonly downMs: number;
  /** The least the fed service was planned at while its source was down (held: never 0). */
  readonly leastPlannedWhileDown: number;
  readonly heldAt: number;
  readonly errorLines: number;
  readonly recoveredLines: number;
  /** From redis-server accepting connections again to the first tick that read it. */
  readonly freshAfterBackMs: number | null;
  /** Which tick after the server was back read it first (1: the first tick). */
  readonly freshTick: number | null;
}

/** A redis-server feeding P1 killed for `downMs`, then started again; see the module comment. */
export async function sourceOutage(downMs = 20_000): Promise<SourceOutageFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'microscale-faults-redis-'));
  const port = await freePort();
  // appendfsync always: the list is on disk, so the restarted server has it (a real outage, not data loss).
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--dir',
    dir,
  ];
  let server: ChildProcess | undefined;
  /** Starts redis-server; resolves with the time it first answers. */
  const startServer = async (): Promise<number> => {
    server = spawn('redis-server', args, { stdio: 'ignore' });
    const probe = new Redis(port, '127.0.0.1', { retryStrategy: () => 20, maxRetriesPerRequest: null });
    probe.on('error', () => undefined);
    try {
      await probe.ping();
      return Date.now();
    } finally {
      probe.disconnect();
    }
  };
  const { log, count } = capturingLog();
  const clock = Date.now;
  const config = parseConfig({
    capacity: 10,
    interval: `${INTERVAL_MS}ms`,
    services: [
      {
        name: 'urgent',
        priority: 1,
        metric: { source: 'redis', url: `redis://127.0.0.1:${port}`, key: 'jobs' },
        target: { perContainer: 10 },
      },
      { name: 'background', priority: 2, target: 'remainder' },
    ],
  });
  const engine = new SimEngine({ kind: 'sim', startLatency: 0, stopLatency: 0 }, engineServicesOf(config), { nowMs: clock });
  let agent: Agent | undefined;
  try {
    await startServer();
    const admin = new Redis(port, '127.0.0.1');
    await admin.rpush('jobs', ...Array.from({ length: 30 }, (_, i) => `job-${i}`));
    admin.disconnect();
    agent = new Agent(config, { engine, log });
    await agent.start();
    const current = agent;
    const urgentOf = (index = -1) =>
      current.ticks
        .toArray()
        .at(index)
        ?.services.find((s) => s.name === 'urgent');
    await until(() => urgentOf()?.running === 3, 10_000);
    const heldAt = urgentOf()?.planned ?? 0;
    const downAtMs = Date.now();
    await new Promise<void>((resolve) => {
      server?.once('exit', () => resolve());
      server?.kill('SIGKILL');
    });
    await sleep(downMs);
    const backAtMs = await startServer();
    await until(
      () => current.ticks.toArray().some((t) => t.atMs > backAtMs && t.services.some((s) => s.name === 'urgent' && !s.stale)),
      10_000,
    );
    const during = current.ticks.toArray().filter((t) => t.atMs > downAtMs && t.atMs < backAtMs);
    const after = current.ticks.toArray().filter((t) => t.atMs > backAtMs);
    const freshIndex = after.findIndex((t) => t.services.some((s) => s.name === 'urgent' && !s.stale));
    return {
      downMs: backAtMs - downAtMs,
      leastPlannedWhileDown: Math.min(...during.map((t) => t.services.find((s) => s.name === 'urgent')?.planned ?? 0)),
      heldAt,
      errorLines: count('metric-error'),
      recoveredLines: count('metric-error-recovered'),
      freshAfterBackMs: freshIndex < 0 ? null : (after[freshIndex]?.atMs ?? backAtMs) - backAtMs,
      freshTick: freshIndex < 0 ? null : freshIndex + 1,
    };
  } finally {
    await agent?.stop().catch(() => undefined); // cleanup must not hide the scenario's own error
    server?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}
