// The scaler follows its image, end to end on a real docker-registry and the sim engine: a service with
// labelsFrom whose image is pushed again with new io.microscale.* labels gets the new policy in force
// (same validation as a reload), and its decision names the image change; a bad label value is refused
// naming the service, and the running policy stays.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfigWithOrigins } from './config-loader.js';
import { silentLogger } from '../log/logger.js';
import { buildAndPush, registryCheck, removeLocalImage, startRegistry, type TestRegistry } from '../bench/services/registry.js';
import { eventually, needService } from '../testing/services.js';
import { createImageWatch, type ImageWatch } from '../metadata/watch/service.js';
import { Agent } from './agent.js';
import { followImages, followedImages } from './image-follow.js';
import { createEngine } from './wiring.js';

describe('the scaler follows image label changes (real docker-registry, sim engine)', { timeout: 300_000 }, () => {
  let registry: TestRegistry | undefined;
  let agent: Agent | undefined;
  let watch: ImageWatch | undefined;
  const images: string[] = [];

  before(async () => {
    if (!(await needService(undefined, registryCheck))) return;
    registry = await startRegistry('none');
    images.push(await buildAndPush(registry, 'follow/web:v1', { 'io.microscale.priority': '2', 'io.microscale.max': '2' }));
  });
  after(async () => {
    await agent?.stop();
    await watch?.stop();
    for (const image of images) if (registry) removeLocalImage(registry, image);
    await registry?.stop();
  });

  it('a new max label is in force after the push, with a decision naming the image; a bad label is refused and the policy kept', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const dir = mkdtempSync(join(tmpdir(), 'microscale-follow-'));
    const file = join(dir, 'microscale.yaml');
    const image = `${registry.host}/follow/web:v1`;
    writeFileSync(
      file,
      `engine: {kind: sim, startLatency: 50ms, stopLatency: 50ms}
capacity: 10
interval: 200ms
images: {stateDir: ${join(dir, 'state')}, interval: 300ms}
services:
  - {name: web, labelsFrom: {registry: "${image}"}, target: remainder}
`,
    );
    const log = silentLogger();
    const { config, services } = await loadConfigWithOrigins(file);
    assert.equal(config.services[0]?.max, 2);
    assert.deepEqual([...followedImages(services).entries()], [[image, ['web']]]);
    const engine = await createEngine(config, { log, nowMs: Date.now });
    agent = new Agent(config, { engine, log });
    watch = createImageWatch(config.images ?? assert.fail('images block'), { log, extraImages: [...followedImages(services).keys()] });
    followImages(watch, agent, services, () => loadConfigWithOrigins(file), log);
    await agent.start();
    await watch.start();
    assert.ok(await eventually(() => agent?.ticks.toArray().at(-1)?.services[0]?.desired === 2, 5000));

    images.push(await buildAndPush(registry, 'follow/web:v1', { 'io.microscale.priority': '2', 'io.microscale.max': '5' }));
    assert.ok(await eventually(() => agent?.config.services[0]?.max === 5, 15_000), 'the new max label was not put in force');
    assert.ok(await eventually(() => agent?.decisions.toArray().some((d) => d.to === 5) ?? false, 5000));
    const decision = agent.decisions.toArray().find((d) => d.to === 5);
    assert.match(
      decision?.reason ?? '',
      new RegExp(`image ${image.replace(/[.]/g, '\\.')} changed \\([0-9a-f]{12} -> [0-9a-f]{12}\\): policy re-read`),
    );
    assert.equal(watch.policyEvents.at(-1)?.outcome, 'applied');

    images.push(await buildAndPush(registry, 'follow/web:v1', { 'io.microscale.priority': 'high', 'io.microscale.max': '9' }));
    assert.ok(await eventually(() => watch?.policyEvents.at(-1)?.outcome === 'refused', 15_000), 'the bad label was not refused');
    assert.match(
      watch.policyEvents.at(-1)?.message ?? '',
      /for service web, but its new policy is refused: .*label io\.microscale\.priority: expected an integer >= 1, got "high".*keeping the running policy/,
    );
    assert.equal(agent.config.services[0]?.max, 5, 'the running policy stays');
    assert.equal(agent.config.services[0]?.priority, 2);
  });
});
