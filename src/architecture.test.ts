// Keeps src/ a picture of the architecture: the core does no I/O and imports nothing outside itself;
// sources and engines never import each other, nor the agent; nothing imports in a circle.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = new URL('.', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'client' ? [] : files(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1] ?? '');
}

function resolveLocal(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
}

const area = (file: string): string => relative(root, file).split('/')[0] ?? '';

describe('architecture', () => {
  const all = files(root);

  it('the core does no I/O and depends on nothing outside src/core', () => {
    for (const file of all.filter((f) => area(f) === 'core')) {
      for (const spec of importsOf(file)) {
        assert.ok(!spec.startsWith('node:') && spec.startsWith('.'), `${relative(root, file)} imports ${spec}: the core must stay pure`);
        assert.equal(area(resolveLocal(file, spec) ?? ''), 'core', `${relative(root, file)} imports ${spec} from outside the core`);
      }
    }
  });

  it('sources and engines never import each other, nor the agent, API or CLI', () => {
    const forbidden: Record<string, string[]> = { sources: ['engines', 'agent', 'api', 'cli', 'dashboard'], engines: ['sources', 'agent', 'api', 'cli', 'dashboard'] };
    for (const file of all) {
      const banned = forbidden[area(file)];
      if (!banned) continue;
      for (const spec of importsOf(file)) {
        const target = resolveLocal(file, spec);
        if (target) assert.ok(!banned.includes(area(target)), `${relative(root, file)} imports ${spec}`);
      }
    }
  });

  it('has no circular imports', () => {
    const graph = new Map(all.map((f) => [f, importsOf(f).map((s) => resolveLocal(f, s)).filter((t): t is string => t !== undefined)]));
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      assert.notEqual(state.get(file), 'visiting', `import cycle: ${[...path, file].map((f) => relative(root, f)).join(' → ')}`);
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
  });
});
