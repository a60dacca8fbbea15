import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventually } from '../testing/services.js';

const main = new URL('./main.ts', import.meta.url).pathname;

const config = (capacity: number) => `
capacity: ${capacity}
interval: 200ms
api: {enabled: false}
services:
  - {name: urgent, priority: 1, target: direct, metric: {source: random, start: 3, step: 1}}
  - {name: background, priority: 2, target: remainder}
`;

function start(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  child.stderr.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        lines.push({ msg: part });
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, lines, exited };
}

describe('microscale run', () => {
  it('keeps its good config when SIGHUP brings an invalid file, and takes a valid one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'microscale-run-'));
    const file = join(dir, 'microscale.yaml');
    writeFileSync(file, config(9));
    const { child, lines, exited } = start(['run', '-c', file]);
    try {
      assert.ok(await eventually(() => lines.some((l) => l.event === 'decision'), 20_000), 'no decision logged');
      writeFileSync(file, config(9).replace('priority: 2', 'priority: high'));
      child.kill('SIGHUP');
      assert.ok(await eventually(() => lines.some((l) => l.event === 'reload-refused'), 10_000), 'the bad file was not refused');
      const refused = lines.find((l) => l.event === 'reload-refused');
      assert.match(String(refused?.msg), /services\[1\]\.priority: expected an integer >= 1, got "high"/);
      assert.equal(child.exitCode, null, 'a bad config must not stop a running agent');
      writeFileSync(file, config(5));
      child.kill('SIGHUP');
      assert.ok(await eventually(() => lines.some((l) => l.event === 'reconfigured'), 10_000), 'the good file was not taken');
      const decision = lines.filter((l) => l.event === 'decision').at(-1);
      assert.equal(typeof decision?.msg, 'string');
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0, 'SIGTERM is a clean shutdown');
    }
  });

  it('decides and logs but changes nothing with --dry-run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'microscale-run-'));
    const file = join(dir, 'microscale.yaml');
    writeFileSync(file, config(9));
    const { lines, exited } = start(['run', '-c', file, '--dry-run', '--duration', '2s']);
    assert.equal(await exited, 0);
    const decisions = lines.filter((l) => l.event === 'decision');
    assert.ok(decisions.length > 0, 'no decisions logged');
    assert.ok(decisions.every((d) => d.dryRun === true));
    // Nothing was started, so every tick decides the same first step again.
    assert.ok(decisions.filter((d) => d.service === 'urgent').every((d) => d.from === 0));
  });

  it('never starts on an invalid config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'microscale-run-'));
    const file = join(dir, 'microscale.yaml');
    writeFileSync(file, config(0));
    const { lines, exited } = start(['run', '-c', file]);
    assert.equal(await exited, 2);
    assert.ok(lines.some((l) => /capacity: expected an integer >= 1 .*, got 0/.test(String(l.msg))));
  });
});
