// The watcher's pure parts and its journal, without a registry: tag patterns and their order, label
// diffs, retry delays, the registry event envelope, the `images:` block's errors, and a journal whose
// last line was torn by a crash.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { parseConfigText } from '../../agent/config-loader.js';
import { imagesSchema } from '../../config/images.js';
import { ConfigError } from '../../errors.js';
import { diffLabels } from './diff.js';
import { JOURNAL_FILE } from './journal.js';
import { retryDelayMs, signBody } from './notifier.js';
import { WatchStore } from './store.js';
import { compareTags, globMatcher, watchTargets } from './targets.js';
import { parseRegistryEvents } from './push.js';
import { createImageWatch } from './service.js';

describe('image watch parts', () => {
  it('matches tag patterns and orders versions the semver way', () => {
    const v = globMatcher('v*');
    assert.deepEqual(['v1', 'v1.2', 'latest', 'xv1'].filter(v), ['v1', 'v1.2']);
    assert.deepEqual(['1.a', '1.10', '12'].filter(globMatcher('1.?')), ['1.a']);
    assert.deepEqual(['v1.10.0', 'v1.9.0', 'v1.10.0-rc1', 'v2', 'beta'].sort(compareTags), [
      'beta',
      'v1.9.0',
      'v1.10.0-rc1',
      'v1.10.0',
      'v2',
    ]);
  });

  it('diffs labels into added, changed and removed', () => {
    assert.deepEqual(diffLabels({ a: '1', b: '2', c: '3' }, { a: '1', b: '20', d: '4' }), {
      added: { d: '4' },
      changed: { b: { from: '2', to: '20' } },
      removed: { c: '3' },
    });
  });

  it('retries with exponential backoff and jitter, capped', () => {
    const target = { retryBase: 1000, retryMax: 8000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => retryDelayMs(target, n, () => 1)),
      [1000, 2000, 4000, 8000, 8000],
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => retryDelayMs(target, n, () => 0)),
      [500, 1000, 2000],
    );
  });

  it('signs the body like GitHub (sha256=<hex HMAC>)', () => {
    // The example from GitHub's "Validating webhook deliveries" page.
    assert.equal(
      signBody("It's a Secret to Everybody", 'Hello, World!'),
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('reads the registry event envelope and says what is wrong with a bad one', () => {
    const events = parseRegistryEvents({
      events: [
        {
          action: 'push',
          target: { repository: 'demo/app', tag: 'v1', digest: 'sha256:x', mediaType: 'application/vnd.oci.image.manifest.v1+json' },
        },
      ],
    });
    assert.deepEqual(events, [
      { action: 'push', repository: 'demo/app', tag: 'v1', digest: 'sha256:x', mediaType: 'application/vnd.oci.image.manifest.v1+json' },
    ]);
    assert.match(String(parseRegistryEvents([])), /^expected a JSON object \{"events".*, got \[\]; point the registry's notifications/);
    assert.equal(
      parseRegistryEvents({ events: [{ action: 'push', target: { tag: 'v1' } }] }),
      'events[0].target.repository: expected a string like "demo/app", got nothing',
    );
    assert.equal(
      parseRegistryEvents({ events: [{ action: 'push', target: { repository: 7 } }] }),
      'events[0].target.repository: expected a string like "demo/app", got 7',
    );
    assert.equal(
      parseRegistryEvents({ events: [{ target: { repository: 'a' } }] }),
      'events[0].action: expected a string like "push", got nothing',
    );
    assert.match(String(parseRegistryEvents({ events: ['push'] })), /^events\[0\]: expected an object like .*, got "push"$/);
  });

  it('refuses bad images: blocks with the field, the value and the fix', () => {
    const problems = (text: string) => {
      try {
        parseConfigText(text);
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.join('\n');
      }
      return '';
    };
    const base = 'capacity: 2\nservices: [{name: a, target: remainder}]\n';
    assert.match(problems(`${base}images: {watch: [x:v1]}`), /images\.stateDir: is required/);
    assert.match(
      problems(`${base}images: {stateDir: /tmp/x, notify: [{webhook: 'not a url', secret: 'short'}]}`),
      /images\.notify\.0\.webhook|images\.notify\[0\]\.webhook/,
    );
    assert.match(
      problems(`${base}images: {stateDir: /tmp/x, notify: [{webhook: 'http://h/x', secret: 'short'}]}`),
      /secret: expected a secret of at least 16 characters/,
    );
    assert.match(problems(`${base}images: {stateDir: /tmp/x, interval: soon}`), /images\.interval: expected a duration/);
    assert.throws(
      () => watchTargets(['Bad/Ref:v1', { image: 'reg.example/app:v1', tags: 'v*' }, 'app@sha256:' + 'a'.repeat(64)]),
      (error: ConfigError) => {
        assert.match(error.problems[0] ?? '', /^images\.watch\[0\]: invalid reference format: repository name .* must be lowercase/);
        assert.match(
          error.problems[1] ?? '',
          /^images\.watch\[1\]\.image: "reg\.example\/app:v1" has a tag; with tags: give the image without one/,
        );
        assert.match(error.problems[2] ?? '', /^images\.watch\[2\]: .* names a digest, which never changes/);
        return true;
      },
    );
  });

  it('validate checks the watched references as run does, and says what is watched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'microscale-validate-images-'));
    const file = join(dir, 'microscale.yaml');
    const main = new URL('../../cli/main.ts', import.meta.url).pathname;
    const validate = () => spawnSync(process.execPath, ['--import', 'tsx', main, 'validate', '-c', file], { encoding: 'utf8' });
    writeFileSync(
      file,
      `capacity: 2\nimages: {stateDir: ${dir}/s, watch: ["Bad/Ref:v1", "127.0.0.1:5000/a/b:v1"]}\n` +
        `services: [{name: a, target: remainder}]\n`,
    );
    const bad = validate();
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /images\.watch\[0\]: invalid reference format: repository name "Bad\/Ref" must be lowercase/);
    writeFileSync(
      file,
      `capacity: 2\nimages: {stateDir: ${dir}/s, watch: ["127.0.0.1:5000/a/b:v1"]}\nservices: [{name: a, target: remainder}]\n`,
    );
    const good = validate();
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout, /images: 1 tag or pattern every 60 s, 0 webhooks, registry push off, state in /);
  });

  it('the journal drops a line torn by a crash and keeps everything before it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'microscale-journal-'));
    const store = new WatchStore(dir);
    store.write({ k: 'seen', key: 'r/a:v1', image: 'r/a', tag: 'v1', digest: 'sha256:1', atMs: 1, via: 'start' });
    store.write({
      k: 'delivery',
      delivery: { id: 'd1', target: 'http://h/', event: 'image.changed', reference: 'r/a:v1', body: '{}', createdAtMs: 2 },
    });
    store.close();
    appendFileSync(join(dir, JOURNAL_FILE), '{"k":"seen","key":"r/a:v1","ima');
    const again = new WatchStore(dir);
    assert.equal(again.tags.get('r/a:v1')?.digest, 'sha256:1');
    assert.deepEqual(
      again.pending().map((d) => d.id),
      ['d1'],
    );
    again.close();
    assert.match(readFileSync(join(dir, JOURNAL_FILE), 'utf8'), /"d1"/);
  });

  it('compaction keeps the state: last digests, history, pending and finished deliveries', () => {
    const dir = mkdtempSync(join(tmpdir(), 'microscale-journal-'));
    const store = new WatchStore(dir);
    for (let i = 0; i < 2200; i += 1)
      store.write({
        k: 'seen',
        key: 'r/a:v1',
        image: 'r/a',
        tag: 'v1',
        digest: `sha256:${i % 2 === 0 ? i : 1}`,
        atMs: i,
        via: 'poll',
        snapshot: {
          digest: `sha256:${i}`,
          mediaType: 'm',
          platform: 'linux/amd64',
          platforms: [],
          created: undefined,
          size: 1,
          layers: [],
          labels: { n: String(i) },
          annotations: {},
        },
      });
    store.write({ k: 'delivery', delivery: { id: 'p', target: 'http://h/', event: 'e', reference: 'r/a:v1', body: '{}', createdAtMs: 1 } });
    const lines = readFileSync(join(dir, JOURNAL_FILE), 'utf8').trim().split('\n').length;
    assert.ok(lines < 2200, `compacted to ${lines} lines`);
    const history = store.tags.get('r/a:v1')?.history.map((h) => h.digest);
    store.close();
    const again = new WatchStore(dir);
    assert.equal(again.tags.get('r/a:v1')?.digest, 'sha256:1');
    assert.deepEqual(
      again.tags.get('r/a:v1')?.history.map((h) => h.digest),
      history,
    );
    assert.deepEqual(
      again.pending().map((d) => d.id),
      ['p'],
    );
    again.close();
  });

  it('a registry notification whose check fails (not one tag: the journal, say) is logged, never an unhandled rejection', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const dir = mkdtempSync(join(tmpdir(), 'microscale-watch-'));
    const watch = createImageWatch(imagesSchema.parse({ stateDir: dir, watch: ['127.0.0.1:5000/a/b:v1'] }), { log });
    // A full disk cannot be had on demand: the watcher's check is made to fail as the journal would.
    watch.watcher.onRegistryEvents = () => Promise.reject(new Error('journal write: ENOSPC: no space left on device'));
    const event = { action: 'push', repository: 'a/b', tag: 'v1', digest: undefined, mediaType: undefined };
    assert.deepEqual(await watch.onRegistryEvents([event]), { checked: 0, ignored: 1 });
    assert.ok(
      lines.some((line) => /"event":"image-push-check-failed".*no space left on device/.test(line)),
      lines.join(''),
    );
    watch.store.close();
  });
});
