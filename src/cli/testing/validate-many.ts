// Runs validate's in-process path (the loader `microscale validate` and `run` call) over many config files
// and prints one JSON line per file: refused (with the problems and their lines), accepted, or crashed.
// A child process of the fuzz test (cli/bad-configs.test.ts), so a hang or a crash in one file is seen
// for what it is instead of taking the test runner with it.
// Usage: node --import tsx src/cli/testing/validate-many.ts FILE...
import { loadConfigWithOrigins } from '../../agent/config-loader.js';
import { ConfigError } from '../../errors.js';

for (const path of process.argv.slice(2)) {
  const started = performance.now();
  let line: Record<string, unknown>;
  try {
    await loadConfigWithOrigins(path);
    line = { path, outcome: 'accepted' };
  } catch (error) {
    line =
      error instanceof ConfigError
        ? { path, outcome: 'refused', problems: error.problems, lines: error.lines, message: error.message }
        : { path, outcome: 'crashed', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  process.stdout.write(`${JSON.stringify({ ...line, ms: Math.round(performance.now() - started) })}\n`);
}
