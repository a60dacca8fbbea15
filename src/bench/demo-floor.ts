// `bench demo`: the floors of a run, measured alone between the cases with the cases' image and options:
// one container created and started, a SIGTERM to its `die`, and the bare hand-off (kill one, start a
// created one on its `die`). What the daemon itself takes, beside which the cases are read.
import type Docker from 'dockerode';
import { ownedLabels } from '../engines/docker/labels.js';
import { eventually } from '../util/eventually.js';
import { EventLog } from './demo-events.js';

export const IMAGE = 'busybox:latest';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Floor {
  /** The containers' network (undefined: the daemon's default). */
  readonly network: string | undefined;
  /** One container created and started through the API, alone (create call to start answered). */
  readonly startMs: number;
  /** `kill -s TERM` of a running container (exits on SIGTERM) to its `die` event. */
  readonly killToDieMs: number;
  /** The bare hand-off: kill a running container, start a created one on its `die`: kill to the `start` event. */
  readonly replaceMs: number;
}

/** The floors of this run, measured alone between the cases with the same image and options as the cases. */
export async function measureFloor(docker: Docker, pool: string, network?: string): Promise<Floor> {
  const spec = {
    Image: IMAGE,
    Cmd: ['sleep', '3600'],
    Labels: ownedLabels(pool, 'floor'),
    HostConfig: { Init: true, ...(network ? { NetworkMode: network } : {}) },
  };
  const events = new EventLog(docker, pool, ['floor']);
  await events.open();
  try {
    const startedMs = Date.now();
    const old = await docker.createContainer(spec);
    await old.start();
    const startMs = Date.now() - startedMs;
    const next = await docker.createContainer(spec);
    await sleep(300);
    const killAtMs = Date.now();
    await old.kill({ signal: 'SIGTERM' });
    const died = await eventually(() => events.changes.some((c) => c.delta < 0), 10_000, 2);
    if (died) await next.start();
    await eventually(() => events.changes.some((c) => c.delta > 0 && c.atMs > killAtMs), 10_000, 5);
    const dieAtMs = events.changes.find((c) => c.delta < 0)?.atMs ?? Number.NaN;
    const startAtMs = events.changes.find((c) => c.delta > 0 && c.atMs > killAtMs)?.atMs ?? Number.NaN;
    await Promise.all([old, next].map((c) => c.remove({ force: true }).catch(() => undefined)));
    return { network, startMs, killToDieMs: dieAtMs - killAtMs, replaceMs: startAtMs - killAtMs };
  } finally {
    events.close();
  }
}
