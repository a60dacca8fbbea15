// Loads a config the way the agent runs it: reads the file, fills in image labels (metadata/policy.ts) and
// validates it (config/parse.ts) against every engine and source kind microscale knows. config/ itself does
// no I/O and names no kind; this is where they meet. Files are read bounded (util/read-file.ts): the config
// itself and each `${file:}` secret must be a small regular file, never a device, fifo or directory.
import { parseYaml, validateConfig, withLines, type ConfigContext } from '../config/parse.js';
import type { MicroscaleConfig } from '../config/schema.js';
import { engineKinds, findEngineKind } from '../engines/index.js';
import { ConfigError } from '../errors.js';
import { applyImageLabels, type ServiceOrigins } from '../metadata/policy.js';
import { sourceKinds } from '../sources/index.js';
import { formatSize, readSecretFile, readSmallFile } from '../util/read-file.js';

/** A config file is a page or two of YAML; anything larger is the wrong file. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** The config file's text, or a ConfigError saying why it cannot be read. */
export function readConfigText(file: string): string {
  const result = readSmallFile(file, MAX_CONFIG_BYTES);
  if ('text' in result) return result.text;
  switch (result.failure) {
    case 'missing':
      throw new ConfigError(['file not found; create it or pass another with -c'], file);
    case 'not-a-file':
      throw new ConfigError([`is ${result.kind}, not a config file; pass a YAML file with -c`], file);
    case 'too-large':
      throw new ConfigError(
        [`is larger than ${formatSize(MAX_CONFIG_BYTES)}; a config file is far smaller, check that -c names the right file`],
        file,
      );
    case 'unreadable':
      throw new ConfigError([`cannot read it (${result.code}); check its permissions`], file);
  }
}

/** Every registered engine and source kind; `${file:/path}` secrets read from the local disk. */
export const CONFIG_CONTEXT: ConfigContext = {
  engines: engineKinds,
  sources: sourceKinds,
  readSecretFile,
};

/** Validates an already-parsed document (an object). Throws ConfigError with every problem. */
export function parseConfig(document: unknown, env: NodeJS.ProcessEnv = process.env, file?: string): MicroscaleConfig {
  return validateConfig(document, CONFIG_CONTEXT, env, file);
}

/** Parses YAML text; every problem comes back with its line. */
export function parseConfigText(text: string, env: NodeJS.ProcessEnv = process.env, file?: string): MicroscaleConfig {
  const source = parseYaml(text, file);
  try {
    return parseConfig(source.value, env, file);
  } catch (error) {
    throw error instanceof ConfigError ? withLines(error, source) : error;
  }
}

/** The engine's checks that need this machine (EngineKind.checkServicesLocally, e.g. the kubeconfig's namespace). */
function localProblems(config: MicroscaleConfig): string[] {
  const services = config.services.map((s) => ({ name: s.name, stopGracePeriodMs: s.stopGracePeriodMs, options: s.engineOptions }));
  return findEngineKind(config.engine.kind)?.checkServicesLocally?.(config.engine, services) ?? [];
}

export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<MicroscaleConfig> {
  return (await loadConfigWithOrigins(file, env)).config;
}

/** loadConfigFile, plus where each `labelsFrom` service's priority/min/max/target came from (metadata/policy.ts). */
export async function loadConfigWithOrigins(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ config: MicroscaleConfig; services: readonly ServiceOrigins[] }> {
  const source = parseYaml(readConfigText(file), file);
  // Image labels are filled in before validation, so a label value is checked exactly like a YAML value.
  const labels = await applyImageLabels(source.value, env);
  let config: MicroscaleConfig | undefined;
  let problems = [...labels.problems];
  try {
    config = parseConfig(labels.document, env, file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = [...problems, ...error.problems];
  }
  if (config && problems.length === 0) problems = localProblems(config);
  if (!config || problems.length > 0) throw withLines(new ConfigError(problems, file), source);
  return { config, services: labels.services };
}
