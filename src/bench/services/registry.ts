// Bench and test equipment: a real Debian docker-registry on a free loopback port with a config this file writes
// (no auth, htpasswd, or token auth), images built FROM busybox:latest on the local Docker Engine and
// pushed with the docker CLI (DOCKER_CONFIG in a temp dir, so logins stay out of ~/.docker).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceCheck } from '../../util/service-check.js';
import { startTokenServer, type TokenServer } from './token-server.js';

export const USER = { username: 'alice', password: 's3cret' };

export const registryCheck: ServiceCheck = {
  what: "Debian's docker-registry and the Docker Engine (docker CLI, busybox:latest)",
  howToStart: 'flock /tmp/apt.lock apt-get install -y docker-registry apache2-utils openssl && ../shared/tools/docker-engine up',
  probe: async () => registryParts().length === 0,
  // Each part said for what it is: a missing htpasswd is not "docker-registry is not running".
  missing: async () => (registryParts().length > 0 ? `${registryParts().join('; ')} (for ${"Debian's docker-registry"})` : undefined),
};

/** What the registry tests need that is absent, in words. */
function registryParts(): string[] {
  const parts: string[] = [];
  if (spawnSync('docker-registry', ['--version']).status !== 0) parts.push('docker-registry is not installed');
  if (spawnSync('htpasswd', ['-h']).error !== undefined) parts.push('htpasswd (apache2-utils) is not installed');
  if (spawnSync('docker', ['image', 'inspect', 'busybox:latest'], { stdio: 'ignore' }).status !== 0)
    parts.push('the Docker Engine is not running or has no busybox:latest');
  return parts;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

export interface TestRegistry {
  readonly host: string;
  readonly dir: string;
  /** A DOCKER_CONFIG directory for docker CLI calls against this registry. */
  readonly dockerConfig: string;
  readonly tokenServer: TokenServer | undefined;
  stop(): Promise<void>;
}

function authBlock(auth: 'none' | 'htpasswd' | 'token', dir: string, token: TokenServer | undefined): string {
  if (auth === 'htpasswd') {
    const result = spawnSync('htpasswd', ['-Bbn', USER.username, USER.password], { encoding: 'utf8' });
    writeFileSync(join(dir, 'htpasswd'), result.stdout);
    return `auth: {htpasswd: {realm: microscale-test, path: ${join(dir, 'htpasswd')}}}\n`;
  }
  if (auth === 'token' && token)
    return (
      `auth: {token: {realm: "${token.realm}", service: microscale-registry, ` +
      `issuer: microscale-test, rootcertbundle: ${token.certPath}}}\n`
    );
  return '';
}

async function waitForRegistry(host: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${logs()}`);
    const ok = await fetch(`http://${host}/v2/`).then(
      (r) => r.status === 200 || r.status === 401,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry on ${host} did not answer within 15 s: ${logs()}`);
}

/**
 * `storage`: an existing data directory to serve (kept on stop), e.g. to push without auth, then serve it behind auth.
 * `extraConfig`: more top-level YAML, e.g. a `notifications:` block.
 */
export async function startRegistry(
  auth: 'none' | 'htpasswd' | 'token' = 'none',
  storage?: string,
  extraConfig = '',
): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'microscale-registry-'));
  const dockerConfig = mkdtempSync(join(tmpdir(), 'microscale-dockercfg-'));
  const tokenServer = auth === 'token' ? await startTokenServer(dir, USER, 'microscale-registry', 'microscale-test') : undefined;
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = [
    'version: 0.1',
    'log: {level: warn, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${storage ?? join(dir, 'data')}}, delete: {enabled: true}}`,
    `http: {addr: "${host}", secret: microscale-test}`,
    authBlock(auth, dir, tokenServer),
    extraConfig,
  ].join('\n');
  writeFileSync(join(dir, 'config.yml'), config);
  let output = '';
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-2000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-2000)));
  await waitForRegistry(host, child, () => output);
  return {
    host,
    dir,
    dockerConfig,
    tokenServer,
    stop: async () => {
      child.kill('SIGTERM');
      await tokenServer?.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(dockerConfig, { recursive: true, force: true });
    },
  };
}

/** Async on purpose: the token server runs in this process and must answer while docker waits on it. */
function docker(args: string[], registry: TestRegistry, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { env: { ...process.env, DOCKER_CONFIG: registry.dockerConfig }, timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout.trim()) : reject(new Error(`docker ${args.join(' ')} failed: ${stderr}`))));
    child.stdin.end(input ?? '');
  });
}

/** Builds FROM busybox:latest with these labels, tags it NAME:TAG on the registry and pushes it. */
export async function buildAndPush(
  registry: TestRegistry,
  name: string,
  labels: Record<string, string>,
  options: { login?: boolean } = {},
): Promise<string> {
  const image = `${registry.host}/${name}`;
  const labelLines = Object.entries(labels).map(([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`);
  // --no-cache: the legacy builder would reuse any earlier image with the same steps (same labels), also one
  // another test or process is removing with `docker rmi` at that moment; the build then fails with "failed
  // to get digest sha256:...: no such file or directory". Without the cache every build has images of its own.
  // The image this tag named before (an earlier push of the same tag in this test): once the tag moves it is
  // untagged and only this test made it, so it goes, as removeLocalImage cannot name it any more.
  const previous = await docker(['image', 'inspect', '--format', '{{.Id}}', image], registry).catch(() => '');
  const built = await docker(
    ['build', '--no-cache', '-q', '--label', 'microscale.test=metadata', '-t', image, '-'],
    registry,
    ['FROM busybox:latest', ...labelLines, ''].join('\n'),
  );
  // Frees the old build's layers; one still in use by a tag stays, which is fine.
  if (previous && previous !== built) await docker(['rmi', previous], registry).catch(() => undefined);
  if (options.login) await docker(['login', '-u', USER.username, '--password-stdin', registry.host], registry, USER.password);
  await docker(['push', '-q', image], registry);
  return image;
}

/** Removes the local tags a test made (the busybox layers stay). */
export function removeLocalImage(registry: TestRegistry, image: string): void {
  spawnSync('docker', ['rmi', image], { stdio: 'ignore', env: { ...process.env, DOCKER_CONFIG: registry.dockerConfig } });
}
