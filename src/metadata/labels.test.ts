// Lint rules, microscale's policy labels, the side-by-side view and badges: pure functions on label maps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenge } from './auth.js';
import { badgeFor, errorBadge, renderSvg, shieldsEndpoint } from './badge.js';
import { sideBySide } from './conventions.js';
import type { ImageMetadata } from './image.js';
import { lintLabels } from './lint.js';
import { readPolicyLabels } from './microscale-labels.js';
import { choosePlatform } from './platform.js';

const rules = (labels: Record<string, string>, annotations: Record<string, string> = {}) =>
  lintLabels(labels, annotations).map((f) => `${f.severity} ${f.key} ${f.rule}`);

describe('lint', () => {
  const clean = {
    'org.opencontainers.image.source': 'https://github.com/acme/app',
    'org.opencontainers.image.revision': 'abc',
    'org.opencontainers.image.created': '2024-05-01T12:00:00Z',
  };

  it('passes a well-labelled image with no findings', () => {
    assert.deepEqual(rules(clean), []);
  });
  it("applies Docker's key rules: reserved namespaces and key format are errors, un-namespaced keys a warning", () => {
    const found = rules({ ...clean, 'com.docker.thing': 'x', Bad_Key: 'x', 'a..b': 'x', team: 'x', maintainer: 'x' });
    assert.ok(found.includes('error com.docker.thing docker-reserved'));
    assert.ok(found.includes('error Bad_Key docker-key-format'));
    assert.ok(found.includes('error a..b docker-key-format'));
    assert.ok(found.includes('warning team docker-reverse-dns'));
    assert.ok(found.includes('warning maintainer deprecated-maintainer'));
  });
  it('checks label-schema: schema-version required, dates and URLs well formed, typos caught', () => {
    const found = lintLabels({
      ...clean,
      'org.label-schema.build-date': 'yesterday',
      'org.label-schema.vcs-url': 'not a url',
      'org.label-schema.vsc-ref': 'abc',
    });
    const keys = found.filter((f) => f.severity === 'error').map((f) => `${f.key} ${f.rule}`);
    assert.ok(keys.includes('org.label-schema.schema-version label-schema-version'));
    assert.ok(keys.includes('org.label-schema.build-date format-date'));
    assert.ok(keys.includes('org.label-schema.vcs-url format-url'));
    assert.match(found.find((f) => f.key === 'org.label-schema.vsc-ref')?.message ?? '', /did you mean org\.label-schema\.vcs-ref/);
  });
  it('checks OCI keys in labels and annotations, and warns when the two conventions disagree', () => {
    const found = rules(
      { ...clean, 'org.label-schema.schema-version': '1.0', 'org.label-schema.vcs-ref': 'def' },
      { 'org.opencontainers.image.licenses': 'MIT OR', 'org.opencontainers.image.titel': 'x' },
    );
    assert.ok(found.includes('warning org.opencontainers.image.revision conventions-disagree'));
    assert.ok(found.includes('warning org.opencontainers.image.licenses format-spdx'));
    assert.ok(found.includes('error org.opencontainers.image.titel unknown-convention-key'));
  });
  it('recommends source, revision and created when none is set', () => {
    assert.deepEqual(rules({}).sort(), [
      'warning org.opencontainers.image.created recommended',
      'warning org.opencontainers.image.revision recommended',
      'warning org.opencontainers.image.source recommended',
    ]);
  });
  it('validates io.microscale.* values with the config schema', () => {
    const found = lintLabels({
      ...clean,
      'io.microscale.priority': '0',
      'io.microscale.target': 'queueLength=abc',
      'io.microscale.prio': '1',
      'io.microscale.max': '4',
    });
    const errors = found.filter((f) => f.rule === 'microscale-policy').map((f) => `${f.key}: ${f.message}`);
    assert.equal(errors.length, 3);
    assert.ok(errors.some((e) => /^io\.microscale\.priority: expected an integer >= 1, got "0"/.test(e)));
    assert.ok(errors.some((e) => /^io\.microscale\.target: .*expected a number > 0, got "queueLength=abc"/.test(e)));
    assert.ok(errors.some((e) => /^io\.microscale\.prio: unknown microscale label/.test(e)));
  });
});

describe('policy labels', () => {
  it('turns label strings into config values', () => {
    const { values, problems } = readPolicyLabels({
      'io.microscale.priority': '2',
      'io.microscale.min': '1',
      'io.microscale.max': '9',
      'io.microscale.target': 'queueLength=50',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(values, { priority: 2, min: 1, max: 9, target: { queueLength: 50 } });
    assert.deepEqual(readPolicyLabels({ 'io.microscale.target': 'remainder' }).values, { target: 'remainder' });
  });
});

describe('side by side and badges', () => {
  const image: ImageMetadata = {
    reference: 'x',
    name: 'r/app:1.2',
    source: 'registry',
    digest: 'sha256:1',
    manifestDigest: 'sha256:1',
    mediaType: 'm',
    platform: 'linux/amd64',
    platforms: ['linux/amd64'],
    created: undefined,
    size: 3 * 1024 * 1024,
    layers: [{ digest: 'a', size: 1, mediaType: 'l' }],
    labels: { 'org.label-schema.vcs-ref': '0123456789', 'org.opencontainers.image.licenses': '<script>&"' },
    annotations: {},
  };
  it('pairs label-schema and OCI keys', () => {
    const row = sideBySide(image.labels).find((r) => r.field === 'revision');
    assert.deepEqual(row, {
      field: 'revision',
      oci: { key: 'org.opencontainers.image.revision', value: undefined },
      labelSchema: { key: 'org.label-schema.vcs-ref', value: '0123456789' },
    });
  });
  it('builds badges from labels, falling back to the tag for version', () => {
    assert.equal(badgeFor('commit', image).message, '0123456');
    assert.equal(badgeFor('version', image).message, '1.2');
    assert.equal(badgeFor('image', image).message, '3.0 MB · 1 layer');
    assert.equal(badgeFor('labels', image).message, '2');
    assert.deepEqual(shieldsEndpoint(errorBadge('version', 'not found')), {
      schemaVersion: 1,
      label: 'version',
      message: 'not found',
      color: 'e05d44',
      isError: true,
    });
  });
  it('escapes every piece of text in the SVG', () => {
    const svg = renderSvg(badgeFor('license', image));
    assert.ok(!svg.includes('<script>'));
    assert.match(svg, /&lt;script&gt;&amp;&quot;/);
    assert.match(svg, /^<svg [^>]*width="\d+" height="20"/);
  });
});

describe('auth challenge and platform choice', () => {
  it('parses a Bearer challenge with a quoted scope holding commas', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'reg', scope: 'repository:a/b:pull,push' },
    });
    assert.equal(parseChallenge('Basic realm="x"')?.scheme, 'basic');
    assert.equal(parseChallenge('Negotiate'), undefined);
  });
  it('skips attestations and honours variants', () => {
    const entries = [
      { digest: 'att', platform: { os: 'unknown', architecture: 'unknown' } },
      { digest: 'v7', platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      { digest: 'v6', platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
      {
        digest: 'amd',
        platform: { os: 'linux', architecture: 'amd64' },
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
      },
    ];
    assert.equal(choosePlatform(entries, { os: 'linux', architecture: 'arm', variant: 'v6' })?.digest, 'v6');
    assert.equal(choosePlatform(entries, { os: 'linux', architecture: 'amd64' }), undefined);
    assert.equal(choosePlatform(entries, { os: 'unknown', architecture: 'unknown' }), undefined);
  });
});
