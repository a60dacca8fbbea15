// The import graph of src/, measured against the layer rules of docs/architecture.md.
// Usage: node scripts/import-graph.mjs [--json]
// Prints the folder-to-folder imports, every import that runs against the layers (a folder importing one on a
// higher floor, or a sibling it may not), every cycle between files, every import of test support by product
// code, and the number of lines over 140 characters. src/architecture.test.ts runs it and wants the lists empty.
// Static imports, `export ... from` and `import('...')` with a literal are followed; type-only imports count too.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(repo, 'src');

/**
 * The floors, bottom up. A folder may import its own floor's shared files and anything on a lower floor; never a
 * higher one. Siblings on one floor do not import each other, except where `siblings` allows it.
 */
export const FLOORS = [
  ['core', 'util', 'log', 'errors.ts', 'plugin-status.ts'],
  ['config'],
  ['sources', 'engines', 'metadata'],
  ['agent'],
  ['simulator', 'api', 'faults'],
  ['bench'],
  ['cli', 'dashboard'],
];
const SIBLINGS = {};

/** Test support: tests and the files they share. Product code never imports these; the build leaves them out. */
export function isTestSupport(path) {
  return /\.test\.ts$/.test(path) || /(^|\/)testing\//.test(path);
}

function floorOf(folder) {
  return FLOORS.findIndex((floor) => floor.includes(folder));
}

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'vendor' ? [] : sourceFiles(path);
    return /\.ts$/.test(name) ? [path] : [];
  });
}

/** Every local module a file imports: static, re-exported or dynamic with a literal specifier. */
export function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...[...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gm)].map((m) => m[1]),
    ...[...text.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]),
    ...[...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]),
  ];
  return specifiers.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

/** The top-level folder (or file) of src/ a path lies in. */
export function areaOf(path) {
  return relative(src, path).split('/')[0];
}

export function measure() {
  const files = sourceFiles(src);
  const rel = (f) => relative(src, f);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const folderEdges = new Map();
  const upward = [];
  const testSupportImports = [];
  for (const [file, targets] of graph) {
    const from = areaOf(file);
    for (const target of targets) {
      const to = areaOf(target);
      if (isTestSupport(rel(file))) continue;
      if (isTestSupport(rel(target))) {
        testSupportImports.push(`${rel(file)} → ${rel(target)}`);
        continue;
      }
      if (from === to) continue;
      folderEdges.set(`${from} → ${to}`, (folderEdges.get(`${from} → ${to}`) ?? 0) + 1);
      const [a, b] = [floorOf(from), floorOf(to)];
      const allowed = a > b || (a === b && (SIBLINGS[from] ?? []).includes(to));
      if (a < 0 || b < 0 || !allowed) {
        const unplaced = [from, to].filter((folder) => floorOf(folder) < 0);
        const note =
          unplaced.length > 0 ? ` (${unplaced.join(', ')} is on no floor: add it to FLOORS here and to docs/architecture.md)` : '';
        upward.push(`${rel(file)} → ${rel(target)}${note}`);
      }
    }
  }
  const cycles = [];
  const state = new Map();
  const visit = (file, path) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(file)), file].map(rel).join(' → '));
      return;
    }
    state.set(file, 'visiting');
    for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  return {
    files: files.length,
    folderEdges: Object.fromEntries([...folderEdges].sort()),
    upward,
    cycles,
    testSupportImports,
    linesOver140: longLines(140),
  };
}

function longLines(width) {
  let count = 0;
  for (const dir of ['src', 'scripts']) {
    for (const file of sourceFilesAll(join(repo, dir)))
      count += readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.length > width).length;
  }
  return count;
}

function sourceFilesAll(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'vendor' ? [] : sourceFilesAll(path);
    return /\.(ts|mjs|js)$/.test(name) ? [path] : [];
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = measure();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    console.log(`files: ${result.files}`);
    console.log('folder imports (product code):');
    for (const [edge, n] of Object.entries(result.folderEdges)) console.log(`  ${edge}  ${n}`);
    const list = (title, items) => console.log(`${title}: ${items.length}${items.map((i) => `\n  ${i}`).join('')}`);
    list('imports against the layers', result.upward);
    list('import cycles', result.cycles);
    list('product code importing test support', result.testSupportImports);
    console.log(`lines over 140 characters (src, scripts): ${result.linesOver140}`);
  }
}
