// Bundles the dashboard (src/dashboard/) with esbuild into dist/dashboard/: app.js (the client and
// uPlot), app.css (uPlot's stylesheet, then ours) and index.html. Everything is local: no CDN.
// Usage: node scripts/build-dashboard.mjs [outDir]
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildDashboard(outDir = join(root, 'dist', 'dashboard')) {
  mkdirSync(outDir, { recursive: true });
  // Each page's client (main: the agent's dashboard; images: the image watch), bundled alike.
  for (const [entry, out] of [
    ['main.ts', 'app.js'],
    ['images.ts', 'images.js'],
  ]) {
    await build({
      entryPoints: [join(root, 'src/dashboard/client', entry)],
      outfile: join(outDir, out),
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: ['es2022'],
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'warning',
    });
  }
  const uplotCss = readFileSync(join(root, 'node_modules/uplot/dist/uPlot.min.css'), 'utf8');
  const ours = readFileSync(join(root, 'src/dashboard/styles.css'), 'utf8');
  writeFileSync(join(outDir, 'app.css'), `${uplotCss}\n${ours}`);
  copyFileSync(join(root, 'src/dashboard/index.html'), join(outDir, 'index.html'));
  copyFileSync(join(root, 'src/dashboard/images.html'), join(outDir, 'images.html'));
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildDashboard(process.argv[2]);
  console.error(`dashboard built into ${out}`);
}
