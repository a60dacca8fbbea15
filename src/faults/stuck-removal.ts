// A container stuck in removal, on the real Docker Engine: the removal is made to fail for real by
// making a file of the container's writable layer immutable (`chattr +i` in its overlay2 upper dir), so
// the daemon cannot delete the layer: `docker rm` fails ("driver overlay2 failed to remove root
// filesystem ... operation not permitted") and the container is left "Removal In Progress" — what a busy
// or broken filesystem does in production. The engine must count it nowhere (it runs nothing), start a
// replacement meanwhile, retry the removal with backoff, report it once as an incident and once as
// recovered when the file is released. Needs root, chattr, and a local daemon on overlay2.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Docker from 'dockerode';
import { pino } from 'pino';
import { DockerEngine } from '../engines/docker/docker.js';
import { poolFilter } from '../engines/docker/labels.js';
import { removePoolContainers } from '../engines/docker/remove-pool.js';
import { dockerSchema } from '../engines/docker/schema.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const STUCK_FILE = 'microscale-stuck';

function chattr(flag: '+i' | '-i', path: string): Promise<void> {
  return new Promise((resolve, reject) => execFile('chattr', [flag, path], (error) => (error ? reject(error) : resolve())));
}

/** Why this machine cannot run the scenario, or undefined when it can. */
export async function stuckRemovalUnavailable(docker = new Docker()): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root (chattr on the daemon data-root needs root)';
  if (!existsSync('/usr/bin/chattr')) return 'no chattr (apt-get install e2fsprogs)';
  const info = (await docker.info()) as { Driver?: string; DockerRootDir?: string };
  if (info.Driver !== 'overlay2') return `the daemon's storage driver is ${String(info.Driver)}, not overlay2`;
  if (!info.DockerRootDir || !existsSync(info.DockerRootDir)) return 'the daemon is not on this machine (its data-root is not here)';
  return undefined;
}

export interface StuckRemovalFigures {
  /** The daemon's state of the stuck container while its removal failed (removing or dead). */
  readonly stuckState: string;
  /** What the engine counted for the service while it was stuck and the plan wanted 0. */
  readonly heldWhileStuck: { readonly running: number; readonly starting: number; readonly stopping: number };
  /** The plan wanted 1 again while the stuck container was still there: a replacement ran. */
  readonly replacedWhileStuck: boolean;
  /** How long the removal was kept stuck (ms). */
  readonly stuckMs: number;
  /** From the file being released to the daemon no longer listing the container (null: not within 40 s). */
  readonly goneAfterReleaseMs: number | null;
  /** docker-remove-failed lines (one per incident, not per try). */
  readonly failedLines: number;
  readonly recoveredLines: number;
  /** Failed removals the recovered line counts (>= 2: the engine tried again while it was stuck). */
  readonly failures: number | null;
}

/** A container whose removal fails for `stuckMs`, under an in-process docker engine; see the module comment. */
export async function stuckRemoval(stuckMs = 5000): Promise<StuckRemovalFigures> {
  const docker = new Docker();
  const pool = `faults-stuck-${randomBytes(3).toString('hex')}`;
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const command = `echo stuck > /${STUCK_FILE}; exec sleep 3600`;
  const engine = new DockerEngine(
    dockerSchema.parse({ kind: 'docker', pool, resync: '2s' }),
    [{ name: 'worker', stopGracePeriodMs: 2000, options: { image: 'busybox:latest', command } }],
    { log },
  );
  const list = () => docker.listContainers({ all: true, filters: { label: poolFilter(pool) } });
  const observeUntil = async (condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await engine.observe().catch(() => undefined); // the engine logs its own failures; the condition decides
      if (await condition()) return true;
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
  };
  let immutable: string | undefined;
  try {
    await engine.apply([{ name: 'worker', replicas: 1 }]);
    if (!(await observeUntil(async () => (await list()).some((c) => c.State === 'running'), 20_000)))
      throw new Error('the first container never ran');
    const [first] = await list();
    if (!first) throw new Error('no container');
    const driver = (await docker.getContainer(first.Id).inspect()).GraphDriver as { Data?: { UpperDir?: string } };
    const upper = driver.Data?.UpperDir;
    if (!upper) throw new Error('no overlay2 upper dir for the container');
    const file = join(upper, STUCK_FILE);
    for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(50);
    await chattr('+i', file);
    immutable = file;
    await engine.apply([{ name: 'worker', replicas: 0 }]);
    let stuckState = '';
    const stuck = await observeUntil(async () => {
      const found = (await list()).find((c) => c.Id === first.Id);
      stuckState = found?.State ?? 'gone';
      return found?.State === 'removing' || found?.State === 'dead';
    }, 15_000);
    if (!stuck) throw new Error(`the removal did not stick: the container is ${stuckState}`);
    const stuckSinceMs = Date.now();
    const counted = (await engine.observe()).get('worker');
    const heldWhileStuck = { running: counted?.running ?? 0, starting: counted?.starting ?? 0, stopping: counted?.stopping ?? 0 };
    await engine.apply([{ name: 'worker', replicas: 1 }]);
    const replacedWhileStuck = await observeUntil(
      async () => (await list()).some((c) => c.Id !== first.Id && c.State === 'running'),
      Math.max(1000, stuckMs - 500),
    );
    await observeUntil(async () => false, Math.max(0, stuckMs - (Date.now() - stuckSinceMs)));
    await chattr('-i', immutable);
    immutable = undefined;
    const releasedAtMs = Date.now();
    const gone = await observeUntil(async () => !(await list()).some((c) => c.Id === first.Id), 40_000);
    const goneAfterReleaseMs = gone ? Date.now() - releasedAtMs : null;
    await observeUntil(async () => lines.some((l) => l.event === 'docker-remove-failed-recovered'), 2000);
    const recovered = lines.find((l) => l.event === 'docker-remove-failed-recovered');
    return {
      stuckState,
      heldWhileStuck,
      replacedWhileStuck,
      stuckMs: releasedAtMs - stuckSinceMs,
      goneAfterReleaseMs,
      failedLines: lines.filter((l) => l.event === 'docker-remove-failed').length,
      recoveredLines: lines.filter((l) => l.event === 'docker-remove-failed-recovered').length,
      failures: typeof recovered?.failures === 'number' ? recovered.failures : null,
    };
  } finally {
    // Cleanup must not hide the scenario's own error; removePoolContainers below throws if anything is left.
    if (immutable) await chattr('-i', immutable).catch(() => undefined);
    await engine.close().catch(() => undefined);
    await removePoolContainers(docker, pool);
  }
}
