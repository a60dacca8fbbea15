// A seeded generator of bad configs for the fuzz test (cli/bad-configs.test.ts): wrong types, huge
// numbers and durations, unknown keys and kinds, alias bombs, recursive aliases, deep nesting, binary
// data, huge files, YAML syntax errors, `${file:}` to devices, fifos, directories and large files, and
// `${ENV}` values that must never be echoed. Every case is invalid by construction: the test fails if
// validate accepts one. The same seed writes the same files. The damage is made in bad-values.ts (bad values
// in a well-formed document) and bad-yaml.ts (bad documents).
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { randomInt, seededRandom } from '../../util/random.js';
import { base, makeTargets, mutate, pick, setAt, type Mutable } from './bad-values.js';
import { aliasBomb, binary, deepNesting, hugeFile, recursiveAlias, syntaxError } from './bad-yaml.js';

export { CANARY } from './bad-values.js';

export interface BadConfig {
  readonly name: string;
  /** What kind of damage: "wrong-type", "alias-bomb", ... */
  readonly kind: string;
  /** The path passed to -c. */
  readonly path: string;
}

export interface GoodConfig {
  readonly name: string;
  readonly path: string;
}

/**
 * Writes `count` bad configs into `dir` from `seed`: about half object-level damage (some with several
 * changes at once), the rest YAML-level damage and hostile files. Also makes the fifo, directory and
 * files the `${file:}` cases point at.
 */
export function writeBadConfigs(dir: string, seed: number, count: number): BadConfig[] {
  const random = seededRandom(seed);
  const targets = makeTargets(dir);
  const cases: BadConfig[] = [];
  for (let i = 0; i < count; i++) {
    const name = `bad-${String(i).padStart(4, '0')}`;
    const path = join(dir, `${name}.yaml`);
    const roll = random();
    let kind: string;
    let content: string | Buffer;
    if (roll < 0.55) {
      const config = base();
      const kinds = Array.from({ length: random() < 0.3 ? randomInt(random, 2, 4) : 1 }, () => mutate(random, config, targets));
      kind = kinds.length > 1 ? 'several' : (kinds[0] ?? 'wrong-type');
      content = stringify(config);
    } else if (roll < 0.63) [kind, content] = ['alias-bomb', aliasBomb(random)];
    else if (roll < 0.7) [kind, content] = ['recursive-alias', recursiveAlias(random)];
    else if (roll < 0.77) [kind, content] = ['deep-nesting', deepNesting(random)];
    else if (roll < 0.85) [kind, content] = ['binary', binary(random)];
    else if (roll < 0.88) [kind, content] = ['huge-file', hugeFile(random)];
    else if (roll < 0.97) [kind, content] = ['yaml-syntax', syntaxError(random)];
    else {
      // -c pointing at something that is not a config file at all.
      cases.push({
        name,
        kind: 'not-a-file',
        path: pick(random, ['/dev/zero', '/dev/null', targets.dir, targets.fifo, join(dir, 'missing.yaml')]),
      });
      continue;
    }
    writeFileSync(path, content);
    cases.push({ name, kind, path });
  }
  return cases;
}

/** Valid configs at the edges of the bounds: run and validate must both accept them. */
export function writeGoodConfigs(dir: string): GoodConfig[] {
  const edges: [string, (config: Mutable) => void][] = [
    ['base', () => {}],
    ['largest-pool', (c) => ((c.capacity = 10_000), setAt(c, ['services', 0, 'max'], 10_000))],
    ['longest-interval', (c) => (c.interval = '596h')],
    ['shortest-interval', (c) => (c.interval = '10ms')],
    ['secret-from-env', (c) => setAt(c, ['services', 0, 'name'], '${FUZZ_GOOD_NAME}')],
  ];
  return edges.map(([name, edit]) => {
    const config = base();
    edit(config);
    const path = join(dir, `good-${name}.yaml`);
    writeFileSync(path, stringify(config));
    return { name, path };
  });
}
