// Configs that used to pass validate and then break run, or crash validate: each is now a problem with
// its path and line, in our words, and nothing is read whole or expanded without a bound.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { loadConfigFile, parseConfigText } from '../agent/config-loader.js';
import { ConfigError } from '../errors.js';

function errorOf(text: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfigText(text, env, 'microscale.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail(`expected the config to be refused:\n${text}`);
}

const service = '  - {name: a, priority: 1, target: direct, metric: {source: random}}\n';

describe('bounds on numbers that could exhaust the machine', () => {
  it('refuses a pool, a max and a step beyond 10000 containers', () => {
    const error = errorOf(
      `capacity: 9007199254740991\nservices:\n` +
        `  - {name: a, max: 20000, target: direct, metric: {source: random}, controller: {maxStepUp: 1e9}}\n`,
    );
    assert.match(error.message, /line 1: capacity: expected at most 10000 containers/);
    assert.match(
      error.message,
      /line 3: services\[0\]\.max: expected an integer <= 10000 \(a pool holds at most 10000 containers\), got 20000/,
    );
    assert.match(error.message, /services\[0\]\.controller\.maxStepUp: expected an integer <= 10000/);
  });

  it('refuses durations a Node timer cannot hold, and an interval that would spin', () => {
    const error = errorOf(
      `capacity: 3\ninterval: 1000h\nstopGracePeriod: 600h\nservices:\n` +
        `  - {name: a, target: direct, metric: {source: random, every: 0.001ms}}\n`,
    );
    assert.match(error.message, /line 2: interval: expected a duration of at most 596h \(the longest a timer can wait\), got "1000h"/);
    assert.match(error.message, /stopGracePeriod: expected a duration of at most 596h/);
    assert.equal(
      parseConfigText('capacity: 3\ninterval: 596h\nservices:\n' + service, {}).intervalMs,
      596 * 3_600_000,
      '596h is the largest allowed',
    );
    assert.match(
      errorOf('capacity: 3\ninterval: 0ms\nservices:\n' + service).message,
      /interval: expected a duration of at least 10ms, got "0ms"/,
    );
  });

  it('refuses infinite and huge numbers anywhere, never turning them into a target', () => {
    const error = errorOf(
      `capacity: 3\nservices:\n  - {name: a, target: {queueLength: .inf}, tolerance: 1e300, metric: {source: random}}\n`,
    );
    assert.match(error.message, /services\[0\]\.tolerance: expected a number <= 1000000000000/);
  });
});

describe('${file:} secrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'microscale-secrets-'));
  const path = (name: string, content?: string) => {
    const file = join(dir, name);
    if (content !== undefined) writeFileSync(file, content);
    return file;
  };

  it('reads a small regular file', () => {
    const config = parseConfigText(
      `capacity: 3\nengine: {kind: docker, pool: "\${file:${path('pool', 'blue\n')}}"}\n` +
        `services:\n  - {name: a, image: busybox:latest, target: remainder}\n`,
      {},
    );
    assert.equal(config.engine.pool, 'blue');
  });

  it('refuses devices, directories, fifos and large files, without reading them', () => {
    mkdirSync(path('dir'));
    execFileSync('mkfifo', [path('fifo')]);
    path('big', 'x'.repeat(65 * 1024));
    const started = Date.now();
    const error = errorOf(
      `capacity: 3\nservices:\n  - {name: a, priority: "\${file:/dev/zero}", target: remainder}\n` +
        `  - {name: b, priority: "\${file:${path('dir')}}", target: remainder}\n` +
        `  - {name: c, priority: "\${file:${path('fifo')}}", target: remainder}\n` +
        `  - {name: d, priority: "\${file:${path('big')}}", target: remainder}\n`,
    );
    assert.ok(Date.now() - started < 2000, 'nothing blocks on a fifo or reads a device to its end');
    assert.match(
      error.message,
      /line 3: services\[0\]\.priority: secret file \/dev\/zero is a device; point it at a regular file holding the secret/,
    );
    assert.match(error.message, /line 4: services\[1\]\.priority: secret file .*dir is a directory/);
    assert.match(error.message, /line 5: services\[2\]\.priority: secret file .*fifo is a fifo/);
    assert.match(error.message, /line 6: services\[3\]\.priority: secret file .*big is larger than 64 KiB/);
  });

  it('never shows a value substituted from ${ENV} or ${file:} in an error, even under a key that is not secret', () => {
    const environ = path('environ', 'PATH=/usr/bin\nAWS_SECRET=hunter2hunter2\n');
    const error = errorOf(
      `capacity: 3\nlogLevel: \${LEVEL}\nservices:\n  - {name: a, priority: "\${file:${environ}}", target: remainder, min: "\${MIN}"}\n`,
      { LEVEL: 'loud-and-secret', MIN: 'zero-secret' },
    );
    assert.doesNotMatch(error.message, /hunter2|loud-and-secret|zero-secret/);
    assert.match(error.message, /services\[0\]\.priority: expected an integer >= 1, got \(from \$\{file:.*environ\}, not shown\)/);
    assert.match(error.message, /logLevel: .*got \(from \$\{LEVEL\}, not shown\)/);
  });
});

describe('YAML that could exhaust memory or the stack', () => {
  it('refuses an alias bomb with its line', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
    ].join('\n');
    const error = errorOf(bomb);
    assert.equal(error.problems.length, 1);
    assert.match(error.message, /line 2: aliases expand to more than 100 times their size \(an alias bomb\)/);
  });

  it('refuses recursive and unresolved aliases with their lines', () => {
    assert.match(
      errorOf('capacity: 3\nservices: &s [*s]\n').message,
      /line 2: alias \*s refers to a block that contains it \(a recursive alias\)/,
    );
    assert.match(errorOf('capacity: 3\nx: &m {y: *m}\n').message, /line 2: alias \*m refers to a block that contains it/);
    assert.match(errorOf('capacity: *nope\n').message, /line 1: alias \*nope has no anchor &nope before it/);
  });

  it('refuses deep nesting and binary data', () => {
    assert.match(errorOf(`capacity: 3\nx: ${'['.repeat(100)}${']'.repeat(100)}\n`).message, /line 2: nested more than 64 levels deep/);
    assert.match(
      errorOf(`capacity: 3\nx: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`).message,
      /line 2: nested more than 64 levels deep/,
    );
    const blocks = Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
    assert.match(errorOf(blocks).message, /line \d+: (nested|YAML syntax)/);
    assert.match(errorOf('capacity: 3\nservices: \u0000\u0001\u00ff\n').message, /line 2: the file holds binary data/);
  });

  it('refuses a config path that is a device, a directory or a huge file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'microscale-config-'));
    const huge = join(dir, 'huge.yaml');
    writeFileSync(huge, `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    for (const [file, why] of [
      ['/dev/zero', /is a device, not a config file/],
      [dir, /is a directory, not a config file/],
      [huge, /is larger than 1 MiB/],
    ] as const) {
      await assert.rejects(loadConfigFile(file, {}), (error: unknown) => error instanceof ConfigError && why.test(error.message));
    }
  });
});

describe('every problem at once, in our words', () => {
  it('with an unknown engine.kind still checks every service', () => {
    const error = errorOf(
      'engine: {kind: nosuch}\ncapacity: 3\nservices:\n  - {name: a, priority: x, prioirty: 2, target: direct, metric: {source: nope}}\n',
    );
    assert.deepEqual(error.lines, [1, 4, 4, 4]);
    assert.match(error.message, /engine\.kind: expected one of sim, docker/);
    assert.match(error.message, /services\[0\]\.priority: expected an integer >= 1, got "x"/);
    assert.match(error.message, /services\[0\]\.prioirty: unknown key; did you mean "priority"\?/);
    assert.match(error.message, /services\[0\]\.metric\.source: expected one of random/);
  });

  it('reports a bad metric block together with the service keys that failed, and the cross checks', () => {
    const error = errorOf(
      'capacity: 1\nservices:\n  - {name: a, priority: x, min: 1, target: direct, metric: {source: random, mx: 3}}\n' +
        '  - {name: a, min: 1, target: remainder}\n',
    );
    assert.match(error.message, /services\[0\]\.metric\.mx: unknown key/);
    assert.match(error.message, /services\[1\]\.name: "a" is already used by services\[0\]/);
    assert.match(error.message, /capacity: the services' mins add up to 2, more than the pool of 1/);
  });

  it('an unset ${VAR} is one problem at its path, not also the schema on the text left there', () => {
    const error = errorOf('capacity: ${CAP}\nservices:\n  - {name: a, target: remainder, priority: 1}\n');
    assert.deepEqual(error.problems, ['capacity: environment variable CAP is not set; export it or give a default as ${CAP:-value}']);
  });

  it('says a number from ${VAR} arrives as text, and that it must be written in the file', () => {
    const error = errorOf('capacity: ${CAP}\nservices:\n  - {name: a, target: remainder, priority: "${P}"}\n', { CAP: '9', P: '2' });
    assert.match(
      error.message,
      /capacity: expected an integer >= 1 .*got \(from \$\{CAP\}, not shown\); a \$\{\.\.\.\} puts in text, so a number/,
    );
    assert.match(
      error.message,
      /services\[0\]\.priority: expected an integer >= 1, got \(from \$\{P\}, not shown\); a \$\{\.\.\.\} puts in text/,
    );
    assert.doesNotMatch(
      errorOf('capacity: 9\nservices:\n  - {name: a, target: remainder, metric: {source: redis, url: "${U}"}}\n', { U: 'x' }).message,
      /puts in text/,
      'the hint is for values that are not text',
    );
  });

  it('says a file of nothing or only comments is empty, and what the least config is', () => {
    for (const text of ['', '\n\n', '# microscale.yaml\n# capacity: 9\n']) {
      const error = errorOf(text);
      assert.equal(error.problems.length, 1, text);
      assert.match(
        error.message,
        /^microscale\.yaml: 1 problem:\n {2}\(root\): the file is empty \(or holds only comments\); a config needs at least capacity and services, e\.g\. capacity: 9/,
      );
    }
  });

  it("never prints one of zod's own messages", () => {
    const error = errorOf(
      'engine: docker\ncapacity: 3\nlogLevel: loud\napi: {enabled: maybe}\nservices:\n' +
        '  - {name: a, image: [1], target: remainder, labelsFrom: 7}\n  - 42\n',
    );
    assert.doesNotMatch(error.message, /Expected \w+, received|Required|Invalid input|Invalid enum value|must contain/);
    assert.match(error.message, /engine: expected a block with the engine kind, e.g. engine: \{kind: docker\}, got "docker"/);
    assert.match(error.message, /logLevel: expected one of debug, info, warn, error, silent, got "loud"/);
    assert.match(error.message, /services\[1\]: expected a map of keys \(key: value\), got 42/);
  });
});
