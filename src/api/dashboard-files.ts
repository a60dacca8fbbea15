// Serves the dashboard bundle (built by scripts/build-dashboard.mjs into dist/dashboard/) at `/`.
// Only the few files the build writes are served, read once and kept in memory; nothing from the
// network, so the dashboard works offline.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';

/** dist/dashboard/, found the same way from src/api (tsx) and dist/api (built). */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'images.html': 'text/html; charset=utf-8',
  'images.js': 'text/javascript; charset=utf-8',
};

/** Each file the build wrote; undefined when the main page is missing (the dashboard is not built). */
function load(dir: string): Map<string, Buffer> | undefined {
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(FILES)) {
    try {
      files.set(name, readFileSync(join(dir, name)));
    } catch {
      // Not built (or an older build without the Images page): that file answers 503 with how to build it.
    }
  }
  return files.has('index.html') ? files : undefined;
}

export function registerDashboard(app: Hono, dir: string = DEFAULT_DASHBOARD_DIR): void {
  let files: Map<string, Buffer> | undefined;
  const serve = (name: string) => (c: Context) => {
    files ??= load(dir);
    const body = files?.get(name);
    if (!body) {
      return c.text(
        `The dashboard is not built (looked in ${dir}). ` +
          `Run \`npm run build\` (or \`node scripts/build-dashboard.mjs\`); the API under /api still works.\n`,
        503,
      );
    }
    return c.body(new Uint8Array(body), 200, { 'Content-Type': FILES[name] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
  };
  app.get('/', serve('index.html'));
  app.get('/images', serve('images.html'));
  for (const name of Object.keys(FILES)) app.get(`/${name}`, serve(name));
}
