// Where credentials come from: env first, then the registry's credential helper, then config.json auths.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findCredentials } from './credentials.js';

function dockerConfig(content: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'microscale-creds-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(content));
  return dir;
}

describe('findCredentials', () => {
  const auth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

  it('reads base64 auth for the host, and Docker Hub under its historical key', async () => {
    const dir = dockerConfig({
      auths: { 'reg.lan:5000': { auth: auth('bob', 'pw:with:colons') }, 'https://index.docker.io/v1/': { auth: auth('hub', 'x') } },
    });
    assert.deepEqual(await findCredentials('reg.lan:5000', { DOCKER_CONFIG: dir }), {
      username: 'bob',
      password: 'pw:with:colons',
      from: `${join(dir, 'config.json')} (auths."reg.lan:5000")`,
    });
    assert.equal((await findCredentials('docker.io', { DOCKER_CONFIG: dir }))?.username, 'hub');
    assert.equal(await findCredentials('other.lan', { DOCKER_CONFIG: dir }), undefined);
  });

  it('prefers the environment, and has nothing without a config file', async () => {
    const env = { DOCKER_CONFIG: '/nonexistent', MICROSCALE_REGISTRY_USERNAME: 'ci', MICROSCALE_REGISTRY_PASSWORD: 'p' };
    assert.equal((await findCredentials('reg.lan', env))?.username, 'ci');
    assert.equal(await findCredentials('reg.lan', { DOCKER_CONFIG: '/nonexistent' }), undefined);
  });

  it('asks the credential helper named in credHelpers, with the server on stdin', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'microscale-helper-'));
    const script = join(bin, 'docker-credential-fake');
    writeFileSync(
      script,
      '#!/bin/sh\nread server\n' +
        '[ "$server" = "reg.lan" ] && echo \'{"ServerURL":"reg.lan","Username":"helper-user","Secret":"helper-secret"}\' && exit 0\n' +
        'echo "credentials not found in native keychain"; exit 1\n',
    );
    chmodSync(script, 0o755);
    process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
    const dir = dockerConfig({ credHelpers: { 'reg.lan': 'fake' }, auths: { 'reg.lan': { auth: auth('stale', 'x') } } });
    assert.deepEqual(await findCredentials('reg.lan', { DOCKER_CONFIG: dir }), {
      username: 'helper-user',
      password: 'helper-secret',
      from: `docker-credential-fake (${join(dir, 'config.json')})`,
    });
    const store = dockerConfig({ credsStore: 'fake', auths: { 'other.lan': { auth: auth('fallback', 'y') } } });
    assert.equal(
      (await findCredentials('other.lan', { DOCKER_CONFIG: store }))?.username,
      'fallback',
      'a helper without an entry falls back to auths',
    );
  });
});
