// Keeps src/ a picture of the architecture (docs/architecture.md): folders import only downward through the
// layers, nothing imports in a circle, product code never imports test support, the core does no I/O and
// config/ is a leaf. The graph is measured by scripts/import-graph.mjs (static imports, `export ... from`
// and `import('...')`), the same command the numbers in docs/architecture.md come from.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const root = new URL('.', import.meta.url).pathname;
const script = new URL('../scripts/import-graph.mjs', import.meta.url).pathname;

interface Measurement {
  readonly upward: string[];
  readonly cycles: string[];
  readonly testSupportImports: string[];
}

function measure(): Measurement {
  const run = spawnSync(process.execPath, [script, '--json'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as Measurement;
}

function productFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'testing' ? [] : productFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every module specifier a file names: static, re-exported, side-effect or dynamic with a literal. */
function specifiersOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...[...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gm)],
    ...[...text.matchAll(/^\s*import\s+'([^']+)'/gm)],
    ...[...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)],
  ].map((m) => m[1] ?? '');
}

/** Files of test support by their name (anywhere but a testing/ folder, they are astray). */
const looksLikeTestSupport = /(^|\/)(fixture|testing|conformance|test-[^/]*|[^/]*\.test-helpers|fake-[^/]*)\.ts$/;

/** What dist/ must not hold (paths relative to src/): tests, test support, the bench and its fakes. */
function notForDist(path: string): boolean {
  return path.startsWith('bench/') || /(^|\/)testing\//.test(path) || path.endsWith('.test.ts') || looksLikeTestSupport.test(path);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('architecture', () => {
  const measured = measure();

  it('no folder imports one on a higher layer, nor a sibling', () => {
    assert.deepEqual(measured.upward, [], 'see the layers in docs/architecture.md');
  });

  it('has no circular imports', () => {
    assert.deepEqual(measured.cycles, []);
  });

  it('product code never imports test support (*.test.ts, testing/)', () => {
    assert.deepEqual(
      measured.testSupportImports,
      [],
      'move what product code needs out of testing/ (util/, bench/), or the import into a test',
    );
  });

  it('the core does no I/O and depends on nothing outside src/core', () => {
    for (const file of productFiles(join(root, 'core'))) {
      for (const spec of specifiersOf(file)) {
        assert.ok(spec.startsWith('.'), `${relative(root, file)} imports ${spec}: the core must stay pure`);
        assert.ok(
          !relative(join(root, 'core'), join(file, '..', spec)).startsWith('..'),
          `${relative(root, file)} imports ${spec} from outside the core`,
        );
      }
    }
  });

  it('config/ is a leaf: no I/O, and only the core, errors.ts, zod and yaml', () => {
    const allowed = (spec: string, file: string) => {
      if (spec === 'zod' || spec === 'yaml') return true;
      if (!spec.startsWith('.')) return false;
      const target = relative(root, join(file, '..', spec));
      return target.startsWith('config/') || target.startsWith('core/') || target === 'errors.js';
    };
    for (const file of productFiles(join(root, 'config'))) {
      for (const spec of specifiersOf(file))
        assert.ok(allowed(spec, file), `${relative(root, file)} imports ${spec}: config/ must stay a leaf (pass what it needs in)`);
    }
  });

  it('the CLI names no engine kind (it asks agent/wiring.ts), except the docker demo, which is about Docker', () => {
    for (const file of productFiles(join(root, 'cli')).filter((f) => !f.endsWith('demo-docker.ts'))) {
      for (const spec of specifiersOf(file)) {
        const target = relative(root, join(file, '..', spec));
        assert.ok(!/^engines\/[^/]+\//.test(target), `${relative(root, file)} imports ${spec}: reach engines through agent/wiring.ts`);
      }
    }
  });

  it('one engine imports no other engine: what several share is in engines/shared/ or engines/remote/ (swarm/ is Docker mode)', () => {
    const shared = new Set(['shared', 'remote']);
    for (const file of productFiles(join(root, 'engines'))) {
      const from = /^engines\/([^/]+)\//.exec(relative(root, file))?.[1];
      if (from === undefined) continue;
      for (const spec of specifiersOf(file).filter((s) => s.startsWith('.'))) {
        const to = /^engines\/([^/]+)\//.exec(relative(root, join(file, '..', spec)))?.[1];
        const allowed = to === undefined || to === from || shared.has(to) || (from === 'swarm' && to === 'docker');
        assert.ok(allowed, `${relative(root, file)} imports ${spec}: move what both engines need to engines/shared/`);
      }
    }
  });

  it('the API reads the image watch through metadata/watch/status.ts, never the watcher loop or the service that starts it', () => {
    for (const file of productFiles(join(root, 'api'))) {
      for (const spec of specifiersOf(file)) {
        const target = relative(root, join(file, '..', spec));
        assert.ok(
          !/^metadata\/watch\/(watcher|service)\.js$/.test(target),
          `${relative(root, file)} imports ${spec}: read ImageWatchView (status.ts)`,
        );
      }
    }
  });

  it('test support has one home: a testing/ folder (the fakes the bench drives: bench/fakes/, built into dist-bench/)', () => {
    const astray = productFiles(root)
      .map((f) => relative(root, f))
      .filter((f) => looksLikeTestSupport.test(f) && !f.startsWith('bench/fakes/'));
    assert.deepEqual(astray, [], 'move these into the testing/ folder of their area (docs/architecture.md)');
  });

  it('dist/ holds no bench, fake or test support: the product build leaves them out (the bench builds into dist-bench/)', () => {
    const tsc = new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname;
    const project = new URL('../tsconfig.build.json', import.meta.url).pathname;
    const run = spawnSync(process.execPath, [tsc, '-p', project, '--listFilesOnly'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const compiled = run.stdout.split('\n').filter((f) => f.startsWith(root));
    assert.ok(compiled.length > 100, `tsc listed ${compiled.length} files of src/`);
    const shipped = compiled.map((f) => relative(root, f)).filter(notForDist);
    assert.deepEqual(shipped, [], 'tsconfig.build.json compiles these into dist/: exclude them, or stop product code importing them');
    // The built tree too, when this build made it (it cleans dist/ and writes dist-bench/ beside it).
    const dist = new URL('../dist/', import.meta.url).pathname;
    if (existsSync(new URL('../dist-bench/bench/index.js', import.meta.url))) {
      const built = filesUnder(dist).map((f) => relative(dist, f).replace(/\.js(\.map)?$/, '.ts'));
      assert.deepEqual(built.filter(notForDist), [], 'dist/ holds these: run `npm run build` (it starts from an empty dist/)');
    }
  });
});
