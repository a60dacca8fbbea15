// The Images page in a real browser (Debian's chromium through playwright-core), served by `microscale
// run` with an images: block watching a real docker-registry: the watched tag with its digest, labels
// grouped, lint findings, badge Markdown and the digest history with the label change between two
// versions. Label values are hostile (<script>, "><svg onload=...>, <img onerror=...>): they must show
// as text and never run.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { pushIndex } from '../bench/services/oci-index.js';
import { registryCheck, startRegistry, type TestRegistry } from '../bench/services/registry.js';
import { eventually, needService } from '../testing/services.js';
import { chromiumCheck, launchChromium } from './testing/chromium.js';

const root = new URL('../../', import.meta.url).pathname;

const HOSTILE = {
  'org.opencontainers.image.title': '<script>window.__pwned = "title"</script>',
  'org.label-schema.description': '"><svg onload="window.__pwned = \'svg\'">',
  'com.example.note': '<img src=x onerror="window.__pwned = \'img\'">',
  'io.microscale.priority': '2',
  'org.opencontainers.image.version': '1.0',
};

describe('Images page in chromium (microscale run, real docker-registry)', { timeout: 300_000 }, () => {
  let registry: TestRegistry | undefined;
  let agent: ChildProcess | undefined;
  let browser: Browser | undefined;
  let url = '';
  let dir = '';
  let ref = '';

  before(async () => {
    if (!(await needService(undefined, registryCheck)) || !(await needService(undefined, chromiumCheck))) return;
    const built = spawnSync(process.execPath, [join(root, 'scripts/build-dashboard.mjs')], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    registry = await startRegistry('none');
    await pushIndex(registry.host, 'browse/app', 'v1', [{ os: 'linux', architecture: 'amd64', labels: HOSTILE }]);
    ref = `${registry.host}/browse/app:v1`;
    dir = mkdtempSync(join(tmpdir(), 'microscale-images-page-'));
    writeFileSync(
      join(dir, 'microscale.yaml'),
      `engine: {kind: sim}
capacity: 4
images: {stateDir: ${join(dir, 'state')}, interval: 300ms, watch: ["${ref}"]}
services:
  - {name: web, target: remainder}
`,
    );
    agent = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'run', '-c', join(dir, 'microscale.yaml'), '--listen', '127.0.0.1:0'],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    agent.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    assert.ok(await eventually(() => /API and dashboard on (http:\/\/[^"\s]+)/.test(stderr), 60_000), `run did not start:\n${stderr}`);
    url = /API and dashboard on (http:\/\/[^"\s]+)/.exec(stderr)?.[1] ?? '';
    assert.ok(
      await eventually(
        async () => ((await (await fetch(`${url}api/images`)).json()) as { images: { digest: string | null }[] }).images[0]?.digest != null,
        20_000,
      ),
    );
    await pushIndex(registry.host, 'browse/app', 'v1', [
      { os: 'linux', architecture: 'amd64', labels: { ...HOSTILE, 'org.opencontainers.image.version': '1.1' } },
    ]);
    assert.ok(
      await eventually(
        async () => ((await (await fetch(`${url}api/images`)).json()) as { images: { versions: number }[] }).images[0]?.versions === 2,
        20_000,
      ),
      'the second version was not seen',
    );
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    if (agent && agent.exitCode === null) {
      const exited = new Promise((resolve) => agent?.once('exit', resolve));
      agent.kill('SIGTERM');
      await exited;
    }
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the watched image, its grouped labels as text, lint, badge Markdown and the history diff; nothing hostile runs', async (t) => {
    if (!browser || !registry) return t.skip('SKIPPED: needs chromium and docker-registry (see the lines above)');
    const page = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('dialog', (dialog) => errors.push(`dialog: ${dialog.message()}`));
    await page.goto(`${url}images`);
    await page.waitForSelector('body[data-ready="1"]');
    await page.waitForSelector('#detail:not([hidden])');
    assert.match((await page.textContent('#images')) ?? '', new RegExp(ref.replace(/[.]/g, '\\.')));
    const labels = (await page.textContent('#labels')) ?? '';
    for (const value of Object.values(HOSTILE).slice(0, 3)) assert.ok(labels.includes(value), `label value not shown as text: ${value}`);
    assert.match(labels, /OCI \(2\)[\s\S]*label-schema \(1\)[\s\S]*io\.microscale \(1\)[\s\S]*Other \(1\)/);
    assert.equal(
      await page.evaluate(
        () => document.querySelectorAll('#labels script, #labels svg, #labels img, #history script, #history svg').length,
      ),
      0,
      'hostile markup became elements',
    );
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned), undefined, 'a hostile label ran');
    assert.match(
      await page.inputValue('#badge-markdown'),
      /\[!\[version\]\(http:\/\/127\.0\.0\.1:\d+\/badges\/version\/.*browse\/app:v1\.svg\)\]/,
    );
    const detail = (await (await fetch(`${url}api/images/${encodeURIComponent(ref)}`)).json()) as {
      lint: { key: string; message: string }[];
    };
    const lintText = (await page.textContent('#lint')) ?? '';
    assert.ok(detail.lint.length > 0, 'these labels have lint findings (no label-schema version, ...)');
    for (const finding of detail.lint)
      assert.ok(lintText.includes(`${finding.key}: ${finding.message}`), `lint finding not shown: ${finding.key}`);
    const historyText = (await page.textContent('#history')) ?? '';
    assert.match(historyText, /~ org\.opencontainers\.image\.version: 1\.0 → 1\.1/);
    assert.match(historyText, /first version seen/);
    assert.deepEqual(errors, []);
    await page.screenshot({ path: join(tmpdir(), 'microscale-images-page.png'), fullPage: true });
    await page.close();
  });

  it('the main dashboard links to the Images page', async (t) => {
    if (!browser) return t.skip('SKIPPED: needs chromium');
    const page = await browser.newPage();
    await page.goto(url);
    await page.click('a[href="images"]');
    await page.waitForSelector('body[data-ready="1"]');
    assert.equal(new URL(page.url()).pathname, '/images');
    await page.close();
  });
});
