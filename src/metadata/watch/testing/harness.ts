// Test support: an image watch on a real registry with its API routes served on a loopback port, as
// `run` wires it, and helpers to read its API.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { imageRoutes } from '../../../api/images.js';
import { imagesSchema } from '../../../config/images.js';
import { silentLogger } from '../../../log/logger.js';
import { createImageWatch, type ImageWatch } from '../service.js';

export const HOOK_SECRET = 'webhook-secret-0123456789';
export const EVENTS_SECRET = 'registry-events-secret-0123';

export interface Harness {
  readonly watch: ImageWatch;
  readonly url: string;
  readonly stateDir: string;
  get(path: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** `images` is an `images:` block as written in YAML (durations as strings); stateDir defaults to a new temp dir. */
export async function startWatch(images: Record<string, unknown>, options: { start?: boolean; port?: number } = {}): Promise<Harness> {
  const stateDir = (images.stateDir as string | undefined) ?? mkdtempSync(join(tmpdir(), 'microscale-watch-'));
  const config = imagesSchema.parse({ ...images, stateDir });
  const watch = createImageWatch(config, { log: silentLogger() });
  const app = new Hono();
  imageRoutes(watch)(app);
  const server = createAdaptorServer({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  watch.linkBase = url;
  if (options.start !== false) await watch.start();
  return {
    watch,
    url,
    stateDir,
    get: async (path) => (await (await fetch(`${url}${path.replace(/^\//, '')}`)).json()) as Record<string, unknown>,
    stop: async () => {
      await watch.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
