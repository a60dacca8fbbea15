// `microscale run -c FILE [--dry-run]`: the agent on a config file. SIGHUP re-reads the file; a file
// that fails validation is reported and the running config stays in force.
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { Agent } from '../../agent/agent.js';
import { createEngine, createLeaderElection, pluginWarnings } from '../../agent/wiring.js';
import { followImages, followedImages } from '../../agent/image-follow.js';
import { loadConfigFile, loadConfigWithOrigins } from '../../agent/config-file.js';
import { imageRoutes } from '../../api/images.js';
import { summarize } from '../../config/parse.js';
import { createImageWatch } from '../../metadata/watch/service.js';
import { defaultStateFile } from '../../agent/push-memory.js';
import type { MicroscaleConfig } from '../../config/schema.js';
import { errorMessage } from '../../errors.js';
import { createLogger } from '../../log/logger.js';
import { runUntilStopped, startApi, type ApiFlags } from '../lifecycle.js';
import { durationOption, listenOption } from '../options.js';

interface RunOptions extends ApiFlags {
  readonly config: string;
  readonly dryRun?: boolean;
  readonly duration?: number;
}

/** The state file: `stateFile:` (relative to the config file), none with `off`, else the default. */
export function stateFileFor(config: MicroscaleConfig, configPath: string): string | undefined {
  if (config.stateFile === 'off') return undefined;
  return config.stateFile === undefined ? defaultStateFile(configPath) : resolve(dirname(configPath), config.stateFile);
}

/**
 * Everything `run` does before it starts an engine: load and check the config (the loader `validate`
 * uses), the logger, the image watch (a bad image reference or an unusable stateDir stops the start, not
 * a running agent), the plugin warnings. Whatever `run` refuses as bad input, it refuses here, before
 * anything connects; the fuzz suite (cli/bad-configs.test.ts) calls it on every generated config.
 */
export async function prepareRun(configPath: string) {
  const { config, services: origins } = await loadConfigWithOrigins(configPath);
  const log = createLogger(config.logLevel);
  const watch = config.images ? createImageWatch(config.images, { log, extraImages: [...followedImages(origins).keys()] }) : undefined;
  pluginWarnings(config, log);
  return { config, origins, log, watch };
}

export async function runAgent(options: RunOptions): Promise<void> {
  const { config, origins, log, watch } = await prepareRun(options.config);
  const engine = await createEngine(config, { log, nowMs: Date.now });
  const leader = createLeaderElection(config, log);
  const stateFile = stateFileFor(config, options.config);
  const agent = new Agent(config, {
    engine,
    log,
    stateFile,
    dryRun: options.dryRun ?? false,
    ...(leader ? { canAct: () => leader.isLeader() } : {}),
  });
  leader?.on('change', () => agent.wake());
  leader?.start();
  log.info({ event: 'started', dryRun: options.dryRun ?? false, stateFile: stateFile ?? 'off' }, `${options.config}: ${summarize(config)}`);
  const reload = (): void => {
    loadConfigFile(options.config)
      .then((next) => agent.reconfigure(next))
      .catch((error: unknown) => log.error({ event: 'reload-refused' }, `${errorMessage(error)}\nkeeping the config in force`));
  };
  const api = await startApi(agent, config, options, log, process.env, watch ? [imageRoutes(watch)] : []);
  let unfollow: (() => void) | undefined;
  if (watch) {
    watch.linkBase = api?.url;
    unfollow = followImages(watch, agent, origins, () => loadConfigWithOrigins(options.config), log);
    void watch.start().catch((error: unknown) => log.error({ event: 'image-watch-error' }, errorMessage(error)));
  }
  process.on('SIGHUP', reload);
  await runUntilStopped(agent, options.duration, async () => {
    process.off('SIGHUP', reload);
    unfollow?.();
    await watch?.stop();
    await leader?.stop();
    await api?.close();
  });
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the agent on a config file')
    .requiredOption('-c, --config <file>', 'the config file')
    .option('--dry-run', 'decide and log, but change nothing')
    .option('--duration <time>', 'stop after this long (default: until SIGTERM or Ctrl-C)', durationOption)
    .option(
      '--listen <host:port>',
      'where the API and dashboard listen (default: api.listen from the config, 127.0.0.1:8321)',
      listenOption,
    )
    .option('--no-api', 'do not start the API and dashboard')
    .addHelpText(
      'after',
      '\nExamples:\n  microscale run -c microscale.yaml\n  microscale run -c microscale.yaml --dry-run\n\n' +
        'Send SIGHUP to re-read the file; an invalid file is refused and the running config stays.',
    )
    .action(async (options: RunOptions) => runAgent(options));
}
