// Measures the dashboard over a long run: a demo ticking fast (so the client's ring fills in minutes,
// not an hour) in chromium with the 1-hour window selected; samples the JS heap, the DOM size and the
// cost of one redraw. Usage: node --import tsx src/dashboard/testing/soak.ts [minutes=7] [intervalMs=20]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { eventually } from '../../testing/services.js';
import { launchChromium } from './chromium.js';

const minutes = Number(process.argv[2] ?? 7);
const intervalMs = Number(process.argv[3] ?? 20);
const root = new URL('../../../', import.meta.url).pathname;
const demo = spawn(
  process.execPath,
  ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'demo', '--listen', '127.0.0.1:0', '--interval', `${intervalMs}ms`],
  { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
);
let stderr = '';
demo.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
let browser: Browser | undefined;
try {
  if (!(await eventually(() => /dashboard at (http:\S+)/.test(stderr), 30_000))) throw new Error(`demo did not start:\n${stderr}`);
  const url = /dashboard at (http:\S+)/.exec(stderr)?.[1] ?? '';
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
  await page.click('#window button[data-seconds="3600"]');
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  console.log('minute | ticks | JS heap MB | DOM nodes | redraw ms (median of 20)');
  for (let minute = 0; minute <= minutes; minute++) {
    if (minute > 0) await page.waitForTimeout(60_000);
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      samples.push(Number(await page.getAttribute('body', 'data-render-ms')));
      await page.waitForTimeout(100);
    }
    samples.sort((a, b) => a - b);
    const ticks = await page.textContent('#tick-seq');
    const heapMb = (metric('JSHeapUsedSize') / 1e6).toFixed(1);
    const columns = [String(minute).padStart(6), String(ticks).padStart(5), heapMb.padStart(10), String(metric('Nodes')).padStart(9)];
    console.log(`${columns.join(' | ')} | ${samples[10]?.toFixed(1)}`);
  }
} finally {
  await browser?.close();
  demo.kill('SIGTERM');
}
