// The fuzz suite of issue 17: 1,000 generated bad configs (cli/testing/bad-configs.ts, seeded), each through
// validate's in-process path and through everything `run` does before it starts an engine (prepareRun), in
// a child process (cli/testing/verdicts.ts): 0 crashes, 0 hangs over 5 s, every one refused (exit 2) with a
// location, in our words, never echoing a substituted value, and run's verdict, exit code and message the
// same as validate's; valid configs at the edges of the bounds are accepted by both. Then a sample, one
// config of six kinds of damage and two valid ones, through the real `validate` and `run` processes:
// run refuses exactly what validate refuses, with the same message, and accepts what it accepts.
// MICROSCALE_FUZZ_SEED and MICROSCALE_FUZZ_COUNT pick another seed or size.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CANARY, writeBadConfigs, writeGoodConfigs, type BadConfig } from './testing/bad-configs.js';
import type { Verdict } from './testing/verdicts.js';

const SEED = Number(process.env.MICROSCALE_FUZZ_SEED ?? 17);
const COUNT = Number(process.env.MICROSCALE_FUZZ_COUNT ?? 1000);
const HANG_MS = 5000;
const main = new URL('./main.ts', import.meta.url).pathname;
const verdicts = new URL('./testing/verdicts.ts', import.meta.url).pathname;
const env = { ...process.env, FUZZ_CANARY: CANARY, FUZZ_GOOD_NAME: 'orders', NO_COLOR: '1' };

/** zod's own messages, which must never reach a user. */
const ZOD_DEFAULT =
  /Expected \w+, received|^Required$|: Required|Invalid input|Invalid enum value|must contain at|must be (greater|less) than|Invalid (literal|type|string|url)/;
/** A problem that starts with its YAML path: "services[0].metric.max: ...", "(root): ...". */
const YAML_PATH = /^(\(root\)|[A-Za-z_$][\w$-]*(\[\d+\]|\.[^\s.:[\]]+)*): /;
/** A problem with the file itself (not a regular file, too large, missing): the message names the file. */
const FILE_PROBLEM = /^(is |file not found|cannot read)/;

interface Outcome {
  readonly path: string;
  readonly validate: Verdict;
  readonly run: Verdict;
  /** Both checks of this file. */
  readonly ms: number;
}

/** Runs verdicts.ts over the paths; fails naming the file if one takes longer than HANG_MS. */
function checkInProcess(paths: readonly string[]): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', verdicts, ...paths], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const outcomes: Outcome[] = [];
    let buffered = '';
    let stderr = '';
    let watchdog: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(watchdog);
      // The first file also waits for the child to start (tsx compiles the loader), so it gets longer.
      watchdog = setTimeout(
        () => {
          child.kill('SIGKILL');
          reject(new Error(`hang: ${paths[outcomes.length]} took longer than ${HANG_MS} ms`));
        },
        outcomes.length === 0 ? 60_000 : HANG_MS,
      );
    };
    arm();
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        outcomes.push(JSON.parse(buffered.slice(0, end)) as Outcome);
        buffered = buffered.slice(end + 1);
        arm();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      if (outcomes.length < paths.length)
        reject(new Error(`crash: the validating process ended (${signal ?? code}) at ${paths[outcomes.length]}:\n${stderr}`));
      else resolve(outcomes);
    });
  });
}

function cli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

describe(`${COUNT} generated bad configs (seed ${SEED})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'microscale-fuzz-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = writeBadConfigs(dir, SEED, COUNT);
  const good = writeGoodConfigs(dir);

  it('validate and run (up to its engine) refuse every one alike: exit 2, 0 crashes, 0 hangs over 5 s, each problem located, in our words, no secret shown', async (t) => {
    const started = performance.now();
    const outcomes = await checkInProcess([...bad.map((c) => c.path), ...good.map((c) => c.path)]);
    const elapsedMs = Math.round(performance.now() - started);
    const failures: string[] = [];
    const byKind = new Map<string, { count: number; maxMs: number }>();
    bad.forEach((config, i) => {
      const { validate: result, run, ms } = outcomes[i] as Outcome;
      const stats = byKind.get(config.kind) ?? { count: 0, maxMs: 0 };
      byKind.set(config.kind, { count: stats.count + 1, maxMs: Math.max(stats.maxMs, ms) });
      let failed = false;
      const fail = (why: string): void => {
        if (!failed) failures.push(`${config.name} (${config.kind}, ${config.path}): ${why}`);
        failed = true;
      };
      if (run.outcome !== result.outcome || run.exitCode !== result.exitCode || run.message !== result.message)
        fail(
          `run says ${run.outcome} (exit ${run.exitCode}: ${run.message}), ` +
            `validate ${result.outcome} (exit ${result.exitCode}: ${result.message})`,
        );
      if (result.outcome !== 'refused') return fail(result.outcome === 'crashed' ? `crashed: ${result.message}` : 'accepted');
      if (result.exitCode !== 2) fail(`exit ${result.exitCode}, not 2`);
      if (ms > HANG_MS) fail(`took ${ms} ms`);
      const problems = result.problems ?? [];
      if (problems.length === 0) fail('refused with no problem listed');
      problems.forEach((problem, p) => {
        const located =
          (result.lines?.[p] ?? null) !== null ||
          YAML_PATH.test(problem) ||
          (FILE_PROBLEM.test(problem) && result.message?.startsWith(`${config.path}: `));
        if (!located) fail(`a problem with neither a YAML path nor a line: ${problem}`);
        if (ZOD_DEFAULT.test(problem)) fail(`zod's words: ${problem}`);
      });
      if (result.message?.includes(CANARY)) fail(`shows a substituted secret: ${result.message}`);
    });
    good.forEach((config, i) => {
      const { validate, run } = outcomes[bad.length + i] as Outcome;
      for (const [command, result] of [
        ['validate', validate],
        ['run', run],
      ] as const)
        if (result.outcome !== 'accepted' || result.exitCode !== 0)
          failures.push(`good config ${config.name}: ${command} says ${result.outcome} (exit ${result.exitCode}): ${result.message}`);
    });
    t.diagnostic(`kinds: ${[...byKind].map(([kind, s]) => `${kind} ${s.count} (max ${s.maxMs} ms)`).join(', ')}`);
    t.diagnostic(
      `slowest file (both checks): ${Math.max(...outcomes.map((o) => o.ms))} ms; ` +
        `checking ${outcomes.reduce((sum, o) => sum + o.ms, 0)} ms; child process in all ${elapsedMs} ms`,
    );
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${bad.length} failed`);
  });

  it('run refuses exactly what validate refuses (exit 2, same message) and accepts what it accepts: a sample through the real processes', async () => {
    // One of each of these kinds (each process costs seconds on a loaded machine; the 1,000 above cover the rest).
    const kinds = ['several', 'secret-reference', 'alias-bomb', 'deep-nesting', 'binary', 'not-a-file'];
    const sample = kinds.map((kind) => bad.find((c) => c.kind === kind)).filter((c): c is BadConfig => c !== undefined);
    const refusals = await inBatches(sample, 3, async (config) => ({
      config,
      validate: await cli(['validate', '-c', config.path]),
      run: await cli(['run', '-c', config.path, '--dry-run', '--duration', '200ms', '--no-api']),
    }));
    for (const { config, validate, run } of refusals) {
      assert.equal(validate.code, 2, `validate ${config.name} (${config.kind}): ${validate.stderr}`);
      assert.equal(run.code, 2, `run ${config.name} (${config.kind}): ${run.stderr}`);
      assert.ok(
        validate.stderr.trim().length > 0 && run.stderr.includes(validate.stderr.trim()),
        `run and validate say different things for ${config.name}:\n${validate.stderr}\n---\n${run.stderr}`,
      );
      assert.ok(
        !validate.stderr.includes(CANARY) && !run.stderr.includes(CANARY) && !run.stdout.includes(CANARY),
        `${config.name} shows a substituted secret`,
      );
    }
    const accepted = await inBatches(
      good.filter((c) => ['base', 'largest-pool'].includes(c.name)),
      3,
      async (config) => ({
        config,
        validate: await cli(['validate', '-c', config.path]),
        run: await cli(['run', '-c', config.path, '--dry-run', '--duration', '200ms', '--no-api']),
      }),
    );
    for (const { config, validate, run } of accepted) {
      assert.equal(validate.code, 0, `validate ${config.name}: ${validate.stderr}`);
      assert.equal(run.code, 0, `run ${config.name}: ${run.stderr}`);
    }
  });
});
