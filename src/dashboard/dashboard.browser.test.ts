// The dashboard in a real browser (Debian's chromium through playwright-core) against a running
// `microscale demo` on the sim engine: the page loads from the agent alone, the charts draw, the
// values move with the ticks, and the decision log fills. Saves a screenshot.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { eventually, needService } from '../testing/services.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const root = new URL('../../', import.meta.url).pathname;
/** Where the screenshot goes; MICROSCALE_SCREENSHOT=docs/screenshot.png also waits for a fuller picture. */
const SHOT = process.env.MICROSCALE_SCREENSHOT ? resolve(process.env.MICROSCALE_SCREENSHOT) : join(tmpdir(), 'microscale-dashboard.png');

/** Per chart canvas: the share of pixels something was drawn on (uPlot's canvas is transparent). */
async function inkPerCanvas(page: Page): Promise<{ label: string; ink: number }[]> {
  return page.$$eval('.chart', (charts) =>
    charts.map((chart) => {
      const canvas = chart.querySelector('canvas');
      const context = canvas?.getContext('2d');
      if (!canvas || !context || canvas.width === 0) return { label: chart.getAttribute('aria-label') ?? '?', ink: 0 };
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let drawn = 0;
      for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) drawn++;
      return { label: chart.getAttribute('aria-label') ?? '?', ink: drawn / (canvas.width * canvas.height) };
    }),
  );
}

describe('dashboard in chromium, on a running demo', () => {
  let demo: ChildProcess | undefined;
  let context: BrowserContext | undefined;
  let userDataDir = '';
  let url = '';
  let page: Page;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    if (!(await needService(undefined, { what: `Debian's chromium at ${CHROMIUM}`, howToStart: 'apt-get install -y chromium', probe: async () => existsSync(CHROMIUM) }))) return;
    const built = spawnSync(process.execPath, [join(root, 'scripts/build-dashboard.mjs')], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    demo = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'demo', '--listen', '127.0.0.1:0', '--seed', '11'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    demo.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    assert.ok(await eventually(() => /dashboard at (http:\S+)/.test(stderr), 30_000), `the demo did not print its URL:\n${stderr}`);
    url = /dashboard at (http:\S+)/.exec(stderr)?.[1] ?? '';
    userDataDir = mkdtempSync(join(tmpdir(), 'microscale-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1440, height: 1000 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await context?.close();
    if (demo && demo.exitCode === null) {
      const exited = new Promise((done) => demo?.once('exit', done));
      demo.kill('SIGTERM');
      await exited;
    }
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('loads from the agent alone and draws every chart', async (t) => {
    if (!url) return t.skip(`SKIPPED: no chromium at ${CHROMIUM}; apt-get install -y chromium`);
    await page.goto(url);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 15_000 });
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 10_000 });
    const ink = await inkPerCanvas(page);
    assert.ok(ink.length >= 4, `expected the pool chart and the services' charts, found ${ink.length}`);
    for (const { label, ink: share } of ink) assert.ok(share > 0.01, `chart "${label}" is blank (${(share * 100).toFixed(2)}% drawn)`);
    assert.deepEqual(await page.$$eval('.service-name', (names) => names.map((n) => n.textContent)), ['priority1', 'priority2']);
    const outside = requests.filter((r) => !r.startsWith(url) && !r.startsWith('data:'));
    assert.deepEqual(outside, [], 'the dashboard fetches nothing but the agent (no CDN)');
  });

  it('moves with the ticks: figures and charts change within a few seconds', async (t) => {
    if (!url) return t.skip(`SKIPPED: no chromium at ${CHROMIUM}; apt-get install -y chromium`);
    const seq = () => page.textContent('#tick-seq');
    const poolPixels = () => page.$eval('.pool .chart canvas', (c) => (c as HTMLCanvasElement).toDataURL());
    const [seqBefore, pixelsBefore] = [await seq(), await poolPixels()];
    assert.ok(await eventually(async () => (await seq()) !== seqBefore, 3000), 'the tick number did not change in 3 s');
    assert.ok(await eventually(async () => (await poolPixels()) !== pixelsBefore, 5000), 'the pool chart did not change in 5 s');
  });

  it('fills the decision log with reasons, newest first', async (t) => {
    if (!url) return t.skip(`SKIPPED: no chromium at ${CHROMIUM}; apt-get install -y chromium`);
    assert.ok(await eventually(async () => (await page.$$('#decisions li')).length >= 4, 20_000), 'fewer than 4 decisions after 20 s');
    const rows = await page.$$eval('#decisions li', (items) => items.map((li) => ({ time: li.querySelector('time')?.textContent ?? '', why: li.querySelector('.why')?.textContent ?? '' })));
    for (const row of rows) assert.ok(row.why.length > 5, `a decision without a reason: ${JSON.stringify(row)}`);
    const times = rows.map((r) => r.time);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    assert.match(await page.textContent('#nodes') ?? '', /sim/, 'the sim engine reports one host, "sim"');
    assert.deepEqual(pageErrors, []);
  });

  it('saves a screenshot', async (t) => {
    if (!url) return t.skip(`SKIPPED: no chromium at ${CHROMIUM}; apt-get install -y chromium`);
    if (process.env.MICROSCALE_SCREENSHOT) await page.waitForTimeout(40_000);
    await page.screenshot({ path: SHOT, fullPage: true });
    assert.ok(existsSync(SHOT));
    console.error(`dashboard screenshot: ${SHOT}`);
  });
});
