// The image watcher against a real docker-registry: a change noticed by polling (one HEAD per tag per
// round) and by the registry's own notifications (POST /api/registry/events with the shared secret),
// new tags matching a pattern, tag listing across pages, signed webhooks a receiver can verify, and the
// API that shows it all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseReference } from '../reference.js';
import { RegistryClient } from '../registry-client.js';
import {
  buildAndPush,
  freePort,
  registryCheck,
  removeLocalImage,
  startRegistry,
  type TestRegistry,
} from '../../bench/services/registry.js';
import { eventually, needService } from '../../testing/services.js';
import { EVENTS_SECRET, HOOK_SECRET, startWatch, type Harness } from './testing/harness.js';
import { RegistryProxy } from './testing/http-proxy.js';
import { WebhookReceiver } from './testing/receiver.js';

describe('image watch (real docker-registry)', { timeout: 300_000 }, () => {
  let registry: TestRegistry | undefined;
  const receiver = new WebhookReceiver(HOOK_SECRET);
  const images: string[] = [];
  const harnesses: Harness[] = [];

  before(async () => {
    if (!(await needService(undefined, registryCheck))) return;
    await receiver.start();
    registry = await startRegistry('none');
    images.push(await buildAndPush(registry, 'watch/app:v1', { 'org.opencontainers.image.version': '1.0', 'io.microscale.priority': '2' }));
  });
  after(async () => {
    for (const h of harnesses) await h.stop();
    for (const image of images) if (registry) removeLocalImage(registry, image);
    await registry?.stop();
    await receiver.stop();
  });

  it('polling: a new digest for a watched tag is a signed webhook with both digests and the label diff; the first sight is not', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const proxy = await new RegistryProxy(registry.host).start();
    t.after(() => proxy.stop());
    const ref = `${proxy.host}/watch/app:v1`;
    const h = await startWatch({ interval: '300ms', watch: [ref], notify: [{ webhook: receiver.url, secret: HOOK_SECRET }] });
    harnesses.push(h);
    const first = h.watch.store.tags.get(ref)?.digest;
    assert.match(first ?? '', /^sha256:/);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(receiver.received.filter((r) => r.json.reference === ref).length, 0, 'the first digest seen is a baseline, not a change');
    // Polling is one HEAD per tag per round: nothing downloaded while the tag is unchanged.
    const heads = proxy.count('HEAD', '/manifests/v1');
    assert.ok(heads >= 2, `expected a HEAD per round, saw ${heads}`);
    assert.equal(proxy.count('GET', '/manifests/'), 1, 'only the first sight reads the manifest');

    images.push(
      await buildAndPush(registry, 'watch/app:v1', { 'org.opencontainers.image.version': '1.1', 'org.opencontainers.image.title': 'app' }),
    );
    assert.ok(await eventually(() => receiver.received.some((r) => r.json.reference === ref), 15_000), 'no webhook after the push');
    const hook = receiver.received.find((r) => r.json.reference === ref);
    assert.ok(hook?.signatureValid, 'X-Hub-Signature-256 must verify with the shared secret');
    assert.equal(hook.json.event, 'image.changed');
    assert.equal(hook.json.oldDigest, first);
    assert.equal(hook.json.newDigest, h.watch.store.tags.get(ref)?.digest);
    assert.notEqual(hook.json.newDigest, first);
    assert.equal(hook.headers['x-microscale-delivery'], hook.json.delivery);
    assert.deepEqual(hook.json.labels, {
      added: { 'org.opencontainers.image.title': 'app' },
      changed: { 'org.opencontainers.image.version': { from: '1.0', to: '1.1' } },
      removed: { 'io.microscale.priority': '2' },
    });
    assert.equal(hook.json.link, `${h.url}api/images/${encodeURIComponent(ref)}`);

    const deliveries = (await h.get('/api/deliveries')).deliveries as { outcome: string; reference: string; attempts: unknown[] }[];
    assert.equal(deliveries[0]?.outcome, 'delivered');
    assert.equal(deliveries[0]?.attempts.length, 1);
    const detail = await h.get(`/api/images/${encodeURIComponent(ref)}`);
    const history = detail.history as { digest: string; labels: { changed: Record<string, unknown> } | null }[];
    assert.equal(history.length, 2);
    assert.deepEqual(Object.keys(history[0]?.labels?.changed ?? {}), ['org.opencontainers.image.version']);
    assert.deepEqual((detail.labels as Record<string, unknown>).oci, {
      'org.opencontainers.image.title': 'app',
      'org.opencontainers.image.version': '1.1',
    });
    assert.match(String(detail.badgeMarkdown), /\[!\[version\]\(http:\/\/127\.0\.0\.1:\d+\/badges\/version\/.*watch\/app:v1\.svg\)\]/);
    await h.stop();
    harnesses.pop();
  });

  it('lists tags page by page (Link: rel="next")', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    for (const tag of ['v2', 'v3', 'v10', 'beta'])
      images.push(await buildAndPush(registry, `watch/paged:${tag}`, { 'org.opencontainers.image.version': tag }));
    const tags = await new RegistryClient().listTags(parseReference(`${registry.host}/watch/paged`), { pageSize: 1 });
    assert.deepEqual([...tags].sort(), ['beta', 'v10', 'v2', 'v3']);
  });

  it('a tag pattern: a new matching tag is an image.created webhook; others are ignored', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const image = `${registry.host}/watch/paged`;
    const h = await startWatch({
      interval: '300ms',
      watch: [{ image, tags: 'v*' }],
      notify: [{ webhook: receiver.url, secret: HOOK_SECRET }],
    });
    harnesses.push(h);
    const listed = (await h.get('/api/images')).watching as { reference: string; matching: string[] }[];
    assert.deepEqual(listed[0]?.matching, ['v2', 'v3', 'v10'], 'matching tags in semver order');
    images.push(await buildAndPush(registry, 'watch/paged:v11', { a: '1' }));
    images.push(await buildAndPush(registry, 'watch/paged:rc1', { a: '1' }));
    assert.ok(
      await eventually(() => receiver.received.some((r) => r.json.reference === `${image}:v11`), 15_000),
      'no webhook for the new tag v11',
    );
    const hook = receiver.received.find((r) => r.json.reference === `${image}:v11`);
    assert.equal(hook?.json.event, 'image.created');
    assert.equal(hook?.json.oldDigest, null);
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.ok(!receiver.received.some((r) => String(r.json.reference).endsWith(':rc1')), 'rc1 does not match v*');
    assert.equal(
      receiver.received.filter((r) => String(r.json.reference).startsWith(`${image}:v`) && r.json.event === 'image.created').length,
      1,
      'old tags are a baseline',
    );
  });
});

describe('image watch, push path (registry notifications → POST /api/registry/events)', { timeout: 300_000 }, () => {
  let registry: TestRegistry | undefined;
  let h: Harness | undefined;
  const receiver = new WebhookReceiver(HOOK_SECRET);
  const images: string[] = [];

  before(async () => {
    if (!(await needService(undefined, registryCheck))) return;
    await receiver.start();
    // The watch's port is chosen first, so the registry's notifications config can point at it.
    const port = await freePort();
    registry = await startRegistry(
      'none',
      undefined,
      [
        'notifications:',
        '  endpoints:',
        '    - name: microscale',
        `      url: http://127.0.0.1:${port}/api/registry/events`,
        `      headers: {X-Microscale-Secret: [${EVENTS_SECRET}]}`,
        '      timeout: 2s',
        '      threshold: 3',
        '      backoff: 1s',
      ].join('\n'),
    );
    images.push(await buildAndPush(registry, 'push/app:v1', { 'org.opencontainers.image.version': '1' }));
    h = await startWatch(
      {
        interval: '1h',
        eventsSecret: EVENTS_SECRET,
        watch: [`${registry.host}/push/app:v1`],
        notify: [{ webhook: receiver.url, secret: HOOK_SECRET }],
      },
      { port },
    );
  });
  after(async () => {
    await h?.stop();
    for (const image of images) if (registry) removeLocalImage(registry, image);
    await registry?.stop();
    await receiver.stop();
  });

  it('a push is noticed at once through the registry notification (the poll interval is an hour), and verified by reading the manifest', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry || !h) return;
    const ref = `${registry.host}/push/app:v1`;
    const before = h.watch.store.tags.get(ref)?.digest;
    images.push(await buildAndPush(registry, 'push/app:v1', { 'org.opencontainers.image.version': '2' }));
    const pushedAt = Date.now();
    assert.ok(await eventually(() => receiver.received.some((r) => r.json.reference === ref), 10_000), 'no webhook after the push');
    const hook = receiver.received.find((r) => r.json.reference === ref);
    assert.equal(hook?.json.via, 'push');
    assert.equal(hook?.json.oldDigest, before);
    assert.ok((hook?.atMs ?? Infinity) - pushedAt < 5000);
  });

  it('events with a bad or missing secret are 401 and change nothing; a malformed body is 400', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry || !h) return;
    const url = `${h.url}api/registry/events`;
    const event = JSON.stringify({
      events: [
        {
          action: 'push',
          target: { repository: 'push/app', tag: 'v1', mediaType: 'application/vnd.docker.distribution.manifest.v2+json' },
        },
      ],
    });
    const journal = () => h?.watch.store.tags.get(`${registry?.host}/push/app:v1`)?.seenAtMs;
    // Let the registry's notifications of the previous push (and the re-reads they cause) finish first.
    let last = -1;
    assert.ok(
      await eventually(async () => {
        const now = h?.watch.watcher.requests.head ?? 0;
        const quiet = now === last;
        last = now;
        await new Promise((resolve) => setTimeout(resolve, 500));
        return quiet;
      }, 15_000),
    );
    const seenBefore = journal();
    const checksBefore = h.watch.watcher.requests.head;
    for (const headers of [{}, { 'X-Microscale-Secret': 'wrong-secret-wrong-secret' }, { Authorization: `Bearer ${EVENTS_SECRET}` }]) {
      const response = await fetch(url, { method: 'POST', body: event, headers: { 'Content-Type': 'application/json', ...headers } });
      assert.equal(response.status, 401);
      assert.match(((await response.json()) as { error: string }).error, /X-Microscale-Secret/);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(h.watch.watcher.requests.head, checksBefore, 'a refused event reads nothing');
    assert.equal(journal(), seenBefore, 'a refused event records nothing');
    for (const body of ['not json', '{"events": "x"}', '{"events": [{"action": "push", "target": {}}]}', '[]']) {
      const response = await fetch(url, { method: 'POST', body, headers: { 'X-Microscale-Secret': EVENTS_SECRET } });
      assert.equal(response.status, 400, body);
      assert.match(((await response.json()) as { error: string }).error, /events|JSON/);
    }
  });
});
