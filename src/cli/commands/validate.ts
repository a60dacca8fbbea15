// `microscale validate -c FILE`: every problem at once with its YAML path (exit 2), or a one-line summary.
import type { Command } from 'commander';
import { loadConfigWithOrigins } from '../../agent/config-file.js';
import { summarize } from '../../config/parse.js';
import { ConfigError } from '../../errors.js';
import { describeOrigins } from '../../metadata/policy.js';
import { watchTargets } from '../../metadata/watch/targets.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a config file: every problem with its YAML path, the bad value and what is expected')
    .requiredOption('-c, --config <file>', 'the config file')
    .addHelpText('after', '\nExample:\n  microscale validate -c microscale.yaml   # exit 0 when valid, 2 with every problem listed')
    .action(async (options: { config: string }) => {
      for (const line of await validateConfigFile(options.config)) console.log(line);
    });
}

/** What `validate` prints for a good file; throws ConfigError (exit 2) with every problem of a bad one. */
export async function validateConfigFile(file: string): Promise<string[]> {
  const { config, services } = await loadConfigWithOrigins(file);
  // The image references of `images.watch` are checked here as `run` checks them before it starts.
  const watching = config.images
    ? (() => {
        try {
          return watchTargets(config.images.watch);
        } catch (error) {
          throw error instanceof ConfigError ? new ConfigError(error.problems, file) : error;
        }
      })()
    : undefined;
  // Services with labelsFrom: each value and whether it came from the config, an image label or a default.
  const lines = [`${file}: ${summarize(config)}`, ...describeOrigins(config, services)];
  if (config.images && watching) {
    const s = (count: number) => (count === 1 ? '' : 's');
    const { interval, notify, eventsSecret, stateDir } = config.images;
    lines.push(
      `  images: ${watching.length} tag${s(watching.length)} or pattern${s(watching.length)} every ${interval / 1000} s, ` +
        `${notify.length} webhook${s(notify.length)}, registry push ${eventsSecret ? 'on' : 'off'}, state in ${stateDir}`,
    );
  }
  return lines;
}
