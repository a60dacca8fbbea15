// Against a real docker-registry with no auth: a labelled image pushed by docker, and a two-platform
// OCI index (plus an attestation entry) pushed by hand through the API.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { needService } from '../testing/services.js';
import { RegistryError } from './errors.js';
import { inspectRegistryImage } from './image.js';
import { parseReference } from './reference.js';
import { RegistryClient } from './registry-client.js';
import { pushIndex } from '../bench/services/oci-index.js';
import { buildAndPush, registryCheck, removeLocalImage, startRegistry, type TestRegistry } from '../bench/services/registry.js';

const LABELS = {
  'org.opencontainers.image.title': 'demo',
  'org.opencontainers.image.revision': 'abc1234def',
  'org.label-schema.vcs-ref': 'abc1234def',
  'org.label-schema.schema-version': '1.0',
  'io.microscale.priority': '2',
};

describe('registry client against a real docker-registry (no auth)', { timeout: 180_000 }, () => {
  let registry: TestRegistry | undefined;
  let image = '';
  let index: { digest: string; manifests: string[] } = { digest: '', manifests: [] };

  before(async () => {
    if (!(await needService(undefined, registryCheck))) return;
    registry = await startRegistry('none');
    image = await buildAndPush(registry, 'demo/app:v1', LABELS);
    index = await pushIndex(registry.host, 'demo/multi', 'v1', [
      { os: 'linux', architecture: 'amd64', labels: { 'org.opencontainers.image.version': '1.0-amd64' } },
      { os: 'linux', architecture: 'arm64', variant: 'v8', labels: { 'org.opencontainers.image.version': '1.0-arm64' } },
    ]);
  });
  after(async () => {
    if (registry) removeLocalImage(registry, image);
    await registry?.stop();
  });

  it('reads labels, created and layers of a pushed image; the digest is the one docker recorded', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const client = new RegistryClient();
    const metadata = await inspectRegistryImage(client, parseReference(image));
    for (const [key, value] of Object.entries(LABELS)) assert.equal(metadata.labels[key], value);
    assert.equal(metadata.platform, 'linux/amd64');
    assert.ok(metadata.created && !Number.isNaN(Date.parse(metadata.created)));
    assert.ok(metadata.layers.length >= 1 && metadata.size > 0);
    const repoDigests = spawnSync('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', image], { encoding: 'utf8' }).stdout;
    assert.ok(repoDigests.includes(metadata.digest), `${repoDigests} should include ${metadata.digest}`);
    assert.deepEqual(await client.headDigest(parseReference(image)), { digest: metadata.digest, mediaType: metadata.mediaType });
  });

  it('takes linux/amd64 from an index by default, another platform on request, and never the attestation', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const client = new RegistryClient();
    const ref = parseReference(`${registry.host}/demo/multi:v1`);
    const amd64 = await inspectRegistryImage(client, ref);
    assert.equal(amd64.digest, index.digest);
    assert.equal(amd64.manifestDigest, index.manifests[0]);
    assert.equal(amd64.labels['org.opencontainers.image.version'], '1.0-amd64');
    assert.deepEqual(amd64.platforms, ['linux/amd64', 'linux/arm64/v8']);
    assert.equal(amd64.annotations['org.opencontainers.image.source'], 'https://example.com/acme/multi');
    const arm64 = await inspectRegistryImage(client, ref, { platform: { os: 'linux', architecture: 'arm64' } });
    assert.equal(arm64.manifestDigest, index.manifests[1]);
    assert.equal(arm64.platform, 'linux/arm64/v8');
    await assert.rejects(
      inspectRegistryImage(client, ref, { platform: { os: 'linux', architecture: 's390x' } }),
      (error: RegistryError) => {
        assert.equal(error.failure, 'no-platform');
        assert.match(error.message, /demo\/multi:v1.*no linux\/s390x image.*linux\/amd64, linux\/arm64\/v8/);
        return true;
      },
    );
  });

  it('reads an image by digest, and says which tag or repository is missing', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const client = new RegistryClient();
    const byDigest = await inspectRegistryImage(client, parseReference(`${registry.host}/demo/multi@${index.digest}`));
    assert.equal(byDigest.manifestDigest, index.manifests[0]);
    await assert.rejects(inspectRegistryImage(client, parseReference(`${registry.host}/demo/app:v9`)), (error: RegistryError) => {
      assert.equal(error.failure, 'not-found');
      assert.match(error.message, /demo\/app:v9: not-found: tag "v9" does not exist/);
      return true;
    });
    await assert.rejects(inspectRegistryImage(client, parseReference(`${registry.host}/nobody/here:v1`)), /nobody\/here:v1: not-found: /);
  });
});
