// Image references parsed the way Docker parses them (distribution/reference): a domain only when the
// first path part has a "." or ":" or is "localhost"; Docker Hub by default, with "library/" for
// one-part names; "latest" when neither tag nor digest is given.
import { RegistryError } from './errors.js';

export const DOCKER_HUB = 'docker.io';

export interface ImageReference {
  /** Registry host[:port] as Docker names it ("docker.io" for Docker Hub). */
  readonly registry: string;
  /** Repository path inside the registry ("library/busybox", "demo/app"). */
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  /** What the user typed, for error messages. */
  readonly original: string;
}

const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${component}(?:/${component})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const DOMAIN_LABEL = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)';
const DOMAIN = new RegExp(`^(?:localhost|\\[[0-9a-fA-F:]+\\]|${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*)(?::\\d{1,5})?$`);

function bad(original: string, detail: string): RegistryError {
  return new RegistryError('bad-reference', original, `invalid reference format: ${detail}`);
}

function splitDomain(name: string): { registry: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const isDomain = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  if (!isDomain) return { registry: DOCKER_HUB, path: name };
  const registry = first === 'index.docker.io' ? DOCKER_HUB : first;
  return { registry, path: name.slice(slash + 1) };
}

/** Parses REF like `docker pull` does; throws RegistryError('bad-reference') naming what is wrong. */
export function parseReference(text: string): ImageReference {
  const original = text;
  const input = text.trim();
  if (input === '') throw bad(original, 'the reference is empty; expected e.g. busybox:latest or ghcr.io/acme/app@sha256:…');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(original, `"${digest}" is not a digest; expected algorithm:hex, e.g. sha256:<64 hex digits>`);
    if (digest.startsWith('sha256:') && !SHA256.test(digest))
      throw bad(original, `"${digest}" is not a sha256 digest (64 lowercase hex digits)`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(original, `tag "${tag}" must be 1-128 letters, digits, "_", "." or "-", not starting with "." or "-"`);
  }
  const { registry, path } = splitDomain(rest);
  if (path !== path.toLowerCase() || (registry !== DOCKER_HUB && registry.toLowerCase() !== registry && !/[.:]/.test(registry))) {
    throw bad(original, `repository name "${rest}" must be lowercase`);
  }
  if (!DOMAIN.test(registry)) throw bad(original, `"${registry}" is not a registry host[:port]`);
  if (path === '') throw bad(original, 'the repository name is missing');
  if (!NAME.test(path))
    throw bad(original, `repository name "${path}" may hold only lowercase letters, digits and separators (".", "_", "__", "-", "/")`);
  if (registry.length + 1 + path.length > 255) throw bad(original, 'the repository name is longer than 255 characters');
  const repository = registry === DOCKER_HUB && !path.includes('/') ? `library/${path}` : path;
  return { registry, repository, tag: tag ?? (digest ? undefined : 'latest'), digest, original };
}

/** The tag or digest to ask the registry for (a digest wins, as with `docker pull name:tag@digest`). */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** The full, canonical name: docker.io/library/busybox:latest, 127.0.0.1:5000/demo/app@sha256:… */
export function canonicalName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The name `docker` shows: busybox:latest for Docker Hub's library images, hosts kept otherwise. */
export function familiarName(ref: ImageReference): string {
  let name = `${ref.registry}/${ref.repository}`;
  if (ref.registry === DOCKER_HUB) name = ref.repository.startsWith('library/') ? ref.repository.slice(8) : ref.repository;
  return `${name}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\./.test(bare);
}

/**
 * The base URL of the registry's API. Docker Hub's API lives at registry-1.docker.io. Plain HTTP is used
 * for loopback registries (as Docker allows) and for hosts listed in MICROSCALE_INSECURE_REGISTRIES.
 */
export function registryBaseUrl(ref: ImageReference, env: NodeJS.ProcessEnv = process.env): string {
  if (ref.registry === DOCKER_HUB) return 'https://registry-1.docker.io';
  const insecure = (env.MICROSCALE_INSECURE_REGISTRIES ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  return `${isLoopback(ref.registry) || insecure.includes(ref.registry) ? 'http' : 'https'}://${ref.registry}`;
}
