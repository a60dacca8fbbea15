// Badges over the API, mounted through createApiApp's `routes` like in `run` and `demo`: an SVG or
// shields.io JSON per kind, escaped text, error badges with 4xx for bad references, and a short cache.
// The last case reads a real image from a real docker-registry.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RegistryError } from '../metadata/errors.js';
import type { ImageMetadata } from '../metadata/image.js';
import { parseReference } from '../metadata/reference.js';
import { buildAndPush, registryCheck, removeLocalImage, startRegistry, type TestRegistry } from '../bench/services/registry.js';
import { needService } from '../testing/services.js';
import { createApiApp } from './app.js';
import { badgeRoutes, type BadgeRouteOptions } from './badges.js';
import { testAgent } from './testing/agent.js';

const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of stops) await stop();
});

function image(labels: Record<string, string>): ImageMetadata {
  return { reference: 'r', name: 'reg.example/acme/app:2.1', source: 'registry', digest: 'sha256:1', manifestDigest: 'sha256:1', mediaType: 'm', platform: 'linux/amd64', platforms: ['linux/amd64'], created: undefined, size: 2048, layers: [], labels, annotations: {} };
}

function app(options: BadgeRouteOptions) {
  const { agent } = testAgent();
  stops.push(() => agent.stop());
  return createApiApp({ agent, routes: [badgeRoutes(options)] });
}

describe('badges over the API', () => {
  it('serves an SVG and shields endpoint JSON for a reference with slashes, a port and a tag', async () => {
    const seen: string[] = [];
    const api = app({ read: async (ref) => (seen.push(ref), image({ 'org.opencontainers.image.version': '2.1.0' })) });
    const svg = await api.request('/badges/version/127.0.0.1:5000/acme/app:2.1.svg');
    assert.equal(svg.status, 200);
    assert.match(svg.headers.get('content-type') ?? '', /image\/svg\+xml/);
    assert.match(await svg.text(), /<text[^>]*>2\.1\.0<\/text>/);
    const json = await api.request('/badges/version/127.0.0.1:5000/acme/app:2.1.json');
    assert.deepEqual(await json.json(), { schemaVersion: 1, label: 'version', message: '2.1.0', color: '007ec6', isError: false });
    assert.deepEqual(seen, ['127.0.0.1:5000/acme/app:2.1'], 'the second request came from the cache');
  });

  it('escapes label text that tries to inject markup', async () => {
    const api = app({ read: async () => image({ 'org.opencontainers.image.licenses': '</text><script>alert(1)</script>' }) });
    const body = await (await api.request('/badges/license/acme/app.svg')).text();
    assert.ok(!body.includes('<script>'));
    assert.match(body, /&lt;\/text&gt;&lt;script&gt;/);
  });

  it('answers a bad reference, an unknown kind and a missing image with an error badge and a 4xx', async () => {
    const api = app({
      read: async (ref) => {
        parseReference(ref);
        throw new RegistryError('not-found', ref, 'tag "v9" does not exist');
      },
    });
    const bad = await api.request('/badges/version/Bad..Ref:x.svg');
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /bad reference/);
    const kind = await api.request('/badges/stars/acme/app.json');
    assert.equal(kind.status, 404);
    assert.equal(((await kind.json()) as { isError: boolean }).isError, true);
    const missing = await api.request('/badges/image/acme/app:v9.svg');
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /not found/);
    const platform = await api.request('/badges/image/acme/app.svg?platform=amd64');
    assert.equal(platform.status, 400);
  });

  it('reads a real image from a real docker-registry', { timeout: 120_000 }, async (t) => {
    if (!(await needService(t, registryCheck))) return;
    const registry: TestRegistry = await startRegistry('none');
    stops.push(() => registry.stop());
    const pushed = await buildAndPush(registry, 'badges/app:v3', { 'org.opencontainers.image.revision': 'f00dfacecafe', 'org.opencontainers.image.version': '3.0.1' });
    stops.push(async () => removeLocalImage(registry, pushed));
    const api = app({});
    const commit = await api.request(`/badges/commit/${registry.host}/badges/app:v3.json`);
    assert.equal(commit.status, 200);
    assert.equal(((await commit.json()) as { message: string }).message, 'f00dfac');
    const missing = await api.request(`/badges/version/${registry.host}/badges/app:nope.svg`);
    assert.equal(missing.status, 404);
  });
});
