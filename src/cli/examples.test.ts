// The configs a new user copies: every file in examples/, the README's Configuration block (the same text
// as examples/microscale.yaml, so neither drifts) and the config deploy/kubernetes ships in its ConfigMap.
// Each must pass `microscale validate` as it is; so must every `arrivals:` the README shows on its own.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseConfig } from '../agent/config-loader.js';
import { validateConfigFile } from './commands/validate.js';

const root = new URL('../../', import.meta.url).pathname;

/** The first `{...}` in `text`, braces balanced ("{source: push}, then POST {...}" gives the first). */
function flowMapping(text: string): string | undefined {
  const start = text.indexOf('{');
  let depth = 0;
  for (let i = start; start >= 0 && i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}

/** Every `arrivals:` the README shows: written out (flow or indented block) and each `# or:` alternative. */
function readmeArrivals(readme: string): { line: number; text: string }[] {
  const found: { line: number; text: string }[] = [];
  const lines = readme.split('\n');
  lines.forEach((line, index) => {
    const written = /^(\s*)arrivals:(.*)$/.exec(line);
    const alternative = /^\s*# or:\s*(?:arrivals:\s*)?(\{source:.*)$/.exec(line);
    if (alternative) found.push({ line: index + 1, text: flowMapping(alternative[1]!) ?? '' });
    else if (written && written[2]!.trim().startsWith('{')) found.push({ line: index + 1, text: flowMapping(written[2]!) ?? '' });
    else if (written) {
      const indent = written[1]!.length;
      const body = [];
      for (const next of lines.slice(index + 1)) {
        if ((/^(\s*)/.exec(next)?.[1]?.length ?? 0) <= indent || next.trim() === '') break;
        body.push(next);
      }
      found.push({ line: index + 1, text: body.join('\n') });
    }
  });
  return found;
}

describe('shipped example configs', () => {
  it('every examples/*.yaml passes validate', async () => {
    const files = readdirSync(join(root, 'examples')).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(files.includes('microscale.yaml'), 'examples/microscale.yaml (the quick start validates it) is missing');
    for (const file of files) {
      const [summary] = await validateConfigFile(join(root, 'examples', file));
      assert.match(summary ?? '', /: valid: /, file);
    }
  });

  it("the README's Configuration block is examples/microscale.yaml, word for word", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Configuration\n'));
    const block = /```yaml\n([\s\S]*?)```\n/.exec(section)?.[1];
    assert.ok(block, 'no yaml block under ## Configuration in README.md');
    assert.equal(block, readFileSync(join(root, 'examples/microscale.yaml'), 'utf8'));
  });

  it('every whole config in README.md and docs/*.md (a yaml block with capacity: and services:) passes validate', async () => {
    const docs = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)].filter((f) => f.endsWith('.md'));
    const dir = mkdtempSync(join(tmpdir(), 'microscale-doc-configs-'));
    let checked = 0;
    for (const doc of docs) {
      const text = readFileSync(join(root, doc), 'utf8');
      for (const match of text.matchAll(/```yaml\n([\s\S]*?)```/g)) {
        const block = match[1] ?? '';
        // Simulator scenarios (simulation: blocks) are checked by simulate, not validate.
        if (!/^capacity:/m.test(block) || !/^services:/m.test(block) || /^\s+simulation:/m.test(block)) continue;
        const line = text.slice(0, match.index).split('\n').length;
        const file = join(dir, `${doc.replace(/\W/g, '_')}-${line}.yaml`);
        writeFileSync(file, block);
        // The secrets a doc writes as ${VAR} come from the environment, as they would for a user.
        for (const [, name] of block.matchAll(/\$\{(\w+)\}/g)) process.env[name!] ??= 'from-the-environment';
        const [summary] = await validateConfigFile(file).catch((error: Error) => [`${doc}:${line}: ${error.message}`]);
        assert.match(summary ?? '', /: valid: /, `${doc}, the yaml block at line ${line}`);
        checked++;
      }
    }
    assert.ok(checked >= 6, `only ${checked} whole configs found in the docs`);
  });

  it("every arrivals: example in README.md, and each '# or:' alternative, is what the config parser accepts", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const kinds = new Set<string>();
    for (const { line, text } of readmeArrivals(readme)) {
      const arrivals = parse(text) as Record<string, unknown>;
      const service = { name: 'orders', metric: { source: 'push' }, target: { sla: { queueLength: 500 } }, arrivals };
      const env = { RABBITMQ_PASSWORD: 'from-a-secret' };
      const config = (() => {
        try {
          return parseConfig({ capacity: 4, services: [service] }, env);
        } catch (error) {
          throw new Error(`README.md:${line}: ${(error as Error).message}`, { cause: error });
        }
      })();
      const parsed = config.services[0]!.arrivals as { source: string; counter?: boolean } | undefined;
      assert.ok(parsed, `README.md:${line}: no arrivals parsed`);
      assert.equal(parsed.source, arrivals.source, `README.md:${line}`);
      kinds.add(`${parsed.source}${parsed.counter ? ' counter' : ''}`);
    }
    assert.deepEqual([...kinds].sort(), ['http', 'http counter', 'nats counter', 'prometheus', 'push', 'redis counter']);
  });

  it('the config in deploy/kubernetes/configmap.yaml passes validate (its secret from the environment)', async () => {
    const configMap = parse(readFileSync(join(root, 'deploy/kubernetes/configmap.yaml'), 'utf8')) as { data: Record<string, string> };
    const text = configMap.data['microscale.yaml'];
    assert.ok(text, 'the ConfigMap has no microscale.yaml');
    const file = join(mkdtempSync(join(tmpdir(), 'microscale-examples-')), 'microscale.yaml');
    writeFileSync(file, text);
    process.env.RABBITMQ_PASSWORD ??= 'from-a-secret';
    const [summary] = await validateConfigFile(file);
    assert.match(summary ?? '', /: valid: 2 services \(priorities 1, 2\) on engine kubernetes/);
  });
});
