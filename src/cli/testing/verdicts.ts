// Runs, for each config file, `validate`'s in-process path (validateConfigFile) and everything `run` does
// before it starts an engine (prepareRun), and prints one JSON line per file with both verdicts: accepted,
// refused (exit code, message, problems and their lines) or crashed. A child process of the fuzz test
// (cli/bad-configs.test.ts), so a hang or a crash in one file is seen for what it is instead of taking the
// test runner with it.
// Usage: node --import tsx src/cli/testing/verdicts.ts FILE...
import { prepareRun } from '../commands/run.js';
import { validateConfigFile } from '../commands/validate.js';
import { verdictOf } from '../exit.js';
import { ConfigError } from '../../errors.js';

export interface Verdict {
  readonly outcome: 'accepted' | 'refused' | 'crashed';
  /** What the command exits with: 0 accepted, else verdictOf's code (the CLI's own mapping). */
  readonly exitCode: number;
  readonly message?: string;
  readonly problems?: readonly string[];
  readonly lines?: readonly (number | null)[];
}

async function verdict(check: () => Promise<unknown>): Promise<Verdict> {
  try {
    await check();
    return { outcome: 'accepted', exitCode: 0 };
  } catch (error) {
    const { exitCode, message } = verdictOf(error);
    // Bad input is a ConfigError (exit 2); anything else thrown here is a crash of the checking code.
    return error instanceof ConfigError
      ? { outcome: 'refused', exitCode, message, problems: error.problems, lines: error.lines.map((line) => line ?? null) }
      : { outcome: 'crashed', exitCode, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

for (const path of process.argv.slice(2)) {
  const started = performance.now();
  const validate = await verdict(() => validateConfigFile(path));
  const run = await verdict(async () => {
    // A config run accepts gets no engine here; its image watch (not started) is closed again.
    const { watch } = await prepareRun(path);
    await watch?.stop();
  });
  process.stdout.write(`${JSON.stringify({ path, validate, run, ms: Math.round(performance.now() - started) })}\n`);
}
