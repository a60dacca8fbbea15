import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const main = new URL('./main.ts', import.meta.url).pathname;

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'microscale-cli-')), 'microscale.yaml');
  writeFileSync(path, text);
  return path;
}

describe('microscale validate', () => {
  it('prints a one-line summary and exits 0 for a valid file', () => {
    const path = file(
      'capacity: 9\nservices:\n  - {name: a, priority: 1, target: direct, metric: {source: random}}\n' +
        '  - {name: b, priority: 2, target: remainder}\n',
    );
    const { code, stdout } = cli(['validate', '-c', path]);
    assert.equal(code, 0);
    assert.match(stdout.trim(), /valid: 2 services \(priorities 1, 2\) on engine sim, capacity 9, interval 500ms$/);
    assert.equal(stdout.trim().split('\n').length, 1);
  });

  it('lists every problem with its YAML path and exits 2', () => {
    const path = file(
      'capacity: 9\nservices:\n  - {name: a, priority: high, target: direct, metric: {source: random}}\n' +
        '  - {name: b, priorty: 2, target: remainder}\n',
    );
    const { code, stderr } = cli(['validate', '-c', path]);
    assert.equal(code, 2);
    assert.match(stderr, /services\[0\]\.priority: expected an integer >= 1, got "high"/);
    assert.match(stderr, /services\[1\]\.priorty: unknown key; did you mean "priority"\?/);
  });

  it('says plainly when the file is missing', () => {
    const { code, stderr } = cli(['validate', '-c', '/nonexistent/microscale.yaml']);
    assert.equal(code, 2);
    assert.match(stderr, /file not found/);
  });
});

describe('microscale demo --json', () => {
  it('prints one JSON object per tick with the documented fields, and P1 + P2 fill the pool', () => {
    const { code, stdout } = cli(['demo', '--duration', '4s', '--seed', '7', '--json', '--interval', '200ms']);
    assert.equal(code, 0);
    const ticks = stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            t: number;
            capacity: number;
            services: { name: string; priority: number; demand: number | null; desired: number; running: number; starting: number }[];
          },
      );
    assert.ok(ticks.length >= 10, `only ${ticks.length} ticks in 4 s at 200 ms`);
    for (const tick of ticks) {
      assert.equal(typeof tick.t, 'number');
      assert.equal(tick.capacity, 9);
      const [p1, p2] = tick.services;
      assert.ok(p1 && p2);
      assert.deepEqual(
        Object.keys(p1)
          .filter((k) => ['name', 'priority', 'demand', 'desired', 'running', 'starting'].includes(k))
          .sort(),
        ['demand', 'desired', 'name', 'priority', 'running', 'starting'],
      );
      assert.equal(p1.priority, 1);
      assert.equal(p2.demand, null, 'the background service has no demand figure');
      assert.ok(p1.demand !== null && p1.demand >= 0 && p1.demand <= 9);
    }
    const settled = ticks.filter(
      (tick) => tick.services.every((s) => s.starting === 0 && (s as { stopping?: number }).stopping === 0) && tick.t > 1,
    );
    assert.ok(settled.length > 0);
    for (const tick of settled) {
      const [p1, p2] = tick.services;
      if (p1!.running === p1!.demand) assert.equal(p1!.running + p2!.running, 9, `t=${tick.t}: pool not full`);
    }
    assert.ok(
      settled.some((tick) => tick.services[0]!.running === tick.services[0]!.demand),
      'P1 never met its demand',
    );
  });

  it('repeats the same demand for the same seed', () => {
    const demands = (seed: string) =>
      cli(['demo', '--duration', '7s', '--seed', seed, '--json', '--interval', '500ms'])
        .stdout.trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { services: { demand: number | null }[] }).services[0]?.demand);
    const first = demands('42');
    const second = demands('42');
    assert.ok(first.length >= 10);
    assert.deepEqual(second.slice(0, 10), first.slice(0, 10));
  });
});

describe('microscale --help and --version', () => {
  it("shows an example in every command's help", () => {
    for (const command of ['demo', 'run', 'validate', 'bench']) {
      const { code, stdout } = cli([command, '--help']);
      assert.equal(code, 0, command);
      assert.match(stdout, /Example/, `${command} --help has no example`);
    }
  });
  it('prints the version', () => {
    assert.match(cli(['--version']).stdout, /^\d+\.\d+\.\d+/);
  });
  it('exits 2 on a bad flag value, naming it', () => {
    const { code, stderr } = cli(['demo', '--duration', 'soon']);
    assert.equal(code, 2);
    assert.match(stderr, /"soon" is not a duration/);
  });
});
