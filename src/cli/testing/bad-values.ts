// Bad values in a well-formed config (cli/bad-configs.test.ts): one change, or a few, to a valid document
// that no schema accepts: wrong types, huge numbers and durations, unknown keys and kinds, `${file:}` to
// devices, fifos, directories and large files, and `${ENV}` values that must never be echoed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomInt, type Random } from '../../util/random.js';

/** A value no error message may ever show: it is only ever substituted through ${FUZZ_CANARY} or ${file:}. */
export const CANARY = 'canary-7f3a9c-never-shown';

export type Key = string | number;
export type Mutable = Record<string, unknown>;

export function base(): Mutable {
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
  ['historyLines'],
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

export function pick<T>(random: Random, list: readonly T[]): T {
  return list[randomInt(random, 0, list.length - 1)] as T;
}

export function setAt(root: Mutable, path: readonly Key[], value: unknown): void {
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

export function makeTargets(dir: string): Targets {
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
export function mutate(random: Random, config: Mutable, targets: Targets): string {
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
