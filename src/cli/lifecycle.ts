// Runs an agent until Ctrl-C, SIGTERM or a duration: the shared shutdown path of `run` and `demo`,
// including the HTTP API and dashboard that live and die with the agent. On a signal the agent
// finishes the tick (and apply) in progress and starts nothing new; then the API stops.
import type { Agent } from '../agent/agent.js';
import { TOKEN_ENV } from '../api/auth.js';
import type { RouteRegistrar } from '../api/app.js';
import { badgeRoutes } from '../api/badges.js';
import { startApiServer, type ApiServer } from '../api/server.js';
import type { MicroscaleConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { UsageError } from './exit.js';

export async function runUntilStopped(
  agent: Agent,
  durationMs: number | undefined,
  onStop: () => Promise<void> = async () => {},
): Promise<void> {
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (timer) clearTimeout(timer);
      void agent.stop().then(onStop).finally(resolve);
    };
    const timer = durationMs === undefined ? undefined : setTimeout(stop, durationMs);
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    void agent.start().catch((error: unknown) => {
      console.error(error);
      stop();
    });
  });
}

/** The command-line flags about the API: `--listen host:port` and `--no-api` (commander sets api: false). */
export interface ApiFlags {
  readonly listen?: string;
  readonly api?: boolean;
}

/**
 * Starts the API and dashboard for `agent`, unless `--no-api` or `api.enabled: false` says not to.
 * When the address comes from the config (not `--listen`) and is taken, it warns and goes on without
 * the API, so a second demo on the same machine still runs; an explicit `--listen` that fails is an error.
 */
export async function startApi(
  agent: Agent,
  config: MicroscaleConfig,
  flags: ApiFlags,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
  routes: readonly RouteRegistrar[] = [],
): Promise<ApiServer | undefined> {
  if (flags.api === false || (!config.api.enabled && flags.listen === undefined)) return undefined;
  const listen = flags.listen ?? config.api.listen;
  try {
    return await startApiServer({
      agent,
      listen,
      token: env[TOKEN_ENV] || undefined,
      log,
      routes: [badgeRoutes(), ...routes],
      allowedHosts: config.api.allowedHosts ?? [],
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? `${listen} is already in use`
        : code === 'EADDRNOTAVAIL'
          ? `${listen} is not an address of this machine`
          : (error as Error).message.replace(/^--listen: /, '');
    if (flags.listen !== undefined)
      throw new UsageError(`--listen: ${why}; pick another address, e.g. --listen 127.0.0.1:0 for any free port`);
    const line = `WARNING: API and dashboard not started: ${why} (api.listen). Pass --listen 127.0.0.1:0 for any free port, or --no-api.`;
    log.warn({ event: 'api-not-started', listen }, line);
    console.error(line);
    return undefined;
  }
}
