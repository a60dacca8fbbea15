// Bad documents (cli/bad-configs.test.ts), one generator per kind: alias bombs, recursive aliases, deep
// nesting, binary data, huge files and YAML syntax errors.
import { stringify } from 'yaml';
import { randomInt, type Random } from '../../util/random.js';
import { base, pick } from './bad-values.js';

export function aliasBomb(random: Random): string {
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

export function recursiveAlias(random: Random): string {
  return pick(random, [
    'capacity: 3\nservices: &s [*s]\n',
    'capacity: 3\nengine: &e {kind: sim, x: *e}\nservices: [{name: a, target: remainder}]\n',
    'capacity: 3\nservices:\n  - &svc\n    name: a\n    target: remainder\n    more: [*svc]\n',
    'x: &x\n  y: &y\n    z: *x\ncapacity: 3\nservices: [{name: a, target: remainder}]\n',
    'capacity: *undefined_anchor\nservices: [{name: a, target: remainder}]\n',
  ]);
}

export function deepNesting(random: Random): string {
  const depth = randomInt(random, 65, pick(random, [200, 5_000, 100_000]));
  if (random() < 0.5) return `capacity: 3\nservices: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
  const block = Array.from({ length: Math.min(depth, 3000) }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n');
  return `capacity: 3\nservices:\n${block} 1\n`;
}

export function binary(random: Random): Buffer {
  const bytes = Buffer.alloc(randomInt(random, 1, 8192));
  for (let i = 0; i < bytes.length; i++) bytes[i] = randomInt(random, 0, 255);
  if (random() < 0.5) return Buffer.concat([Buffer.from(stringify(base())), bytes]);
  return bytes;
}

export function hugeFile(random: Random): string {
  const text = stringify(base());
  const padding = 1024 * 1024 + randomInt(random, 1, 512 * 1024);
  return random() < 0.5 ? `${text}# ${'x'.repeat(padding)}\n` : `${text}notes: "${'y'.repeat(padding)}"\n`;
}

export function syntaxError(random: Random): string {
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
