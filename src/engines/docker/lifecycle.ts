// Creating, starting and stopping one container. A stop is graceful: SIGTERM, then SIGKILL once the
// service's grace period (counted from the SIGTERM's sending) is over, then the container is removed (stopped containers left behind fill
// the disk).
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { ownedLabels } from './labels.js';
import type { DockerServiceOptions } from './schema.js';

export function containerSpec(pool: string, service: string, options: DockerServiceOptions): Docker.ContainerCreateOptions {
  const env =
    options.env === undefined
      ? undefined
      : Array.isArray(options.env)
        ? [...options.env]
        : Object.entries(options.env).map(([k, v]) => `${k}=${String(v)}`);
  const cmd =
    options.command === undefined ? undefined : typeof options.command === 'string' ? ['sh', '-c', options.command] : [...options.command];
  return {
    name: `ms-${service}-${randomBytes(4).toString('hex')}`,
    Image: options.image,
    ...(cmd ? { Cmd: cmd } : {}),
    ...(env ? { Env: env } : {}),
    Labels: { ...options.labels, ...ownedLabels(pool, service) },
    HostConfig: {
      Init: options.init ?? true,
      ...(options.network ? { NetworkMode: options.network } : {}),
    },
  };
}

function statusOf(error: unknown): unknown {
  return (error as { statusCode?: unknown } | null)?.statusCode;
}

/** For the SIGTERM: 404 (gone), 304 (already stopped) and 409 (not running) mean the job is done. */
function isAlreadyDone(error: unknown): boolean {
  const status = statusOf(error);
  return status === 404 || status === 304 || status === 409;
}

/** How long a container may take to exit after SIGKILL before the forced removal takes over. */
const KILL_WAIT_MS = 5000;

/**
 * SIGTERM, wait up to `graceMs` for the container to exit, else SIGKILL and wait for that exit; then,
 * once `beforeRemove` resolves (the engine holds removals while starts are in flight: an exited
 * container holds no place, and a removal slows a start beside it), remove it (force, in case it still
 * runs). Resolves 'exited' or 'killed'. `onExited` is called once a running container is known to have
 * exited (before its removal), whether or not its `die` event has been seen.
 */
export async function stopAndRemove(
  docker: Docker,
  id: string,
  graceMs: number,
  wasRunning: boolean,
  onExited: () => void = () => undefined,
  beforeRemove: () => Promise<void> = async () => undefined,
): Promise<'exited' | 'killed'> {
  const container = docker.getContainer(id);
  let exited = !wasRunning;
  let killed = false;
  if (wasRunning) {
    try {
      // The grace counts from the moment the SIGTERM is sent, like `docker stop`: the daemon sees the
      // SIGKILL one grace after the SIGTERM (give or take the two requests' latencies), not one grace
      // after the SIGTERM's answer reached us plus the timer's lateness.
      const termSentMs = Date.now();
      await container.kill({ signal: 'SIGTERM' });
      const waited = container.wait({ condition: 'not-running' }).then(
        () => true,
        () => true,
      );
      exited = await Promise.race([waited, after(Math.max(0, termSentMs + graceMs - Date.now()), false)]);
      if (!exited) {
        // The grace is over: SIGKILL, and its exit is the `die` a prepared start waits for (a forced
        // removal would kill and remove in one call, and the removal would slow that start).
        killed = true;
        await container.kill({ signal: 'SIGKILL' }).catch((error: unknown) => {
          if (!isAlreadyDone(error)) throw error;
        });
        exited = await Promise.race([waited, after(KILL_WAIT_MS, false)]);
      }
    } catch (error) {
      if (!isAlreadyDone(error)) throw error;
      exited = true;
    }
    if (exited) onExited();
  }
  await beforeRemove();
  try {
    await container.remove({ force: true });
  } catch (error) {
    // Only 404 (gone) means removed: a 409 (removal already in progress) may never finish, e.g. when the
    // daemon restarted meanwhile, so the caller retries until the container is gone.
    if (statusOf(error) !== 404) throw error;
  }
  if (wasRunning && !exited) onExited(); // killed by the forced removal
  return killed || !exited ? 'killed' : 'exited';
}

function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(value), ms);
    timer.unref?.();
  });
}
