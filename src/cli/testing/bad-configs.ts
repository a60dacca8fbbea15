// A seeded generator of bad configs for the fuzz test (cli/bad-configs.test.ts): wrong types, huge
// numbers and durations, unknown keys and kinds, alias bombs, recursive aliases, deep nesting, binary
// data, huge files, YAML syntax errors, `${file:}` to devices, fifos, directories and large files, and
// `${ENV}` values that must never be echoed. Every case is invalid by construction: the test fails if
// validate accepts one. The same seed writes the same files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { randomInt, seededRandom, type Random } from '../../util/random.js';

/** A value no error message may ever show: it is only ever substituted through ${FUZZ_CANARY} or ${file:}. */
export const CANARY = 'canary-7f3a9c-never-shown';

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

type Key = string | number;
type Mutable = Record<string, unknown>;

function base(): Mutable {
  return {
    engine: { kind: 'sim' },
    capacity: 12,
    interval: '500ms',
    api: { enabled: false },
    services: [
      {
        name: 'orders',
        priority: 1,
        min: 0,
        max: 10,
        target: { queueLength: 50 },
        metric: { source: 'random', max: 9 },
        controller: { kp: 1, scaleDownDelay: '30s' },
        stopGracePeriod: '5s',
      },
      { name: 'reports', priority: 2, target: 'remainder' },
    ],
  };
}

const NUMBERS: readonly Key[][] = [
  ['capacity'],
  ['services', 0, 'priority'],
  ['services', 0, 'min'],
  ['services', 0, 'max'],
  ['services', 0, 'metric', 'max'],
  ['services', 0, 'controller', 'kp'],
  ['services', 0, 'target', 'queueLength'],
  ['services', 1, 'priority'],
];
const DURATIONS: readonly Key[][] = [
  ['interval'],
  ['services', 0, 'stopGracePeriod'],
  ['services', 0, 'controller', 'scaleDownDelay'],
  ['minTickGap'],
  ['stopGracePeriod'],
];
const STRINGS: readonly Key[][] = [
  ['engine', 'kind'],
  ['services', 0, 'name'],
  ['services', 0, 'metric', 'source'],
  ['logLevel'],
  ['api', 'listen'],
];
const OBJECTS: readonly Key[][] = [
  ['engine'],
  ['services', 0],
  ['services', 0, 'metric'],
  ['services', 0, 'controller'],
  ['api'],
  ['services', 0, 'target'],
];

/** Wrong types for each kind of field, none of which the field accepts. */
const NOT_A_NUMBER: readonly unknown[] = ['abc', '12', [], [1], { a: 1 }, true, null, ''];
const HUGE_NUMBERS: readonly unknown[] = [1e20, 2 ** 53 + 2, -1e20, Infinity, -Infinity, NaN, 1e308, 9_007_199_254_740_991];
const CONTAINER_COUNTS: readonly Key[][] = [['capacity'], ['services', 0, 'min'], ['services', 0, 'max']];
const BAD_DURATIONS: readonly unknown[] = [
  '100000h',
  '9999999999999999999999ms',
  '597h',
  '1e400ms',
  '-1s',
  '1 h',
  500,
  [],
  { s: 1 },
  true,
  '5d',
  '',
];
const BAD_STRINGS: readonly unknown[] = [5, '', [], { x: 1 }, true, 'no such thing!', null];
const NOT_AN_OBJECT: readonly unknown[] = ['str', 7, [1, 2], null, true];
const UNKNOWN_KEYS = ['intervall', 'zzz', 'prioirty', 'capacityy', 'metrics', 'x-extra', '__proto__x'];

function pick<T>(random: Random, list: readonly T[]): T {
  return list[randomInt(random, 0, list.length - 1)] as T;
}

function setAt(root: Mutable, path: readonly Key[], value: unknown): void {
  let node = root as Record<Key, unknown>;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') return;
    node = next as Record<Key, unknown>;
  }
  node[path[path.length - 1] as Key] = value;
}

function getAt(root: Mutable, path: readonly Key[]): unknown {
  let node: unknown = root;
  for (const key of path) node = node !== null && typeof node === 'object' ? (node as Record<Key, unknown>)[key] : undefined;
  return node;
}

/** Files the `${file:}` cases point at: a fifo, a directory, a file over the 64 KiB limit, the environment. */
export interface Targets {
  readonly fifo: string;
  readonly dir: string;
  readonly big: string;
  readonly canaryFile: string;
}

function makeTargets(dir: string): Targets {
  const targets = {
    fifo: join(dir, 'a-fifo'),
    dir: join(dir, 'a-dir'),
    big: join(dir, 'big-secret'),
    canaryFile: join(dir, 'canary-secret'),
  };
  execFileSync('mkfifo', [targets.fifo]);
  mkdirSync(targets.dir);
  writeFileSync(targets.big, 'x'.repeat(65 * 1024));
  writeFileSync(targets.canaryFile, `${CANARY}\n`);
  return targets;
}

/** Object-level damage: one change to the base config that no schema accepts. */
function mutate(random: Random, config: Mutable, targets: Targets): string {
  const secretRefs = [
    '${file:/dev/zero}',
    '${file:/dev/null}',
    '${file:/dev/urandom}',
    `\${file:${targets.fifo}}`,
    `\${file:${targets.dir}}`,
    `\${file:${targets.big}}`,
    '${file:/nonexistent/secret}',
    '${FUZZ_UNSET_VARIABLE}',
    '${bad reference}',
    '${file:/proc/self/environ}',
    `\${file:${targets.canaryFile}}`,
    '${FUZZ_CANARY}',
  ];
  switch (randomInt(random, 0, 7)) {
    case 0:
      setAt(config, pick(random, NUMBERS), pick(random, NOT_A_NUMBER));
      return 'wrong-type';
    case 1:
      if (random() < 0.2) setAt(config, pick(random, CONTAINER_COUNTS), randomInt(random, 10_001, 1_000_000));
      else setAt(config, pick(random, NUMBERS), pick(random, HUGE_NUMBERS));
      return 'huge-number';
    case 2:
      setAt(config, pick(random, DURATIONS), pick(random, BAD_DURATIONS));
      return 'bad-duration';
    case 3:
      setAt(config, pick(random, STRINGS), pick(random, BAD_STRINGS));
      return 'bad-string';
    case 4:
      setAt(config, pick(random, OBJECTS), pick(random, NOT_AN_OBJECT));
      return 'not-an-object';
    case 5: {
      const path = pick(random, [
        [],
        ['engine'],
        ['services', 0],
        ['services', 0, 'metric'],
        ['services', 0, 'controller'],
        ['api'],
      ] as Key[][]);
      const node = path.length === 0 ? config : getAt(config, path);
      if (node !== null && typeof node === 'object') (node as Mutable)[pick(random, UNKNOWN_KEYS)] = randomInt(random, 0, 9);
      else config.unknownTopLevel = 1;
      return 'unknown-key';
    }
    case 6:
      // Numbers only: whatever a secret file or variable holds, it is not an integer there.
      setAt(
        config,
        pick(
          random,
          NUMBERS.filter((p) => p[p.length - 1] !== 'queueLength'),
        ),
        pick(random, secretRefs),
      );
      return 'secret-reference';
    default: {
      const choice = randomInt(random, 0, 3);
      if (choice === 0) setAt(config, ['services'], pick(random, [[], {}, 'x', null, 5]));
      else if (choice === 1) setAt(config, ['services', 1, 'name'], 'orders');
      else if (choice === 2) setAt(config, ['services', 0, 'min'], 11);
      else delete config.capacity;
      return 'cross-field';
    }
  }
}

function aliasBomb(random: Random): string {
  const width = randomInt(random, 6, 12);
  const depth = randomInt(random, 4, 9);
  const lines = [`a0: &a0 [${Array(width).fill('"lol"').join(', ')}]`];
  for (let i = 1; i < depth; i++)
    lines.push(
      `a${i}: &a${i} [${Array(width)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\ncapacity: 3\nservices: [*a${depth - 1}]\n`;
}

function recursiveAlias(random: Random): string {
  return pick(random, [
    'capacity: 3\nservices: &s [*s]\n',
    'capacity: 3\nengine: &e {kind: sim, x: *e}\nservices: [{name: a, target: remainder}]\n',
    'capacity: 3\nservices:\n  - &svc\n    name: a\n    target: remainder\n    more: [*svc]\n',
    'x: &x\n  y: &y\n    z: *x\ncapacity: 3\nservices: [{name: a, target: remainder}]\n',
    'capacity: *undefined_anchor\nservices: [{name: a, target: remainder}]\n',
  ]);
}

function deepNesting(random: Random): string {
  const depth = randomInt(random, 65, pick(random, [200, 5_000, 100_000]));
  if (random() < 0.5) return `capacity: 3\nservices: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
  const block = Array.from({ length: Math.min(depth, 3000) }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n');
  return `capacity: 3\nservices:\n${block} 1\n`;
}

function binary(random: Random): Buffer {
  const bytes = Buffer.alloc(randomInt(random, 1, 8192));
  for (let i = 0; i < bytes.length; i++) bytes[i] = randomInt(random, 0, 255);
  if (random() < 0.5) return Buffer.concat([Buffer.from(stringify(base())), bytes]);
  return bytes;
}

function hugeFile(random: Random): string {
  const text = stringify(base());
  const padding = 1024 * 1024 + randomInt(random, 1, 512 * 1024);
  return random() < 0.5 ? `${text}# ${'x'.repeat(padding)}\n` : `${text}notes: "${'y'.repeat(padding)}"\n`;
}

function syntaxError(random: Random): string {
  const text = stringify(base());
  return pick(random, [
    `${text}\tcapacity: 3\n`,
    text.replace('services:', 'services: [\n'),
    text.replace('name: orders', 'name: "orders'),
    `${text}capacity: 4\n`,
    `${text}---\ncapacity: 5\n`,
    text.replace('interval: 500ms', 'interval: 500ms: 2'),
    '',
    '   \n\n',
    '- just\n- a list\n',
    'just a string\n',
    '{{{{',
    `${text}%YAML 1.2\n`,
  ]);
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
