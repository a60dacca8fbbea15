// Secrets and settings from the environment: "${NAME}", "${NAME:-default}" and "${file:/path}" inside
// any string value of the config, replaced before validation. Problems come back with the YAML path,
// and the path of every substituted value is kept, so no error message ever shows what was put in.
// The file is read by the caller's `readSecretFile` (config/ itself does no I/O).

/** Reads a `${file:/path}` secret; throws when it cannot, with a message that says why and what to do. */
export type ReadSecretFile = (path: string) => string;

const REFERENCE = /\$\{([^}]+)\}/g;

export interface Substitution {
  readonly value: unknown;
  readonly problems: string[];
  /** YAML path → the reference substituted there ("${DB_PASSWORD}"): values never to be shown. */
  readonly substituted: Map<string, string>;
}

function substituteString(
  text: string,
  path: string,
  env: NodeJS.ProcessEnv,
  readSecretFile: ReadSecretFile,
  problems: string[],
  substituted: Map<string, string>,
): string {
  return text.replace(REFERENCE, (whole, inner: string) => {
    if (inner.startsWith('file:')) {
      const file = inner.slice('file:'.length);
      try {
        const text = readSecretFile(file).trim();
        substituted.set(path, whole);
        return text;
      } catch (error) {
        problems.push(
          `${path}: secret file ${file} ` +
            `${error instanceof Error && error.message ? error.message : 'cannot be read; check the path and its permissions'}`,
        );
        return whole;
      }
    }
    const [name = '', fallback] = inner.split(':-', 2);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problems.push(
        `${path}: "\${${inner.length > 40 ? `${inner.slice(0, 37)}...` : inner}}" is not a valid reference; ` +
          `use \${NAME}, \${NAME:-default} or \${file:/path}`,
      );
      return whole;
    }
    const value = env[name];
    if (value !== undefined && value !== '') {
      substituted.set(path, whole);
      return value;
    }
    if (fallback !== undefined) return fallback;
    problems.push(`${path}: environment variable ${name} is not set; export it or give a default as \${${name}:-value}`);
    return whole;
  });
}

export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

export function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  readSecretFile: ReadSecretFile,
  path = '',
  problems: string[] = [],
  substituted = new Map<string, string>(),
): Substitution {
  const at = (item: unknown, itemPath: string): unknown => substituteEnv(item, env, readSecretFile, itemPath, problems, substituted).value;
  if (typeof value === 'string')
    return { value: substituteString(value, path || '(root)', env, readSecretFile, problems, substituted), problems, substituted };
  if (Array.isArray(value)) return { value: value.map((item, i) => at(item, joinPath(path, i))), problems, substituted };
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = at(item, joinPath(path, key));
    return { value: out, problems, substituted };
  }
  return { value, problems, substituted };
}
