// Secrets and settings from the environment: "${NAME}", "${NAME:-default}" and "${file:/path}" inside
// any string value of the config, replaced before validation. Problems come back with the YAML path.
// The file is read by the caller's `readSecretFile` (config/ itself does no I/O).

/** Reads a `${file:/path}` secret; throws when it cannot. */
export type ReadSecretFile = (path: string) => string;

const REFERENCE = /\$\{([^}]+)\}/g;

export interface Substitution {
  readonly value: unknown;
  readonly problems: string[];
}

function substituteString(text: string, path: string, env: NodeJS.ProcessEnv, readSecretFile: ReadSecretFile, problems: string[]): string {
  return text.replace(REFERENCE, (whole, inner: string) => {
    if (inner.startsWith('file:')) {
      const file = inner.slice('file:'.length);
      try {
        return readSecretFile(file).trim();
      } catch {
        problems.push(`${path}: cannot read secret file ${file}; check the path and its permissions`);
        return whole;
      }
    }
    const [name = '', fallback] = inner.split(':-', 2);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problems.push(`${path}: "\${${inner}}" is not a valid reference; use \${NAME}, \${NAME:-default} or \${file:/path}`);
      return whole;
    }
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    problems.push(`${path}: environment variable ${name} is not set; export it or give a default as \${${name}:-value}`);
    return whole;
  });
}

export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, readSecretFile: ReadSecretFile, path = '', problems: string[] = []): Substitution {
  if (typeof value === 'string') return { value: substituteString(value, path || '(root)', env, readSecretFile, problems), problems };
  if (Array.isArray(value)) {
    return { value: value.map((item, i) => substituteEnv(item, env, readSecretFile, joinPath(path, i), problems).value), problems };
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = substituteEnv(item, env, readSecretFile, joinPath(path, key), problems).value;
    return { value: out, problems };
  }
  return { value, problems };
}
