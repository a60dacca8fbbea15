// Policy from image labels: before the config is validated, a service that opts in with `labelsFrom`
// takes priority, min, max and target from its image's io.microscale.* labels for each of those keys
// the config file leaves out (the config file always wins). Runs once per load (start and each reload).
//   labelsFrom: registry              the service's `image`, read from its registry
//   labelsFrom: engine                the service's `image`, read from the local Docker Engine
//   labelsFrom: {registry: acme/app:1.4}   an explicit image, for engines whose services have no `image` key
import { readSecretFile } from '../util/read-file.js';
import type { MicroscaleConfig } from '../config/schema.js';
import { substituteEnv } from '../config/env.js';
import { errorMessage } from '../errors.js';
import { MICROSCALE_LABELS, POLICY_KEYS, readPolicyLabels, type PolicyKey } from './microscale-labels.js';

export type ValueOrigin = 'config' | 'image label' | 'default';

export interface ServiceOrigins {
  readonly service: string;
  /** The image whose labels were read, when the service opted in. */
  readonly image: string | undefined;
  /** Where that image was read from. */
  readonly from?: 'registry' | 'engine';
  readonly origins: Readonly<Record<PolicyKey, ValueOrigin>>;
}

export interface LabelResolution {
  /** The document with label values filled in where the config left a key out. */
  readonly document: unknown;
  readonly services: readonly ServiceOrigins[];
  /** Lines for ConfigError, each with the service's YAML path. */
  readonly problems: readonly string[];
}

type RawService = Record<string, unknown>;
type ReadLabels = (image: string, from: 'registry' | 'engine') => Promise<Readonly<Record<string, string>>>;

/** Where to read which image from, or undefined when the service does not opt in (or opts in wrongly: the schema says so). */
function optIn(service: RawService, env: NodeJS.ProcessEnv): { from: 'registry' | 'engine'; image: string | undefined } | undefined {
  const spec = service.labelsFrom;
  const substitute = (value: unknown) => (typeof value === 'string' ? String(substituteEnv(value, env, readSecretFile).value) : undefined);
  if (spec === 'registry' || spec === 'engine') return { from: spec, image: substitute(service.image) };
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
    const entries = Object.entries(spec);
    const [from, image] = entries[0] ?? [];
    if (entries.length === 1 && (from === 'registry' || from === 'engine')) return { from, image: substitute(image) };
  }
  return undefined;
}

async function defaultReader(): Promise<ReadLabels> {
  // Loaded only when a service opts in, so plain config loads never pull in dockerode or fetch code.
  const [{ readImage }, { RegistryClient }] = await Promise.all([import('./read.js'), import('./registry-client.js')]);
  const client = new RegistryClient();
  return async (image, from) => (await readImage(image, { from, client })).labels;
}

async function resolveService(
  raw: unknown,
  index: number,
  env: NodeJS.ProcessEnv,
  read: () => Promise<ReadLabels>,
): Promise<{ service: unknown; origins: ServiceOrigins | undefined; problems: string[] }> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { service: raw, origins: undefined, problems: [] };
  const service = raw as RawService;
  const name = typeof service.name === 'string' ? service.name : `services[${index}]`;
  const wanted = optIn(service, env);
  const origins = Object.fromEntries(POLICY_KEYS.map((key) => [key, key in service ? 'config' : 'default'])) as Record<
    PolicyKey,
    ValueOrigin
  >;
  if (!wanted) return { service, origins: { service: name, image: undefined, origins }, problems: [] };
  const path = `services[${index}].labelsFrom`;
  if (!wanted.image)
    return {
      service,
      origins: undefined,
      problems: [`${path}: needs an image; add image: REF to the service or write labelsFrom: {${wanted.from}: REF}`],
    };
  let labels: Readonly<Record<string, string>>;
  try {
    labels = await (await read())(wanted.image, wanted.from);
  } catch (error) {
    return { service, origins: undefined, problems: [`${path}: cannot read the labels of ${errorMessage(error)}`] };
  }
  const policy = readPolicyLabels(labels);
  const filled: RawService = { ...service };
  for (const key of POLICY_KEYS) {
    if (key in service || policy.values[key] === undefined) continue;
    filled[key] = policy.values[key];
    origins[key] = 'image label';
  }
  const problems = policy.problems.map((p) => `${path}: image ${wanted.image} label ${p.label}: ${p.message}`);
  return { service: filled, origins: { service: name, image: wanted.image, from: wanted.from, origins }, problems };
}

/** Fills in label values for every service that opts in; reads all images at once. */
export async function applyImageLabels(
  document: unknown,
  env: NodeJS.ProcessEnv = process.env,
  reader?: ReadLabels,
): Promise<LabelResolution> {
  const root =
    document !== null && typeof document === 'object' && !Array.isArray(document) ? (document as Record<string, unknown>) : undefined;
  const services = Array.isArray(root?.services) ? (root.services as unknown[]) : undefined;
  if (!root || !services) return { document, services: [], problems: [] };
  let shared: Promise<ReadLabels> | undefined;
  const read = () => (shared ??= reader ? Promise.resolve(reader) : defaultReader());
  const resolved = await Promise.all(services.map((raw, i) => resolveService(raw, i, env, read)));
  return {
    document: { ...root, services: resolved.map((r) => r.service) },
    services: resolved.flatMap((r) => (r.origins ? [r.origins] : [])),
    problems: resolved.flatMap((r) => r.problems),
  };
}

/** `validate`'s lines: each opted-in service's four values and where each came from. */
export function describeOrigins(config: MicroscaleConfig, services: readonly ServiceOrigins[]): string[] {
  const lines: string[] = [];
  for (const entry of services) {
    const service = config.services.find((s) => s.name === entry.service);
    if (!service || !entry.image) continue;
    const target =
      service.target.kind === 'queueLength'
        ? `queueLength=${service.target.queueLength}`
        : service.target.kind === 'perContainer'
          ? `perContainer=${service.target.perContainer}`
          : service.target.kind;
    const values: Record<PolicyKey, string> = {
      priority: String(service.priority),
      min: String(service.min),
      max: String(service.max),
      target,
    };
    const parts = POLICY_KEYS.map((key) => {
      const origin = entry.origins[key];
      return `${key} ${values[key]} (${origin === 'image label' ? `image label ${MICROSCALE_LABELS[key]}` : origin})`;
    });
    lines.push(`  ${entry.service} [labels from ${entry.image}]: ${parts.join(', ')}`);
  }
  return lines;
}
