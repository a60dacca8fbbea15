// `microscale validate -c FILE`: every problem at once with its YAML path (exit 2), or a one-line summary.
import type { Command } from 'commander';
import { loadConfigFile, summarize } from '../../config/parse.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a config file: every problem with its YAML path, the bad value and what is expected')
    .requiredOption('-c, --config <file>', 'the config file')
    .addHelpText('after', '\nExample:\n  microscale validate -c microscale.yaml   # exit 0 when valid, 2 with every problem listed')
    .action(async (options: { config: string }) => {
      const config = await loadConfigFile(options.config);
      console.log(`${options.config}: ${summarize(config)}`);
    });
}
