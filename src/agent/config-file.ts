// Loads a config the way the agent runs it: reads the file, fills in image labels (metadata/policy.ts),
// loads the engine and source kinds it names (and only those: engines/index.ts, sources/index.ts) and
// validates it (config/parse.ts). config/ itself does no I/O and names no kind; this is where they meet.
// Files are read bounded (util/read-file.ts): the config itself and each `${file:}` secret must be a
// small regular file, never a device, fifo or directory.
import { parseYaml, validateConfig, withLines, type ConfigContext } from '../config/parse.js';
import type { MicroscaleConfig } from '../config/schema.js';
import { engineKinds } from '../engines/index.js';
import type { EngineKind } from '../engines/types.js';
import { ConfigError } from '../errors.js';
import { applyImageLabels, type ServiceOrigins } from '../metadata/policy.js';
import { sourceKinds } from '../sources/index.js';
import type { SourceKind } from '../sources/types.js';
import { formatSize, readSecretFile, readSmallFile } from '../util/read-file.js';
import type { LazyKinds } from '../util/lazy-kinds.js';

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

function field(raw: unknown, key: string): unknown {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>)[key] : undefined;
}

/**
 * The kinds named, loaded; every kind of the registry when one name is not a registered kind as written
 * (a typo, or `${ENV}`): validation then says what it says with every kind at hand, as it always has
 * (the kinds an unknown one could have been, the service keys of every engine).
 */
async function kindsNamed<K extends { readonly kind: string }>(registry: LazyKinds<K>, names: readonly unknown[]): Promise<K[]> {
  if (!names.every((name): name is string => typeof name === 'string' && registry.has(name))) return registry.loadAll();
  return registry.loadEach([...new Set(names)]);
}

/** What validating `document` needs: the engine kind and the source kinds it names (engine.kind defaults to sim). */
export async function configContextFor(document: unknown): Promise<ConfigContext> {
  const engine = field(document, 'engine') ?? { kind: 'sim' };
  const services = field(document, 'services');
  const blocks = (Array.isArray(services) ? services : []).flatMap((s) => [field(s, 'metric'), field(s, 'arrivals')]);
  const [engines, sources] = await Promise.all([
    kindsNamed<EngineKind>(engineKinds, [field(engine, 'kind')]),
    kindsNamed<SourceKind>(
      sourceKinds,
      blocks.filter((block) => block !== undefined).map((block) => field(block, 'source')),
    ),
  ]);
  // `counter: true` on a kind without a counter: its error names the kinds that have one, so load them all.
  const counterOnKindWithout = blocks.some(
    (block) => field(block, 'counter') === true && !sources.find((k) => k.kind === field(block, 'source'))?.counter,
  );
  return { engines, sources: counterOnKindWithout ? await sourceKinds.loadAll() : sources, readSecretFile };
}

/** Validates an already-parsed document (an object), the kinds it names loaded first. Throws ConfigError with every problem. */
export async function parseDocument(document: unknown, env: NodeJS.ProcessEnv = process.env, file?: string): Promise<MicroscaleConfig> {
  return validateConfig(document, await configContextFor(document), env, file);
}

/** The engine's checks that need this machine (EngineKind.checkServicesLocally, e.g. the kubeconfig's namespace). */
async function localProblems(config: MicroscaleConfig): Promise<string[]> {
  const services = config.services.map((s) => ({ name: s.name, stopGracePeriodMs: s.stopGracePeriodMs, options: s.engineOptions }));
  return (await engineKinds.load(config.engine.kind))?.checkServicesLocally?.(config.engine, services) ?? [];
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
    config = await parseDocument(labels.document, env, file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = [...problems, ...error.problems];
  }
  if (config && problems.length === 0) problems = await localProblems(config);
  if (!config || problems.length > 0) throw withLines(new ConfigError(problems, file), source);
  return { config, services: labels.services };
}
