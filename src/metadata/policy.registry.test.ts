// Policy from labels, end to end: images on a real docker-registry carry io.microscale.* labels; a config
// whose services opt in with labelsFrom takes the missing keys from them, the file wins, and validate
// says where each value came from. Bad label values and unreachable registries are config errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfigWithOrigins } from '../agent/config-loader.js';
import { ConfigError } from '../errors.js';
import { needService } from '../testing/services.js';
import { buildAndPush, freePort, registryCheck, removeLocalImage, startRegistry, type TestRegistry } from '../bench/services/registry.js';

const main = new URL('../cli/main.ts', import.meta.url).pathname;

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'microscale-policy-')), 'microscale.yaml');
  writeFileSync(path, text);
  return path;
}

describe('policy from image labels (real docker-registry)', { timeout: 400_000 }, () => {
  let registry: TestRegistry | undefined;
  const images: string[] = [];

  before(async () => {
    if (!(await needService(undefined, registryCheck))) return;
    registry = await startRegistry('none');
    images.push(
      await buildAndPush(registry, 'policy/orders:v1', {
        'io.microscale.priority': '2',
        'io.microscale.min': '1',
        'io.microscale.max': '7',
        'io.microscale.target': 'queueLength=50',
      }),
    );
    images.push(
      await buildAndPush(registry, 'policy/bad:v1', { 'io.microscale.priority': 'high', 'io.microscale.target': 'queueLength=0' }),
    );
  });
  after(async () => {
    for (const image of images) if (registry) removeLocalImage(registry, image);
    await registry?.stop();
  });

  it('fills in what the file leaves out; the file wins; origins are reported', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const path = configFile(`capacity: 9
services:
  - name: orders
    labelsFrom: {registry: "${registry.host}/policy/orders:v1"}
    max: 5
    metric: {source: random}
  - {name: reports, priority: 3, target: remainder}
`);
    const { config, services } = await loadConfigWithOrigins(path);
    const orders = config.services[0];
    assert.deepEqual([orders?.priority, orders?.min, orders?.max, orders?.target], [2, 1, 5, { kind: 'queueLength', queueLength: 50 }]);
    assert.deepEqual(services[0]?.origins, { priority: 'image label', min: 'image label', max: 'config', target: 'image label' });
    assert.deepEqual(services[1]?.origins, { priority: 'config', min: 'default', max: 'default', target: 'config' });
    const run = spawnSync(process.execPath, ['--import', 'tsx', main, 'validate', '-c', path], { encoding: 'utf8', timeout: 240_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /orders \[labels from .*policy\/orders:v1\]: priority 2 \(image label io\.microscale\.priority\), min 1 \(image label io\.microscale\.min\), max 5 \(config\), target queueLength=50 \(image label io\.microscale\.target\)/,
    );
  });

  it('rejects bad label values with the service path, the image, the label and the value', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const path = configFile(
      `capacity: 9\nservices:\n  - {name: bad, labelsFrom: {registry: "${registry.host}/policy/bad:v1"}, metric: {source: random}}\n`,
    );
    await assert.rejects(loadConfigWithOrigins(path), (error: ConfigError) => {
      assert.ok(error instanceof ConfigError);
      const text = error.problems.join('\n');
      assert.match(
        text,
        /services\[0\]\.labelsFrom: image .*policy\/bad:v1 label io\.microscale\.priority: expected an integer >= 1, got "high"/,
      );
      assert.match(text, /label io\.microscale\.target: .*expected a number > 0, got "queueLength=0"/);
      return true;
    });
  });

  it('an unreachable registry is a config error naming the service and the image, never a silent default', async (t) => {
    if (!(await needService(t, registryCheck))) return;
    const host = `127.0.0.1:${await freePort()}`;
    const path = configFile(`capacity: 9\nservices:\n  - {name: gone, labelsFrom: {registry: "${host}/x/y:v1"}, target: remainder}\n`);
    await assert.rejects(
      loadConfigWithOrigins(path),
      /services\[0\]\.labelsFrom: cannot read the labels of 127\.0\.0\.1:\d+\/x\/y:v1: unreachable: cannot reach/,
    );
  });

  it('a service that opts in without an image is told how to name one', async () => {
    const path = configFile('capacity: 9\nservices:\n  - {name: a, labelsFrom: registry, target: remainder}\n');
    await assert.rejects(
      loadConfigWithOrigins(path),
      /services\[0\]\.labelsFrom: needs an image; add image: REF to the service or write labelsFrom: \{registry: REF\}/,
    );
  });
});
