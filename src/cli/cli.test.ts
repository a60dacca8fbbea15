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
    for (const command of [
      'demo',
      'run',
      'validate',
      'bench',
      'simulate',
      'trace',
      'trace gen',
      'image',
      'image inspect',
      'image digest',
      'image lint',
      'image badge',
      'image watch',
    ]) {
      const { code, stdout } = cli([...command.split(' '), '--help']);
      assert.equal(code, 0, command);
      assert.match(stdout, /Example/, `${command} --help has no example`);
    }
  });
  it('prints the version', () => {
    assert.match(cli(['--version']).stdout, /^\d+\.\d+\.\d+/);
  });
  it('refuses a bad --listen, --interval or --duration before anything starts, naming the flag, the value and the fix', () => {
    const listen = cli(['demo', '--listen', 'nohost', '--duration', '1s']);
    assert.equal(listen.code, 2);
    assert.match(
      listen.stderr,
      /'--listen <host:port>' argument 'nohost' is invalid\. "nohost" is not host:port; write it like 127\.0\.0\.1:8321/,
    );
    assert.doesNotMatch(listen.stderr, /microscale demo: pool of/, 'the demo started before the flag was checked');
    const run = cli(['run', '-c', file('capacity: 1\nservices: [{name: a, target: remainder}]\n'), '--listen', '127.0.0.1']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /'--listen <host:port>' argument '127\.0\.0\.1' is invalid/);
    const interval = cli(['demo', '--interval', '5ms', '--no-api']);
    assert.equal(interval.code, 2);
    assert.match(
      interval.stderr,
      /'--interval <time>' argument '5ms' is invalid\. "5ms" is shorter than 10ms, the shortest tick interval; write 10ms or more/,
    );
    const sla = cli(['demo', '--engine', 'docker', '--sla', '0', '--no-api']);
    assert.equal(sla.code, 2);
    assert.match(sla.stderr, /'--sla <n>' argument '0' is invalid\. "0" is not a whole number >= 1/);
    const trials = cli(['bench', 'docker-start', '--trials', '0']);
    assert.equal(trials.code, 2);
    assert.match(trials.stderr, /'--trials <n>' argument '0' is invalid\. "0" is not a whole number >= 1/);
    assert.match(cli(['bench', 'kubernetes', '--step-replicas', '9']).stderr, /"9" is more than 4/);
    // Checked by the bench before any benchmark runs (not a thrown Error from inside one: exit 1).
    const cases = cli(['bench', 'arbiter', 'demo', '--cases', 'a-push,zzz']);
    assert.equal(cases.code, 2, cases.stderr);
    assert.equal(cases.stdout, '', 'arbiter, named first, did not run');
    assert.match(
      cases.stderr,
      /^error: --cases a-push,zzz: unknown case "zzz"; choose from a-push-noprep, .*b-push-netnone, comma-separated without spaces \(e\.g\. --cases a-push,b-push\)$/m,
    );
    const unread = cli(['bench', 'arbiter', '--cases', 'a-push', '--trials', '3']);
    assert.equal(unread.code, 2, unread.stderr);
    assert.match(unread.stderr, /^error: --cases a-push: arbiter does not read it; it is for demo: drop it, or name demo$/m);
    assert.match(
      unread.stderr,
      /^--trials 3: arbiter does not read it; it is for kubernetes, docker-start: drop it, or name kubernetes or docker-start$/m,
    );
    // Node fires a timer longer than 2^31 ms after 1 ms: the demo would have stopped at once, exit 0.
    const duration = cli(['demo', '--duration', '1000h', '--no-api']);
    assert.equal(duration.code, 2);
    assert.match(duration.stderr, /"1000h" is longer than 596h, the longest a timer can wait/);
  });

  it('simulate names the scenario file when its service has no column in the trace', () => {
    const scenario = new URL('../../traces/scenario.yaml', import.meta.url).pathname;
    const trace = join(mkdtempSync(join(tmpdir(), 'microscale-cli-trace-')), 'payments.csv');
    writeFileSync(trace, 't_s,payments\n0,20\n10,30\n');
    const { code, stderr } = cli(['simulate', '-c', scenario, '--trace', trace]);
    assert.equal(code, 2);
    assert.match(
      stderr,
      /scenario\.yaml: 1 problem:\n {2}services\[0\]\.simulation\.column: the trace .*payments\.csv has no column "orders"; it has payments/,
    );
  });

  it('trace gen refuses flags that do not fit together with exit 2, naming both', () => {
    const lowHigh = cli(['trace', 'gen', '--low', '20', '--high', '10']);
    assert.equal(lowHigh.code, 2);
    assert.match(lowHigh.stderr, /--low 20 is above --high 10; .*raise --high or lower --low/);
    assert.equal(lowHigh.stdout, '', 'nothing is written for a refused trace');
    const rows = cli(['trace', 'gen', '--duration', '596h', '--row', '1ms']);
    assert.equal(rows.code, 2);
    assert.match(rows.stderr, /--duration 596h at --row 1ms makes 2145600000 rows, more than 5000000; raise --row or shorten --duration/);
    assert.match(cli(['trace', 'gen', '--help']).stdout, /--duration <time> +length of the trace \(default: 30m\)/);
  });

  it('image watch names the flag or variable a bad value came from, and refuses a bad --log-level or --listen with exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'microscale-cli-watch-'));
    const interval = cli(['image', 'watch', '127.0.0.1:9/a/b:v1', '--state-dir', dir, '--interval', 'soon']);
    assert.equal(interval.code, 2);
    assert.match(interval.stderr, /^error: --interval: expected a duration like 500ms, 3s or 2m, got "soon"/);
    const secret = cli(['image', 'watch', '127.0.0.1:9/a/b:v1', '--state-dir', dir, '--notify', 'http://127.0.0.1:9/hook'], {
      MICROSCALE_WEBHOOK_SECRET: 'short',
    });
    assert.equal(secret.code, 2);
    assert.match(secret.stderr, /MICROSCALE_WEBHOOK_SECRET: expected a secret of at least 16 characters, got \(hidden\)/);
    assert.doesNotMatch(secret.stderr, /short/);
    const level = cli(['image', 'watch', '127.0.0.1:9/a/b:v1', '--state-dir', dir, '--log-level', 'loud']);
    assert.equal(level.code, 2);
    assert.match(level.stderr, /'--log-level <level>' argument 'loud' is invalid\. Allowed choices are debug, info, warn, error, silent/);
    const ref = cli(['image', 'watch', '127.0.0.1:9/a/b:v1', 'Acme/App:v1', '--state-dir', dir]);
    assert.equal(ref.code, 2);
    assert.match(ref.stderr, /^error: Acme\/App:v1: invalid reference format: repository name "Acme\/App" must be lowercase/);
    const listen = cli(['image', 'watch', '127.0.0.1:9/a/b:v1', '--state-dir', dir, '--listen', 'nohost']);
    assert.equal(listen.code, 2);
    assert.match(listen.stderr, /"nohost" is not host:port/);
  });

  it('exits 2 on a bad flag value, naming it', () => {
    const { code, stderr } = cli(['demo', '--duration', 'soon']);
    assert.equal(code, 2);
    assert.match(stderr, /"soon" is not a duration/);
  });
});
