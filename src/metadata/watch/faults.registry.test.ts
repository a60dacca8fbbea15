// Faults, each a test, on a real docker-registry (behind a fault-staging proxy where a real registry
// will not misbehave on demand) and a real webhook receiver: the registry down, slow, rate limiting
// (429 + Retry-After), refusing access (401/403), a tag deleted, a manifest over the size limit; the
// receiver down, slow, or failing forever.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pushIndex } from '../../bench/services/oci-index.js';
import { registryCheck, startRegistry, type TestRegistry } from '../../bench/services/registry.js';
import { TcpProxy } from '../../testing/tcp-proxy.js';
import { eventually, needService } from '../../testing/services.js';
import { HOOK_SECRET, startWatch, type Harness } from './testing/harness.js';
import { RegistryProxy } from './testing/http-proxy.js';
import { WebhookReceiver } from './testing/receiver.js';

const platform = (version: string, extra: Record<string, string> = {}) => [
  { os: 'linux', architecture: 'amd64', labels: { 'org.opencontainers.image.version': version, ...extra } },
];
type Images = {
  images: { reference: string; digest: string | null; problem: { failure: string; message: string } | null }[];
  registries: Record<string, { failures: number; blockedUntil: string | null }>;
};
type Deliveries = {
  deliveries: { reference: string; outcome: string; reason: string | null; attempts: { status: number | null; error: string | null }[] }[];
};

describe('image watch faults: the registry (real docker-registry)', { timeout: 300_000 }, () => {
  let registry: TestRegistry | undefined;
  const harnesses: Harness[] = [];
  const receiver = new WebhookReceiver(HOOK_SECRET);

  before(async () => {
    if (!(await needService(undefined, registryCheck))) return;
    registry = await startRegistry('none');
    await receiver.start();
  });
  after(async () => {
    for (const h of harnesses) await h.stop();
    await registry?.stop();
    await receiver.stop();
  });

  const watchOf = async (images: Record<string, unknown>) => {
    const h = await startWatch({ notify: [{ webhook: receiver.url, secret: HOOK_SECRET }], ...images });
    harnesses.push(h);
    return h;
  };
  const problemOf = async (h: Harness, ref: string) =>
    ((await h.get('/api/images')) as unknown as Images).images.find((i) => i.reference === ref)?.problem;

  it('registry down: the failure is visible, the registry is backed off, and a change made during the outage is noticed after it', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const port = Number(registry.host.split(':')[1]);
    const proxy = await new TcpProxy(port, 'refuse').start();
    t.after(() => proxy.close());
    await pushIndex(registry.host, 'faults/down', 'v1', platform('1'));
    const ref = `127.0.0.1:${proxy.port}/faults/down:v1`;
    const h = await watchOf({ interval: '200ms', watch: [ref] });
    await proxy.cut();
    assert.ok(await eventually(async () => (await problemOf(h, ref))?.failure === 'unreachable', 5000), 'no unreachable problem shown');
    const gate = ((await h.get('/api/images')) as unknown as Images).registries[`127.0.0.1:${proxy.port}`];
    assert.ok((gate?.failures ?? 0) >= 1);
    await pushIndex(registry.host, 'faults/down', 'v1', platform('2'));
    await proxy.restore();
    assert.ok(
      await eventually(() => receiver.received.some((r) => r.json.reference === ref), 20_000),
      'the change made during the outage was not noticed after it',
    );
    assert.equal(await problemOf(h, ref), null, 'the problem clears once the registry answers');
  });

  it('registry slow: a request over the timeout is a timeout problem, not a hang', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    await pushIndex(registry.host, 'faults/slow', 'v1', platform('1'));
    const proxy = await new RegistryProxy(registry.host).start();
    t.after(() => proxy.stop());
    const ref = `${proxy.host}/faults/slow:v1`;
    const h = await watchOf({ interval: '200ms', timeout: '300ms', watch: [ref] });
    proxy.fault = { delayMs: 2000 };
    assert.ok(await eventually(async () => (await problemOf(h, ref))?.failure === 'timeout', 5000), 'no timeout problem shown');
    assert.match((await problemOf(h, ref))?.message ?? '', /did not answer within 300ms/);
  });

  it('429 with Retry-After: the registry is not asked again until the time it gave', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    await pushIndex(registry.host, 'faults/limited', 'v1', platform('1'));
    const proxy = await new RegistryProxy(registry.host).start();
    t.after(() => proxy.stop());
    const ref = `${proxy.host}/faults/limited:v1`;
    const h = await watchOf({ interval: '100ms', watch: [ref] });
    proxy.fault = { status: 429, headers: { 'Retry-After': '3' }, method: 'HEAD' };
    assert.ok(await eventually(async () => (await problemOf(h, ref))?.failure === 'rate-limited', 3000));
    const limitedAt = Date.now();
    const count = proxy.count('HEAD');
    proxy.fault = undefined;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(proxy.count('HEAD'), count, 'asked again before Retry-After passed (at a 100ms interval)');
    assert.ok(await eventually(() => proxy.count('HEAD') > count, 5000), 'never asked again after Retry-After');
    assert.ok(Date.now() - limitedAt >= 2500);
    assert.ok(await eventually(async () => (await problemOf(h, ref)) === null, 3000));
  });

  it('401 without credentials and 403: an auth problem saying how to log in; nothing notified', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const secured = await startRegistry('htpasswd');
    t.after(() => secured.stop());
    const ref = `${secured.host}/faults/private:v1`;
    const h = await watchOf({ interval: '200ms', watch: [ref] });
    assert.ok(await eventually(async () => (await problemOf(h, ref))?.failure === 'auth', 5000));
    assert.match((await problemOf(h, ref))?.message ?? '', /401 .*docker login/);
    await pushIndex(registry.host, 'faults/forbidden', 'v1', platform('1'));
    const proxy = await new RegistryProxy(registry.host).start();
    t.after(() => proxy.stop());
    const forbidden = `${proxy.host}/faults/forbidden:v1`;
    const h2 = await watchOf({ interval: '200ms', watch: [forbidden] });
    proxy.fault = { status: 403 };
    assert.ok(await eventually(async () => (await problemOf(h2, forbidden))?.failure === 'auth', 5000));
    assert.ok(!receiver.received.some((r) => r.json.reference === ref || r.json.reference === forbidden));
  });

  it('a deleted tag is an image.deleted webhook and shows with no digest', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const pushed = await pushIndex(registry.host, 'faults/deleted', 'v1', platform('1'));
    const ref = `${registry.host}/faults/deleted:v1`;
    const h = await watchOf({ interval: '200ms', watch: [ref] });
    const response = await fetch(`http://${registry.host}/v2/faults/deleted/manifests/${pushed.digest}`, { method: 'DELETE' });
    assert.equal(response.status, 202);
    assert.ok(await eventually(() => receiver.received.some((r) => r.json.reference === ref), 10_000));
    const hook = receiver.received.find((r) => r.json.reference === ref);
    assert.deepEqual([hook?.json.event, hook?.json.oldDigest, hook?.json.newDigest], ['image.deleted', pushed.digest, null]);
    const shown = ((await h.get('/api/images')) as unknown as Images).images.find((i) => i.reference === ref);
    assert.equal(shown?.digest, null);
  });

  it('a manifest over maxManifestBytes is refused before it is read, and said so', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const many = ['amd64', 'arm64', '386', 'ppc64le', 's390x', 'riscv64', 'mips64le', 'loong64'].map((architecture) => ({
      os: 'linux',
      architecture,
      labels: { a: architecture },
    }));
    await pushIndex(registry.host, 'faults/big', 'v1', many);
    const ref = `${registry.host}/faults/big:v1`;
    const h = await watchOf({ interval: '200ms', maxManifestBytes: 1024, watch: [ref] });
    assert.ok(await eventually(async () => (await problemOf(h, ref))?.failure === 'too-large', 5000));
    assert.match((await problemOf(h, ref))?.message ?? '', /manifest v1 is \d+ bytes, over the limit of 1024/);
  });
});

describe('image watch faults: the webhook receiver', { timeout: 300_000 }, () => {
  let registry: TestRegistry | undefined;
  const harnesses: Harness[] = [];

  before(async () => {
    if (!(await needService(undefined, registryCheck))) return;
    registry = await startRegistry('none');
  });
  after(async () => {
    for (const h of harnesses) await h.stop();
    await registry?.stop();
  });

  /** A watch on a fresh tag with one receiver; resolves after the change is pushed. */
  const changeWith = async (name: string, receiver: WebhookReceiver, notify: Record<string, unknown>) => {
    if (!registry) throw new Error('no registry');
    await pushIndex(registry.host, `hooks/${name}`, 'v1', platform('1'));
    const ref = `${registry.host}/hooks/${name}:v1`;
    const h = await startWatch({ interval: '200ms', watch: [ref], notify: [{ webhook: receiver.url, secret: HOOK_SECRET, ...notify }] });
    harnesses.push(h);
    await pushIndex(registry.host, `hooks/${name}`, 'v1', platform('2'));
    return { h, ref };
  };
  const deliveryOf = async (h: Harness, ref: string) =>
    ((await h.get('/api/deliveries')) as unknown as Deliveries).deliveries.find((d) => d.reference === ref);

  it('receiver down: retried with backoff until it is back, then delivered; nothing lost', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const receiver = await new WebhookReceiver(HOOK_SECRET).start();
    await receiver.stop(); // down, on a port we know
    t.after(() => receiver.stop());
    const { h, ref } = await changeWith('down', receiver, { retryBase: '200ms', retryMax: '1s' });
    assert.ok(await eventually(async () => ((await deliveryOf(h, ref))?.attempts.length ?? 0) >= 2, 10_000), 'not retried');
    assert.match((await deliveryOf(h, ref))?.attempts[0]?.error ?? '', /cannot reach it \(ECONNREFUSED\)/);
    await receiver.start(receiver.port);
    assert.ok(
      await eventually(() => receiver.received.some((r) => r.json.reference === ref), 10_000),
      'not delivered after the receiver came back',
    );
    assert.ok(await eventually(async () => (await deliveryOf(h, ref))?.outcome === 'delivered', 3000));
  });

  it('receiver slow: an attempt over the timeout is recorded as a timeout and retried', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const receiver = await new WebhookReceiver(HOOK_SECRET).start();
    t.after(() => receiver.stop());
    receiver.delayMs = 3000;
    const { h, ref } = await changeWith('slow', receiver, { timeout: '300ms', retryBase: '200ms' });
    assert.ok(
      await eventually(async () => /timeout/.test((await deliveryOf(h, ref))?.attempts[0]?.error ?? ''), 10_000),
      'no timeout recorded',
    );
    receiver.delayMs = 0;
    assert.ok(await eventually(async () => (await deliveryOf(h, ref))?.outcome === 'delivered', 10_000));
  });

  it('receiver answering 500 forever: given up after giveUpAfter, recorded as failed with every attempt', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const receiver = await new WebhookReceiver(HOOK_SECRET).start();
    t.after(() => receiver.stop());
    receiver.status = 500;
    const { h, ref } = await changeWith('broken', receiver, { giveUpAfter: '2s', retryBase: '100ms', retryMax: '500ms' });
    assert.ok(await eventually(async () => (await deliveryOf(h, ref))?.outcome === 'failed', 10_000), 'never given up');
    const delivery = await deliveryOf(h, ref);
    assert.ok((delivery?.attempts.length ?? 0) >= 3, `expected several attempts, got ${delivery?.attempts.length}`);
    assert.ok(delivery?.attempts.every((a) => a.status === 500));
    assert.match(delivery?.reason ?? '', /given up after \d+ attempts over [23] s .*the receiver answered 500/);
    assert.equal(((await h.get('/api/images')) as unknown as { deliveries: { failed: number } }).deliveries.failed, 1);
    const hits = receiver.hits;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(receiver.hits, hits, 'no attempts after giving up');
  });
});
