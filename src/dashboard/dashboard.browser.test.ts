// The dashboard in a real browser (Debian's chromium through playwright-core) against a running
// `microscale demo` on the sim engine: the page loads from the agent alone, the charts draw, the
// values move with the ticks, and the decision log fills. Saves a screenshot. Then `microscale run` on
// a sim config where one service has `arrivals: {source: push}`: its card charts the pushed rate, the
// other card is as it was.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually, needService } from '../testing/services.js';
import { CHROMIUM, chromiumCheck, launchChromium } from './testing/chromium.js';

const root = new URL('../../', import.meta.url).pathname;
/** Where the screenshot goes; MICROSCALE_SCREENSHOT=docs/screenshot.png also waits for a fuller picture. */
const SHOT = process.env.MICROSCALE_SCREENSHOT ? resolve(process.env.MICROSCALE_SCREENSHOT) : join(tmpdir(), 'microscale-dashboard.png');
const TOKEN = 'browser-test-token';
/** Two queue services on the sim engine; only orders has arrivals, pushed by the test. */
const ARRIVALS_CONFIG = `engine: {kind: sim, startLatency: 100ms, stopLatency: 100ms}
capacity: 6
interval: 250ms
services:
  - name: orders
    priority: 1
    metric: {source: push, initial: 10}
    target: {queueLength: 50}
    controller: {ratePerContainer: 20}
    arrivals: {source: push}
  - name: reports
    priority: 2
    metric: {source: push, initial: 4}
    target: {queueLength: 20}
`;

/** Starts the CLI with `args` and resolves the URL it serves once `urlOf` finds it in its stderr. */
async function startAgent(
  args: string[],
  urlOf: (stderr: string) => string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  assert.ok(
    await eventually(() => urlOf(stderr) !== undefined, 30_000),
    `microscale ${args[0] ?? ''} did not say where it listens:\n${stderr}`,
  );
  return { child, url: urlOf(stderr) ?? '' };
}

async function stopAgent(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

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

describe('dashboard in chromium, on a running demo and an agent with arrivals', () => {
  let demo: ChildProcess | undefined;
  let arrivalsAgent: ChildProcess | undefined;
  let arrivalsUrl = '';
  let configDir = '';
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let url = '';
  let page: Page;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    if (!(await needService(undefined, chromiumCheck))) return;
    const built = spawnSync(process.execPath, [join(root, 'scripts/build-dashboard.mjs')], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    ({ child: demo, url } = await startAgent(
      ['demo', '--listen', '127.0.0.1:0', '--seed', '11'],
      (stderr) => /dashboard at (http:\S+)/.exec(stderr)?.[1],
    ));
    configDir = mkdtempSync(join(tmpdir(), 'microscale-arrivals-'));
    writeFileSync(join(configDir, 'microscale.yaml'), ARRIVALS_CONFIG);
    ({ child: arrivalsAgent, url: arrivalsUrl } = await startAgent(
      ['run', '-c', join(configDir, 'microscale.yaml'), '--listen', '127.0.0.1:0'],
      (stderr) => /API and dashboard on (http:\/\/[^"\s]+)/.exec(stderr)?.[1],
      { ...process.env, MICROSCALE_API_TOKEN: TOKEN },
    ));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    page = await context.newPage();
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await stopAgent(demo);
    await stopAgent(arrivalsAgent);
    if (configDir) rmSync(configDir, { recursive: true, force: true });
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
    const rows = await page.$$eval('#decisions li', (items) =>
      items.map((li) => ({ time: li.querySelector('time')?.textContent ?? '', why: li.querySelector('.why')?.textContent ?? '' })),
    );
    for (const row of rows) assert.ok(row.why.length > 5, `a decision without a reason: ${JSON.stringify(row)}`);
    const times = rows.map((r) => r.time);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    assert.match((await page.textContent('#nodes')) ?? '', /sim/, 'the sim engine reports one host, "sim"');
    assert.deepEqual(pageErrors, []);
  });

  it('saves a screenshot', async (t) => {
    if (!url) return t.skip(`SKIPPED: no chromium at ${CHROMIUM}; apt-get install -y chromium`);
    if (process.env.MICROSCALE_SCREENSHOT) await page.waitForTimeout(40_000);
    await page.screenshot({ path: SHOT, fullPage: true });
    assert.ok(existsSync(SHOT));
    console.error(`dashboard screenshot: ${SHOT}`);
  });

  it('charts the arrival rate of a service with arrivals, and leaves the others as they were', async (t) => {
    if (!url || !context) return t.skip(`SKIPPED: no chromium at ${CHROMIUM}; apt-get install -y chromium`);
    const push = async (value: number) => {
      const response = await fetch(`${arrivalsUrl}api/services/orders/arrivals`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ value }),
      });
      assert.equal(response.status, 200, await response.text());
    };
    const arrivalsPage = await context.newPage();
    arrivalsPage.on('pageerror', (error) => pageErrors.push(error.message));
    await arrivalsPage.goto(arrivalsUrl);
    await arrivalsPage.waitForSelector('body[data-ready="1"]', { timeout: 15_000 });
    const figures = (service: string) =>
      arrivalsPage.$$eval(`[data-service="${service}"] .figure`, (nodes) =>
        nodes.map((n) => `${n.querySelector('.label')?.textContent ?? ''} ${n.querySelector('.value')?.textContent ?? ''}`),
      );
    const charts = (service: string) =>
      arrivalsPage.$$eval(`[data-service="${service}"] .chart`, (nodes) => nodes.map((n) => n.getAttribute('aria-label')));
    assert.ok((await figures('orders')).includes('arrivals –'), `before any push, a dash: ${JSON.stringify(await figures('orders'))}`);
    await push(20);
    await new Promise((done) => setTimeout(done, 1500));
    await push(47);
    assert.ok(
      await eventually(async () => (await figures('orders')).includes('arrivals 47/s'), 5000),
      `no "arrivals 47/s" readout: ${JSON.stringify(await figures('orders'))}`,
    );
    assert.deepEqual(await charts('orders'), ['orders: metric vs target', 'orders: arrivals (msg/s)', 'orders: containers']);
    assert.match(
      (await arrivalsPage.textContent('[data-service="orders"] .chart[aria-label="orders: arrivals (msg/s)"] .u-legend')) ?? '',
      /arrivals \(msg\/s\)\s*47/,
    );
    const arrivalsInk = (await inkPerCanvas(arrivalsPage)).find((c) => c.label === 'orders: arrivals (msg/s)');
    assert.ok((arrivalsInk?.ink ?? 0) > 0.01, `the arrivals chart is blank: ${JSON.stringify(arrivalsInk)}`);
    assert.deepEqual(
      await charts('reports'),
      ['reports: metric vs target', 'reports: containers'],
      'a service without arrivals: no arrivals chart',
    );
    assert.ok(
      !(await figures('reports')).some((f) => f.startsWith('arrivals')),
      `a service without arrivals shows no arrivals figure: ${JSON.stringify(await figures('reports'))}`,
    );
    assert.deepEqual(pageErrors, []);
    await arrivalsPage.close();
  });
});
