// Loads a config the way the agent runs it: reads the file, fills in image labels (metadata/policy.ts) and
// validates it (config/parse.ts) against every engine and source kind microscale knows. config/ itself does
// no I/O and names no kind; this is where they meet.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { validateConfig, parseYaml, type ConfigContext } from '../config/parse.js';
import type { MicroscaleConfig } from '../config/schema.js';
import { engineKinds } from '../engines/index.js';
import { ConfigError } from '../errors.js';
import { applyImageLabels, type ServiceOrigins } from '../metadata/policy.js';
import { sourceKinds } from '../sources/index.js';

/** Every registered engine and source kind; `${file:/path}` secrets read from the local disk. */
export const CONFIG_CONTEXT: ConfigContext = {
  engines: engineKinds,
  sources: sourceKinds,
  readSecretFile: (path) => readFileSync(path, 'utf8'),
};

/** Validates an already-parsed document (an object). Throws ConfigError with every problem. */
export function parseConfig(document: unknown, env: NodeJS.ProcessEnv = process.env, file?: string): MicroscaleConfig {
  return validateConfig(document, CONFIG_CONTEXT, env, file);
}

/** Parses YAML text; syntax errors come back with their line and column. */
export function parseConfigText(text: string, env: NodeJS.ProcessEnv = process.env, file?: string): MicroscaleConfig {
  return parseConfig(parseYaml(text, file), env, file);
}

export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<MicroscaleConfig> {
  return (await loadConfigWithOrigins(file, env)).config;
}

/** loadConfigFile, plus where each `labelsFrom` service's priority/min/max/target came from (metadata/policy.ts). */
export async function loadConfigWithOrigins(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ config: MicroscaleConfig; services: readonly ServiceOrigins[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      [code === 'ENOENT' ? `file not found; create it or pass another with -c` : `cannot read it (${code ?? 'error'})`],
      file,
    );
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) return { config: parseConfigText(text, env, file), services: [] }; // throws the syntax errors
  // Image labels are filled in before validation, so a label value is checked exactly like a YAML value.
  const labels = await applyImageLabels(document.toJS(), env);
  let config: MicroscaleConfig | undefined;
  let problems = [...labels.problems];
  try {
    config = parseConfig(labels.document, env, file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = [...problems, ...error.problems];
  }
  if (!config || problems.length > 0) throw new ConfigError(problems, file);
  return { config, services: labels.services };
}
