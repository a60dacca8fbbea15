// Badges over the API, mounted through createApiApp's `routes` like in `run` and `demo`: an SVG or
// shields.io JSON per kind, escaped text, error badges with 4xx for bad references, and a short cache.
// The last case reads a real image from a real docker-registry.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import sax from 'sax';
import { parseConfig } from '../agent/config-loader.js';
import { RegistryError } from '../metadata/errors.js';
import type { ImageMetadata } from '../metadata/image.js';
import { renderSvg } from '../metadata/badge.js';
import { parseReference } from '../metadata/reference.js';
import { buildAndPush, registryCheck, removeLocalImage, startRegistry, type TestRegistry } from '../bench/services/registry.js';
import { needService } from '../testing/services.js';
import { createApiApp } from './app.js';
import { badgeRoutes, configuredRegistries, type BadgeRouteOptions } from './badges.js';
import { testAgent } from './testing/agent.js';

const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of stops) await stop();
});

function image(labels: Record<string, string>): ImageMetadata {
  return {
    reference: 'r',
    name: 'reg.example/acme/app:2.1',
    source: 'registry',
    digest: 'sha256:1',
    manifestDigest: 'sha256:1',
    mediaType: 'm',
    platform: 'linux/amd64',
    platforms: ['linux/amd64'],
    created: undefined,
    size: 2048,
    layers: [],
    labels,
    annotations: {},
  };
}

const TOKEN = 'badge-test-token';

/** The API with badges; requests carry the token (the test agent's config names no registry: sim has no images). */
function app(options: BadgeRouteOptions, withToken = true) {
  const { agent } = testAgent();
  stops.push(() => agent.stop());
  const api = createApiApp({ agent, token: TOKEN, routes: [badgeRoutes(options)] });
  return { request: (path: string) => api.request(path, withToken ? { headers: { authorization: `Bearer ${TOKEN}` } } : {}) };
}

/** XML 1.0's Char production: every character a well-formed document may hold. */
const XML_CHARS = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;

/** Whether an SVG is well-formed XML: parsed by sax in strict mode (structure), every character allowed by XML 1.0. */
function wellFormed(svg: string): { ok: boolean; why: string } {
  if (!XML_CHARS.test(svg)) return { ok: false, why: 'a character XML 1.0 does not allow' };
  const errors: string[] = [];
  const parser = sax.parser(true);
  parser.onerror = (error) => {
    errors.push(error.message);
    parser.resume();
  };
  parser.write(svg).close();
  return { ok: errors.length === 0, why: errors.join('; ') };
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

  it('strips control characters from badge text, so the SVG stays well-formed XML', async () => {
    const api = app({
      read: async () =>
        image({ 'org.opencontainers.image.licenses': 'MIT\u0000\u0001\u001b[31m\u0007\u007f\u0085\ud800 & <ok>\ttab\uffff' }),
    });
    const body = await (await api.request('/badges/license/acme/app.svg')).text();
    assert.equal(
      wellFormed(renderSvg({ label: 'a\u0001', message: 'b', color: '4c1', isError: false }).replace('a', 'a\u0001')).ok,
      false,
      'the check itself catches a control character',
    );
    const parsed = wellFormed(body);
    assert.ok(parsed.ok, `not well-formed: ${parsed.why}\n${body}`);
    assert.match(body, /<text[^>]*>MIT\[31m &amp; &lt;ok&gt; tab<\/text>/);
    const json = (await (await api.request('/badges/license/acme/app.json')).json()) as { message: string };
    assert.equal(json.message, 'MIT[31m & <ok> tab');
  });

  it('reads only registries the config names, unless the request carries the token (no port probe for anyone)', async () => {
    const seen: string[] = [];
    const api = app({ read: async (ref) => (seen.push(ref), image({})) }, false);
    const probe = await api.request('/badges/image/10.0.0.1:22/x/y:1.svg');
    assert.equal(probe.status, 403);
    assert.match(await probe.text(), /registry not in config/);
    assert.equal(seen.length, 0, 'the agent did not connect anywhere');
    const withToken = app({ read: async (ref) => (seen.push(ref), image({})) });
    assert.equal((await withToken.request('/badges/image/10.0.0.1:22/x/y:1.svg')).status, 200);
    const config = parseConfig(
      {
        engine: { kind: 'docker' },
        capacity: 3,
        services: [
          { name: 'a', image: 'registry.example:5000/acme/app:1', target: 'remainder' },
          { name: 'b', image: 'busybox:latest', target: 'remainder' },
        ],
      },
      {},
    );
    assert.deepEqual([...configuredRegistries(config)].sort(), ['docker.io', 'registry.example:5000']);
  });

  it('counts the registry of a labelsFrom image as named by the config, and follows a reload', async () => {
    const seen: string[] = [];
    const { agent } = testAgent();
    stops.push(() => agent.stop());
    const api = createApiApp({ agent, token: TOKEN, routes: [badgeRoutes({ read: async (ref) => (seen.push(ref), image({})) })] });
    const labelled = '/badges/image/policy.example:5000/acme/billing:2.0.svg';
    const unnamed = '/badges/image/10.0.0.1:22/x/y:1.svg';
    assert.equal((await api.request(labelled)).status, 403, 'before the reload the config names no registry');
    const withLabelsFrom = (labelsFrom: unknown) =>
      parseConfig({
        capacity: 9,
        interval: '1h',
        services: [
          { name: 'orders', priority: 1, max: 8, metric: { source: 'random' }, target: { queueLength: 50 } },
          { name: 'reports', priority: 2, target: 'remainder', ...(labelsFrom ? { labelsFrom } : {}) },
        ],
      });
    await agent.reconfigure(withLabelsFrom({ registry: 'policy.example:5000/acme/billing:2.0' }));
    const served = await api.request(labelled);
    assert.equal(served.status, 200, 'a labelsFrom registry is served without the token');
    assert.match(served.headers.get('content-type') ?? '', /image\/svg\+xml/);
    assert.equal((await api.request('/badges/version/policy.example:5000/acme/other:1.json')).status, 200, 'any image of that registry');
    const probe = await api.request(unnamed);
    assert.equal(probe.status, 403);
    assert.match(await probe.text(), /registry not in config/);
    assert.deepEqual(seen, ['policy.example:5000/acme/billing:2.0', 'policy.example:5000/acme/other:1'], 'no connection to 10.0.0.1:22');
    await agent.reconfigure(withLabelsFrom({ engine: 'engine.example/acme/local:3' }));
    assert.equal((await api.request(labelled)).status, 403, 'the reload took the registry away');
    assert.equal(
      (await api.request('/badges/image/engine.example/acme/local:3.svg')).status,
      200,
      '{engine: IMAGE} names its registry too',
    );
    assert.equal((await api.request(unnamed)).status, 403);
    assert.equal(seen.length, 3);
    assert.equal(
      (await api.request(unnamed, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
      200,
      'with the token, any registry',
    );
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
    const pushed = await buildAndPush(registry, 'badges/app:v3', {
      'org.opencontainers.image.revision': 'f00dfacecafe',
      'org.opencontainers.image.version': '3.0.1',
    });
    stops.push(async () => removeLocalImage(registry, pushed));
    const api = app({});
    const commit = await api.request(`/badges/commit/${registry.host}/badges/app:v3.json`);
    assert.equal(commit.status, 200);
    assert.equal(((await commit.json()) as { message: string }).message, 'f00dfac');
    const missing = await api.request(`/badges/version/${registry.host}/badges/app:nope.svg`);
    assert.equal(missing.status, 404);
  });
});
