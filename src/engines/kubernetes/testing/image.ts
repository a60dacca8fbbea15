// Test support: the microscale agent as a local image for the real node, built from the repository's own
// Dockerfile (the one users build). That Dockerfile is FROM ${NODE_IMAGE} (default node:20-slim); no base
// image can be pulled here, so the test first makes a local equivalent of node:20-slim - busybox:latest
// plus this machine's Node binary, the shared libraries `ldd` lists for it, and npm - and builds the
// Dockerfile with --build-arg NODE_IMAGE=<that image>. Everything else (npm ci from the lockfile, the tsc
// build, npm prune, the non-root runtime stage) is the shipped file, step by step. Docker's layer cache
// keeps the rebuild quick: npm ci runs again only when package.json or the lockfile change.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
export const AGENT_IMAGE_REPO = 'microscale-test/agent';
export const NODE_BASE_REPO = 'microscale-test/node';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** Node's binary and the libraries it links, as absolute paths (the loader included). */
function nodeAndLibraries(): string[] {
  const node = realpathSync(process.execPath);
  const libraries = execFileSync('ldd', [node], { encoding: 'utf8' })
    .split('\n')
    .flatMap((line) => {
      const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
      return match?.[1] ? [match[1]] : [];
    });
  return [node, ...libraries];
}

/** This machine's npm (its package directory), which the Dockerfile's build stage runs. */
function npmDirectory(): string {
  const cli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  return dirname(dirname(cli)); // .../npm/bin/npm-cli.js -> .../npm
}

/** The certificate bundle Node on this machine is told to trust beside its own (NODE_EXTRA_CA_CERTS), if any. */
function machineAuthorities(): string | undefined {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  return file && existsSync(file) ? realpathSync(file) : undefined;
}

function removeOlder(repository: string, label: string, keep: string): void {
  const older = execFileSync('docker', ['images', '--filter', `label=${label}`, '--format', '{{.Repository}}:{{.Tag}}'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((ref) => ref.startsWith(`${repository}:`) && ref !== keep);
  if (older.length > 0) spawnSync('docker', ['rmi', ...older], { stdio: 'ignore' });
}

function exists(image: string): boolean {
  return spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status === 0;
}

/**
 * The local stand-in for node:20-slim: node and npm on the PATH (/usr/local/bin, as the official image
 * has them), a shell for RUN, root by default. Tagged by a hash of the binaries, so it is made once.
 */
export function buildNodeBaseImage(): string {
  const binaries = nodeAndLibraries();
  const npm = npmDirectory();
  const hash = createHash('sha256');
  for (const file of binaries) hash.update(`${file}:${statSync(file).size}:${statSync(file).mtimeMs}`);
  hash.update(readFileSync(join(npm, 'package.json'))).update('usr/bin/env');
  const authorities = machineAuthorities();
  if (authorities) hash.update(readFileSync(authorities));
  const image = `${NODE_BASE_REPO}:${hash.digest('hex').slice(0, 12)}`;
  if (exists(image)) return image;
  const context = mkdtempSync(join(tmpdir(), 'microscale-node-image-'));
  try {
    const root = join(context, 'root');
    for (const file of binaries) {
      const target = join(root, file === binaries[0] ? '/usr/local/bin/node' : file);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
    }
    cpSync(npm, join(root, 'usr/local/lib/node_modules/npm'), { recursive: true, dereference: true });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx'));
    // npm's `#!/usr/bin/env node`: busybox has env only in /bin.
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    symlinkSync('/bin/env', join(root, 'usr/bin/env'));
    // This machine's extra certificate authorities (its network may reach the npm registry through a
    // TLS-inspecting proxy), so npm ci in the build stage trusts what npm on this machine trusts.
    const authorities = machineAuthorities();
    if (authorities) {
      mkdirSync(join(root, 'etc/ssl/certs'), { recursive: true });
      copyFileSync(authorities, join(root, 'etc/ssl/certs/ca-certificates.crt'));
    }
    writeFileSync(
      join(context, 'Dockerfile'),
      [
        '# A local equivalent of node:20-slim for the tests (nothing can be pulled here): busybox + this Node + npm.',
        'FROM busybox:latest',
        'COPY root/ /',
        ...(authorities ? ['ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'] : []),
        'CMD ["node"]',
        '',
      ].join('\n'),
    );
    const built = spawnSync('docker', ['build', '-q', '-t', image, '--label', 'io.microscale.test=node-base', context], {
      encoding: 'utf8',
    });
    if (built.status !== 0) throw new Error(`docker build of ${image} failed: ${built.stderr}`);
    removeOlder(NODE_BASE_REPO, 'io.microscale.test=node-base', image);
    return image;
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** What the Dockerfile COPYs (see .dockerignore) and builds from, so an unchanged tree reuses its image without a build. */
function contextHash(base: string): string {
  const hash = createHash('sha256').update(base);
  const files = [
    'Dockerfile',
    '.dockerignore',
    'package.json',
    'package-lock.json',
    ...readdirSync(repo).filter((f) => /^tsconfig.*\.json$/.test(f)),
  ]
    .map((f) => join(repo, f))
    .concat(...['scripts', 'src', 'bin'].map((d) => filesUnder(join(repo, d))))
    // Tests are copied into the build stage but build nothing (tsconfig.build.json leaves them out).
    .filter((f) => !/\.test\.ts$/.test(f) && !f.includes('/testing/'));
  for (const file of files.sort()) hash.update(file.slice(repo.length)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 12);
}

/**
 * Builds (or finds) the agent image from the repository's Dockerfile on the local Node base; returns its
 * reference. The first build runs `npm ci` (from the npm registry, as users' builds do): a few minutes.
 */
export async function buildAgentImage(): Promise<string> {
  const base = buildNodeBaseImage();
  const image = `${AGENT_IMAGE_REPO}:${contextHash(base)}`;
  if (exists(image)) return image;
  // Not spawnSync: a build takes minutes (npm ci, tsc), and a blocked event loop misses the heartbeats of
  // the test's RabbitMQ connection (the broker resets it: "write ECONNRESET") and stalls its watches.
  const built = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(
      'docker',
      ['build', '-t', image, '--build-arg', `NODE_IMAGE=${base}`, '--label', 'io.microscale.test=agent-image', repo],
      { env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-16_000)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-16_000)));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  if (built.status !== 0)
    throw new Error(`docker build of the repository Dockerfile (${image}) failed:\n${built.stdout.slice(-4000)}\n${built.stderr}`);
  // Earlier builds of this test image (other sources) are of no more use: remove them (never others' images).
  removeOlder(AGENT_IMAGE_REPO, 'io.microscale.test=agent-image', image);
  return image;
}
