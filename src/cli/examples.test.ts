// The configs a new user copies: every file in examples/, the README's Configuration block (the same text
// as examples/microscale.yaml, so neither drifts) and the config deploy/kubernetes ships in its ConfigMap.
// Each must pass `microscale validate` as it is.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { validateConfigFile } from './commands/validate.js';

const root = new URL('../../', import.meta.url).pathname;

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
