import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RegistryError } from './errors.js';
import { canonicalName, familiarName, parseReference, registryBaseUrl } from './reference.js';

describe('parseReference (as docker pull reads a name)', () => {
  const cases: [string, string, string, string | undefined, string | undefined][] = [
    ['busybox', 'docker.io', 'library/busybox', 'latest', undefined],
    ['acme/app:1.4', 'docker.io', 'acme/app', '1.4', undefined],
    ['docker.io/library/busybox:1', 'docker.io', 'library/busybox', '1', undefined],
    ['index.docker.io/acme/app', 'docker.io', 'acme/app', 'latest', undefined],
    ['localhost/app', 'localhost', 'app', 'latest', undefined],
    ['localhost:5000/a/b/c:v2', 'localhost:5000', 'a/b/c', 'v2', undefined],
    ['127.0.0.1:5055/demo/app:v1', '127.0.0.1:5055', 'demo/app', 'v1', undefined],
    ['ghcr.io/acme/app@sha256:' + 'a'.repeat(64), 'ghcr.io', 'acme/app', undefined, 'sha256:' + 'a'.repeat(64)],
    ['ghcr.io/acme/app:1.0@sha256:' + 'b'.repeat(64), 'ghcr.io', 'acme/app', '1.0', 'sha256:' + 'b'.repeat(64)],
    ['[::1]:5000/app:x', '[::1]:5000', 'app', 'x', undefined],
    ['my_org/my__app-x.y', 'docker.io', 'my_org/my__app-x.y', 'latest', undefined],
  ];
  for (const [text, registry, repository, tag, digest] of cases) {
    it(text, () => {
      const ref = parseReference(text);
      assert.deepEqual(
        { registry: ref.registry, repository: ref.repository, tag: ref.tag, digest: ref.digest },
        { registry, repository, tag, digest },
      );
    });
  }

  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['Acme/App', /must be lowercase/],
    ['acme/App', /must be lowercase/],
    ['app:', /tag ""/],
    ['app:-x', /tag "-x"/],
    ['app@sha256:abc', /not a sha256 digest|not a digest/],
    ['app@latest', /not a digest/],
    ['a//b', /may hold only/],
    ['-app', /may hold only/],
    ['host:5000/', /repository name is missing/],
    ['a'.repeat(256), /longer than 255/],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text.slice(0, 30))}`, () => {
      assert.throws(
        () => parseReference(text),
        (error: RegistryError) => {
          assert.ok(error instanceof RegistryError);
          assert.equal(error.failure, 'bad-reference');
          assert.equal(error.reference, text);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('names images the way docker does, and speaks HTTP only to loopback or listed insecure hosts', () => {
    assert.equal(familiarName(parseReference('docker.io/library/busybox')), 'busybox:latest');
    assert.equal(canonicalName(parseReference('busybox')), 'docker.io/library/busybox:latest');
    assert.equal(registryBaseUrl(parseReference('busybox')), 'https://registry-1.docker.io');
    assert.equal(registryBaseUrl(parseReference('127.0.0.1:5000/a')), 'http://127.0.0.1:5000');
    assert.equal(registryBaseUrl(parseReference('reg.lan:5000/a')), 'https://reg.lan:5000');
    assert.equal(
      registryBaseUrl(parseReference('reg.lan:5000/a'), { MICROSCALE_INSECURE_REGISTRIES: 'reg.lan:5000' }),
      'http://reg.lan:5000',
    );
  });
});
