// Against a real docker-registry behind htpasswd (Basic) and behind token auth (Bearer, with a token
// server in the test): anonymous reads fail naming the reference; credentials from config.json or env work;
// tokens are fetched once and reused.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { needService } from '../testing/services.js';
import type { RegistryError } from './errors.js';
import { inspectRegistryImage } from './image.js';
import { parseReference } from './reference.js';
import { RegistryClient } from './registry-client.js';
import { buildAndPush, registryCheck, removeLocalImage, startRegistry, USER, type TestRegistry } from '../bench/services/registry.js';

/** A DOCKER_CONFIG dir whose config.json holds base64 "user:password" for the host, as `docker login` writes it. */
function dockerConfigWith(host: string, password = USER.password): string {
  const dir = mkdtempSync(join(tmpdir(), 'microscale-auths-'));
  const auth = Buffer.from(`${USER.username}:${password}`).toString('base64');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [host]: { auth } } }));
  return dir;
}

for (const mode of ['htpasswd', 'token'] as const) {
  describe(`registry behind ${mode} auth`, { timeout: 180_000 }, () => {
    let registry: TestRegistry | undefined;
    let image = '';

    before(async () => {
      if (!(await needService(undefined, registryCheck))) return;
      registry = await startRegistry(mode);
      image = await buildAndPush(registry, `secure/app:${mode}`, { 'org.opencontainers.image.title': `behind-${mode}` }, { login: true });
    });
    after(async () => {
      if (registry) removeLocalImage(registry, image);
      await registry?.stop();
    });

    it('refuses an anonymous read with an auth error naming the reference and how to log in', async (t) => {
      if (!(await needService(t, registryCheck)) || !registry) return;
      const client = new RegistryClient({ env: { DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'microscale-empty-')) } });
      await assert.rejects(inspectRegistryImage(client, parseReference(image)), (error: RegistryError) => {
        assert.equal(error.failure, 'auth');
        assert.ok(error.message.startsWith(`${image}: auth: `), error.message);
        assert.match(error.message, new RegExp(`docker login ${registry?.host.replace(/\./g, '\\.')}`));
        return true;
      });
    });

    it('reads the image with credentials from config.json (auths, base64 auth)', async (t) => {
      if (!(await needService(t, registryCheck)) || !registry) return;
      const client = new RegistryClient({ env: { DOCKER_CONFIG: dockerConfigWith(registry.host) } });
      const metadata = await inspectRegistryImage(client, parseReference(image));
      assert.equal(metadata.labels['org.opencontainers.image.title'], `behind-${mode}`);
    });

    it('reads the image with credentials from the environment', async (t) => {
      if (!(await needService(t, registryCheck)) || !registry) return;
      const env = {
        DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'microscale-empty-')),
        MICROSCALE_REGISTRY_USERNAME: USER.username,
        MICROSCALE_REGISTRY_PASSWORD: USER.password,
      };
      const metadata = await inspectRegistryImage(new RegistryClient({ env }), parseReference(image));
      assert.equal(metadata.labels['org.opencontainers.image.title'], `behind-${mode}`);
    });

    it('says the stored credentials were refused when the password is wrong', async (t) => {
      if (!(await needService(t, registryCheck)) || !registry) return;
      const client = new RegistryClient({ env: { DOCKER_CONFIG: dockerConfigWith(registry.host, 'wrong') } });
      await assert.rejects(inspectRegistryImage(client, parseReference(image)), (error: RegistryError) => {
        assert.equal(error.failure, 'auth');
        assert.match(error.message, /config\.json/);
        assert.doesNotMatch(error.message, /wrong/, 'the password never appears in a message');
        return true;
      });
    });

    if (mode === 'token') {
      it('fetches one token per repository and reuses it for manifest, config blob and later reads', async (t) => {
        if (!(await needService(t, registryCheck)) || !registry?.tokenServer) return;
        const client = new RegistryClient({ env: { DOCKER_CONFIG: dockerConfigWith(registry.host) } });
        const before = registry.tokenServer.requests;
        await inspectRegistryImage(client, parseReference(image));
        await inspectRegistryImage(client, parseReference(image));
        await client.headDigest(parseReference(image));
        assert.equal(registry.tokenServer.requests - before, 1);
        assert.equal(client.tokens.fetched, 1);
      });
    }
  });
}
