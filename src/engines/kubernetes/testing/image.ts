// Test support: the microscale agent as a local image for the real node, built from what this machine
// has, because no base image can be pulled here. The Dockerfile users build is FROM node:20-slim; this
// equivalent is FROM busybox:latest plus this machine's Node binary and the shared libraries `ldd` lists
// for it, the agent compiled from the current source (tsc, as `npm run build`), and the production
// node_modules. Tagged by a hash of its inputs, so a re-run reuses it.
import { execFileSync, spawnSync } from 'node:child_process';
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
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
export const AGENT_IMAGE_REPO = 'microscale-test/agent';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** The top-level packages (node_modules/<name> or node_modules/@scope/<name>) the agent needs at run time. */
function productionPackages(): string[] {
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const top = new Set<string>();
  for (const line of listed.split('\n')) {
    const relative = line.startsWith(repo) ? line.slice(repo.length) : '';
    const parts = relative.split('/');
    if (parts[0] !== 'node_modules' || !parts[1]) continue;
    top.add(parts[1].startsWith('@') ? parts.slice(0, 3).join('/') : parts.slice(0, 2).join('/'));
  }
  return [...top].sort();
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

function inputsHash(packages: readonly string[], binaries: readonly string[]): string {
  const hash = createHash('sha256');
  // What the image holds: the source tsc builds (not the tests), the lockfile, the binaries.
  const source = filesUnder(join(repo, 'src')).filter((f) => !/\.test(-helpers)?\.ts$/.test(f) && !f.includes('/testing/'));
  for (const file of [...source, join(repo, 'package-lock.json'), join(repo, 'tsconfig.json'), join(repo, 'tsconfig.build.json')].sort()) {
    hash.update(file.slice(repo.length)).update(readFileSync(file));
  }
  hash.update(packages.join(','));
  for (const binary of binaries) hash.update(`${binary}:${statSync(binary).size}:${statSync(binary).mtimeMs}`);
  return hash.digest('hex').slice(0, 12);
}

/** Builds (or finds) the agent image; returns its reference. Takes a minute or so the first time. */
export function buildAgentImage(): string {
  const packages = productionPackages();
  const binaries = nodeAndLibraries();
  const image = `${AGENT_IMAGE_REPO}:${inputsHash(packages, binaries)}`;
  if (spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status === 0) return image;
  const context = mkdtempSync(join(tmpdir(), 'microscale-agent-image-'));
  try {
    const root = join(context, 'root');
    for (const file of binaries) {
      const target = join(root, file === binaries[0] ? '/usr/local/bin/node' : file);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
    }
    const app = join(root, 'app');
    execFileSync(
      process.execPath,
      [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', join(app, 'dist')],
      { cwd: repo, stdio: 'inherit' },
    );
    execFileSync(process.execPath, [join(repo, 'scripts/build-dashboard.mjs'), join(app, 'dist/dashboard')], {
      cwd: repo,
      stdio: 'inherit',
    });
    cpSync(join(repo, 'bin'), join(app, 'bin'), { recursive: true });
    copyFileSync(join(repo, 'package.json'), join(app, 'package.json'));
    for (const pkg of packages)
      if (existsSync(join(repo, pkg))) cpSync(join(repo, pkg), join(app, pkg), { recursive: true, dereference: true });
    writeFileSync(
      join(context, 'Dockerfile'),
      [
        '# Equivalent of the repository Dockerfile (node:20-slim), from what is local: busybox + this Node.',
        'FROM busybox:latest',
        'COPY root/ /',
        'ENV NODE_ENV=production',
        'WORKDIR /app',
        'USER 10001',
        'ENTRYPOINT ["/usr/local/bin/node", "/app/bin/microscale.js"]',
        'CMD ["--help"]',
        '',
      ].join('\n'),
    );
    const built = spawnSync('docker', ['build', '-q', '-t', image, '--label', 'io.microscale.test=agent-image', context], {
      encoding: 'utf8',
    });
    if (built.status !== 0) throw new Error(`docker build of ${image} failed: ${built.stderr}`);
    // Earlier builds of this test image (other sources) are of no more use: remove them (never others' images).
    const older = execFileSync(
      'docker',
      ['images', '--filter', 'label=io.microscale.test=agent-image', '--format', '{{.Repository}}:{{.Tag}}'],
      { encoding: 'utf8' },
    )
      .split('\n')
      .filter((ref) => ref.startsWith(`${AGENT_IMAGE_REPO}:`) && ref !== image);
    if (older.length > 0) spawnSync('docker', ['rmi', ...older], { stdio: 'ignore' });
    return image;
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
