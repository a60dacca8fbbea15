// Registry credentials, looked up the way the docker CLI stores them: MICROSCALE_REGISTRY_USERNAME and
// MICROSCALE_REGISTRY_PASSWORD first, then in $DOCKER_CONFIG/config.json (default ~/.docker) the
// registry's credential helper (credHelpers, else credsStore: `docker-credential-NAME get`), then `auths`.
// Identity tokens (a helper answering Username "<token>") need an OAuth exchange that is not done here.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DOCKER_HUB } from './reference.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
  /** Where they came from, for error messages (never the secret itself). */
  readonly from: string;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The keys `docker login` may have written for a registry host. */
function keyMatches(key: string, registry: string): boolean {
  const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (registry === DOCKER_HUB) return ['index.docker.io', 'docker.io', 'registry-1.docker.io'].includes(host);
  return host === registry;
}

function decode(entry: { auth?: string; username?: string; password?: string }): { username: string; password: string } | undefined {
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  if (!entry.auth) return undefined;
  const text = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon > 0 ? { username: text.slice(0, colon), password: text.slice(colon + 1) } : undefined;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

async function readDockerConfig(path: string): Promise<DockerConfigFile | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as DockerConfigFile;
  } catch {
    return undefined; // no file, or not JSON: no stored credentials, as with the docker CLI
  }
}

/** The server name `docker login` hands a helper: Docker Hub keeps its historical v1 URL. */
function helperServer(registry: string): string {
  return registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
}

/** Runs `docker-credential-NAME get`; no helper, no entry or an identity token → undefined. */
function fromHelper(name: string, registry: string): Promise<{ username: string; password: string } | undefined> {
  return new Promise((resolve) => {
    const child = execFile(`docker-credential-${name}`, ['get'], { timeout: 5000 }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        const { Username, Secret } = JSON.parse(stdout) as { Username?: string; Secret?: string };
        resolve(Username && Secret && Username !== '<token>' ? { username: Username, password: Secret } : undefined);
      } catch {
        resolve(undefined); // the helper's answer is not JSON: no usable entry, as with the docker CLI
      }
    });
    child.stdin?.end(helperServer(registry));
  });
}

export async function findCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const { MICROSCALE_REGISTRY_USERNAME: username, MICROSCALE_REGISTRY_PASSWORD: password } = env;
  if (username && password) return { username, password, from: 'MICROSCALE_REGISTRY_USERNAME/PASSWORD' };
  const path = dockerConfigPath(env);
  const config = await readDockerConfig(path);
  const helper = config?.credHelpers?.[registry] ?? config?.credsStore;
  const fromStore = helper ? await fromHelper(helper, registry) : undefined;
  if (fromStore) return { ...fromStore, from: `docker-credential-${helper} (${path})` };
  for (const [key, entry] of Object.entries(config?.auths ?? {})) {
    const found = keyMatches(key, registry) ? decode(entry) : undefined;
    if (found) return { ...found, from: `${path} (auths."${key}")` };
  }
  return undefined;
}
