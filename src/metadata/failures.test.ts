// Bad input and bad registries through `microscale image ...`: each a clear error naming the reference
// and a non-zero exit. A tiny fake registry stands in where a real one cannot misbehave on demand
// (a request that never gets an answer, a manifest whose digest does not match its content).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DOCKER_MANIFEST } from './media-types.js';

const main = new URL('../cli/main.ts', import.meta.url).pathname;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', main, ...args],
      { timeout: 240_000, env: { ...process.env, DOCKER_CONFIG: '/nonexistent' } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: DOCKER_MANIFEST,
  config: { digest: 'sha256:' + '0'.repeat(64), size: 2 },
  layers: [],
});
const wrongDigest = `sha256:${createHash('sha256').update(`${manifest} `).digest('hex')}`;

function fakeRegistry(): Server {
  return createServer((req, res) => {
    const path = req.url ?? '';
    if (path.startsWith('/v2/slow/')) return; // never answers
    if (path === '/v2/tampered/app/manifests/v1') {
      res.writeHead(200, { 'content-type': DOCKER_MANIFEST, 'docker-content-digest': wrongDigest }).end(manifest);
      return;
    }
    if (path.startsWith('/v2/locked/')) {
      res
        .writeHead(401, { 'www-authenticate': 'Basic realm="fake"', 'content-type': 'application/json' })
        .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
  });
}

type Result = { code: number; stdout: string; stderr: string };

// Each CLI run is a fresh `node --import tsx` process (seconds on a busy machine), so all of them start
// together in `before` and each test checks its own result.
describe('microscale image: bad references and misbehaving registries', { timeout: 300_000 }, () => {
  const server = fakeRegistry();
  const runs = new Map<string, Promise<Result>>();
  const run = (name: string) => runs.get(name) ?? Promise.reject(new Error(`no run ${name}`));
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const host = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const cases: Record<string, string[]> = {
      lowercase: ['image', 'inspect', 'Acme/App:v1'],
      tag: ['image', 'lint', 'busybox:-bad'],
      missing: ['image', 'inspect', '--from', 'registry', `${host}/demo/app:v404`],
      locked: ['image', 'inspect', '--from', 'registry', `${host}/locked/app:v1`],
      slow: ['image', 'inspect', '--from', 'registry', '--timeout', '700ms', `${host}/slow/app:v1`],
      tampered: ['image', 'badge', '--from', 'registry', `${host}/tampered/app:v1`],
      platform: ['image', 'inspect', '--platform', 'amd64', 'busybox'],
      kind: ['image', 'badge', '--kind', 'stars', 'busybox'],
    };
    for (const [name, args] of Object.entries(cases)) runs.set(name, cli(args));
    hostName = host;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  let hostName = '';

  it('a malformed reference is bad input (exit 2) and the message says what is wrong', async () => {
    const { code, stderr } = await run('lowercase');
    assert.equal(code, 2);
    assert.match(stderr, /Acme\/App:v1: bad-reference: invalid reference format: repository name "Acme\/App" must be lowercase/);
    const tag = await run('tag');
    assert.equal(tag.code, 2);
    assert.match(tag.stderr, /busybox:-bad: bad-reference: .*tag "-bad"/);
  });

  it('a missing tag exits 1 naming the tag and the repository', async () => {
    const { code, stderr } = await run('missing');
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`${hostName}/demo/app:v404: not-found: tag "v404" does not exist in ${hostName}/demo/app`));
  });

  it('a 401 exits 1 with an auth error saying how to log in', async () => {
    const { code, stderr } = await run('locked');
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`${hostName}/locked/app:v1: auth: 401 .*docker login ${hostName}`));
  });

  it('a registry that never answers times out with the time it waited', async () => {
    const { code, stderr } = await run('slow');
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`${hostName}/slow/app:v1: timeout: ${hostName} did not answer within 700ms`));
  });

  it('a manifest whose content does not hash to its digest is refused', async () => {
    const { code, stderr } = await run('tampered');
    assert.equal(code, 1);
    assert.match(
      stderr,
      new RegExp(`tampered/app:v1: digest-mismatch: manifest v1: the registry said ${wrongDigest} but the content hashes to sha256:`),
    );
  });

  it('an unknown --platform or --kind is bad input', async () => {
    const platform = await run('platform');
    assert.equal(platform.code, 2);
    assert.match(platform.stderr, /--platform: expected os\/arch/);
    assert.equal((await run('kind')).code, 2);
  });
});
