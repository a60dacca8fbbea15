// The `microscale` command. Each subcommand lives in cli/commands/ and registers itself here.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerDemo } from './commands/demo.js';
import { registerImage } from './commands/image.js';
import { registerRun } from './commands/run.js';
import { registerSimulate } from './commands/simulate.js';
import { registerTrace } from './commands/trace.js';
import { registerValidate } from './commands/validate.js';
import { reportError } from './exit.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('microscale')
    .description('real-time, priority-aware container autoscaler')
    .version(version, '-V, --version')
    .showHelpAfterError()
    .exitOverride((error) => {
      process.exit(error.exitCode === 0 ? 0 : 2);
    })
    .addHelpText(
      'after',
      '\nExamples:\n  microscale demo\n  microscale validate -c microscale.yaml\n  microscale run -c microscale.yaml --dry-run',
    );
  for (const register of [registerDemo, registerRun, registerValidate, registerBench, registerImage, registerSimulate, registerTrace])
    register(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  reportError(error);
}
