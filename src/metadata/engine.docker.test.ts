// Images that exist only in the local Docker Engine: built here, never pushed. `--from engine` reads
// them through dockerode; `auto` falls back to the engine when the registry cannot be reached.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { needService } from '../testing/services.js';
import type { RegistryError } from './errors.js';
import { readImage } from './read.js';
import { freePort } from '../bench/services/registry.js';

const dockerCheck = {
  what: 'the Docker Engine with busybox:latest',
  howToStart: '../shared/tools/docker-engine up',
  probe: async () => spawnSync('docker', ['image', 'inspect', 'busybox:latest'], { stdio: 'ignore' }).status === 0,
};

describe('images only in the local Docker Engine', { timeout: 120_000 }, () => {
  let name = '';
  before(async () => {
    if (!(await needService(undefined, dockerCheck))) return;
    // A registry host nobody listens on: the image can only be found in the engine.
    name = `127.0.0.1:${await freePort()}/local/only:v1`;
    const dockerfile = 'FROM busybox:latest\nLABEL org.opencontainers.image.title=local-only io.microscale.priority=3\n';
    // --no-cache: never reuse (or hand to another build) an image some other test may be removing.
    const built = spawnSync('docker', ['build', '--no-cache', '-q', '--label', 'microscale.test=metadata', '-t', name, '-'], {
      input: dockerfile,
      encoding: 'utf8',
    });
    assert.equal(built.status, 0, built.stderr);
  });
  after(() => {
    if (name) spawnSync('docker', ['rmi', name], { stdio: 'ignore' });
  });

  it('reads labels, platform and layers through the engine', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const image = await readImage(name, { from: 'engine' });
    assert.equal(image.source, 'engine');
    assert.equal(image.labels['org.opencontainers.image.title'], 'local-only');
    assert.equal(image.labels['io.microscale.priority'], '3');
    assert.match(image.platform, /^linux\//);
    assert.ok(image.layers.length >= 1);
    const id = spawnSync('docker', ['image', 'inspect', '--format', '{{.Id}}', name], { encoding: 'utf8' }).stdout.trim();
    assert.equal(image.manifestDigest, id);
  });

  it('auto falls back to the engine when the registry is unreachable', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const image = await readImage(name, { from: 'auto' });
    assert.equal(image.source, 'engine');
  });

  it('an image in neither place is a not-found/unreachable error naming the reference', async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const missing = name.replace('only:v1', 'nothere:v1');
    await assert.rejects(
      readImage(missing, { from: 'engine' }),
      (error: RegistryError) => error.failure === 'not-found' && error.message.startsWith(`${missing}: not-found: no image`),
    );
    await assert.rejects(readImage(missing, { from: 'auto' }), /unreachable: .*and the local Docker Engine has no such image either/);
  });
});
