// The config loader with every engine and source kind loaded when this module is (a top-level await):
// a synchronous parseConfig, for tests, the bench, the simulator and the fault scenarios, which build
// configs in code. The agent's own paths (`run`, `validate`, the demos) use agent/config-file.ts, which
// loads only the kinds a config names; its functions are re-exported here.
import { parseYaml, validateConfig, withLines, type ConfigContext } from '../config/parse.js';
import type { MicroscaleConfig } from '../config/schema.js';
import { engineKinds } from '../engines/index.js';
import { ConfigError } from '../errors.js';
import { sourceKinds } from '../sources/index.js';
import { readSecretFile } from '../util/read-file.js';

export { MAX_CONFIG_BYTES, configContextFor, loadConfigFile, loadConfigWithOrigins, parseDocument, readConfigText } from './config-file.js';

/** Every registered engine and source kind; `${file:/path}` secrets read from the local disk. */
export const CONFIG_CONTEXT: ConfigContext = {
  engines: await engineKinds.loadAll(),
  sources: await sourceKinds.loadAll(),
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
